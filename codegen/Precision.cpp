//===- Precision.cpp - --precision and its calibration data ---------------===//

#include "codegen/Precision.h"
#include "codegen/HalideBackend.h"
#include "codegen/kernels/Bf16Conv.h"
#include "frontend/CalibrationImages.h"
#include "frontend/JsonUtil.h"

namespace bitc {

std::optional<Precision> parsePrecision(const std::string &text) {
  if (text == "fp32")
    return Precision::Fp32;
  if (text == "int8")
    return Precision::Int8;
  if (text == "bf16")
    return Precision::Bf16;
  return std::nullopt;
}

namespace {

/// Halide 14 emits vdpbf16ps only for this feature (Cannon Lake features plus
/// AVX512-VNNI and AVX512-BF16); it has no bf16 path for any other target.
llvm::Error checkBf16Target(const std::string &target) {
  auto parsed = parseKernelTarget(target);
  if (!parsed)
    return parsed.takeError();
  if (!kernels::bf16TargetSupported(*parsed))
    return makeError("compile: --precision bf16 needs a target with "
                     "AVX512-BF16 (Halide features avx512 and "
                     "avx512_sapphirerapids); '" +
                     target + "' lacks them");
  return llvm::Error::success();
}

/// The int8 conv kernel is built and tested for x86-64 and AArch64 only:
/// refuse the others rather than compile fp32 silently. Returns the warning
/// for a target where int8 runs but is slow (empty if none).
llvm::Expected<std::string> checkInt8Target(const std::string &target) {
  auto parsed = parseKernelTarget(target);
  if (!parsed)
    return parsed.takeError();
  if ((parsed->arch != Halide::Target::X86 &&
       parsed->arch != Halide::Target::ARM) ||
      parsed->bits != 64)
    return makeError("compile: --precision int8 needs an x86-64 or AArch64 "
                     "target (no int8 kernels for other architectures yet); '" +
                     target + "' is neither");
  // Without vpdpbusd (Halide 14 emits it only for avx512_sapphirerapids,
  // which includes AVX512-VNNI) the u8 x i8 products widen to 16 bits
  // (vpmaddwd): measured slower than the fp32 kernels (docs/precision.md).
  if (parsed->arch == Halide::Target::X86 &&
      !parsed->has_feature(Halide::Target::AVX512_SapphireRapids))
    return "--precision int8 for '" + target +
           "': without AVX512-VNNI (Halide feature avx512_sapphirerapids) the "
           "int8 convolutions widen to 16 bits and run slower than fp32 there";
  return std::string();
}

} // namespace

llvm::Expected<PrecisionChoice> choosePrecision(const PrecisionRequest &request,
                                                const std::string &target) {
  std::optional<Precision> precision = parsePrecision(request.precision);
  if (!precision)
    return makeError("compile: --precision must be fp32, int8 or bf16, got '" +
                     request.precision + "'");
  if (request.calibrationCount && *request.calibrationCount < 1)
    return makeError("compile: --calibration-count must be at least 1, got " +
                     std::to_string(*request.calibrationCount));
  if (request.calibrationCount && !request.calibrationDir)
    return makeError("compile: --calibration-count needs --calibration DIR");
  if (*precision != Precision::Int8 && request.calibrationDir)
    return makeError("compile: --calibration is only used by --precision int8");
  if (*precision == Precision::Int8 && !request.calibrationDir)
    return makeError("compile: --precision int8 needs --calibration DIR (a "
                     "folder of PNG, JPEG or PPM images)");
  PrecisionChoice choice;
  choice.precision = *precision;
  if (request.calibrationDir) {
    auto images = listCalibrationImages(
        *request.calibrationDir,
        static_cast<size_t>(request.calibrationCount.value_or(0)));
    if (!images)
      return images.takeError();
    choice.calibrationImages = std::move(*images);
  }
  if (*precision == Precision::Bf16)
    if (llvm::Error err = checkBf16Target(target))
      return std::move(err);
  if (*precision == Precision::Int8) {
    auto warning = checkInt8Target(target);
    if (!warning)
      return warning.takeError();
    choice.warning = std::move(*warning);
  }
  return choice;
}

} // namespace bitc
