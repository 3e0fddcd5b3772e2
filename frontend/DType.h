//===- DType.h - Element types of checkpoint tensors ------------*- C++ -*-===//

#ifndef BITC_FRONTEND_DTYPE_H
#define BITC_FRONTEND_DTYPE_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace bitc {

enum class DType { F32, F16, BF16 };

/// "F32", "F16", "BF16" as spelled in safetensors headers.
llvm::StringRef dtypeName(DType dtype);
/// The inverse of dtypeName; std::nullopt for any other spelling.
std::optional<DType> parseDType(llvm::StringRef name);
/// Bytes per element: 4 or 2.
int64_t dtypeSize(DType dtype);
/// Exact conversions of IEEE binary16 and bfloat16 bit patterns to float
/// (subnormals, infinities and NaN payloads preserved).
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);
/// The float32 of an IEEE binary32 bit pattern.
float floatFromBits(uint32_t bits);

} // namespace bitc

#endif // BITC_FRONTEND_DTYPE_H
