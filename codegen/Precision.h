//===- Precision.h - --precision and its calibration data -------*- C++ -*-===//

#ifndef BITC_CODEGEN_PRECISION_H
#define BITC_CODEGEN_PRECISION_H

#include "llvm/Support/Error.h"
#include <optional>
#include <string>
#include <vector>

namespace bitc {

/// The attribute (f32) --precision int8's calibration (driver/Calibration.h)
/// sets on each conv2d it can quantize: the largest input value seen on the
/// calibration images. The planner makes those convs int8 (PlanConv.cpp).
inline constexpr const char *kInt8InputMaxAttr = "bitc.int8_input_max";

/// The attribute (f32) the calibration sets beside kInt8InputMaxAttr when the
/// smallest input value seen is negative (a prologue activation such as gelu,
/// selu or leaky_relu): the int8 kernel then has a zero point.
inline constexpr const char *kInt8InputMinAttr = "bitc.int8_input_min";

/// The unit attribute --precision bf16 sets on every conv2d; the planner
/// makes each one it supports a bf16 conv (PlanConv.cpp), the others stay
/// fp32.
inline constexpr const char *kBf16Attr = "bitc.bf16";

/// The arithmetic of the compiled convolutions (`bitc compile --precision`).
enum class Precision { Fp32, Int8, Bf16 };

/// "fp32", "int8" or "bf16"; std::nullopt for anything else.
std::optional<Precision> parsePrecision(const std::string &text);

/// What `bitc compile` was asked for: --precision, --calibration DIR and
/// --calibration-count N, as given.
struct PrecisionRequest {
  std::string precision = "fp32";
  std::optional<std::string> calibrationDir;
  std::optional<long long> calibrationCount;
};

/// Checks a request before the model is read: the option values, that int8
/// has calibration images (listCalibrationImages) and nothing else has, and
/// that `target` (a Halide target string) can run the precision. Returns the
/// precision and the calibration images in use; the error is one line
/// naming the option, the folder or the file.
struct PrecisionChoice {
  Precision precision = Precision::Fp32;
  std::vector<std::string> calibrationImages;
  /// A warning for the user, or empty: int8 on an x86 target without
  /// AVX512-VNNI compiles and is correct but runs slower than fp32.
  std::string warning;
};
llvm::Expected<PrecisionChoice> choosePrecision(const PrecisionRequest &request,
                                                const std::string &target);

} // namespace bitc

#endif // BITC_CODEGEN_PRECISION_H
