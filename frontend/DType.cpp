//===- DType.cpp - Element types of checkpoint tensors --------------------===//

#include "frontend/DType.h"
#include <cstring>

using namespace bitc;
using llvm::StringRef;

StringRef bitc::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  }
  return "?";
}

std::optional<DType> bitc::parseDType(StringRef name) {
  if (name == "F32")
    return DType::F32;
  if (name == "F16")
    return DType::F16;
  if (name == "BF16")
    return DType::BF16;
  return std::nullopt;
}

int64_t bitc::dtypeSize(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

float bitc::floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bitc::halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  if (exponent == 0x1f) // infinity, or NaN with its payload kept
    return floatFromBits(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0)
      return floatFromBits(sign); // +-0
    // Subnormal: mantissa * 2^-24. Shift the leading one into the implicit
    // bit position; each shift lowers the exponent by one.
    int32_t e = -14;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --e;
    }
    mantissa &= 0x3ff;
    return floatFromBits(sign | (static_cast<uint32_t>(e + 127) << 23) |
                         (mantissa << 13));
  }
  return floatFromBits(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

float bitc::bfloat16ToFloat(uint16_t bits) {
  return floatFromBits(static_cast<uint32_t>(bits) << 16);
}
