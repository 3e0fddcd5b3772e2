//===- Bf16Conv.cpp - bf16 filters for buildBf16ModelConv -----------------===//

#include "codegen/kernels/Bf16Conv.h"
#include "codegen/kernels/DotPacking.h"
#include "codegen/kernels/Int8Conv.h"

#include <cstring>

namespace bitc::kernels {

uint16_t roundToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) // NaN: keep it a (quiet) NaN
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  // Round to nearest, ties to even: add 0x7fff plus the lowest kept bit.
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

std::vector<int> packedBf16ConvWeightShape(const ConvSpec &s,
                                           const Halide::Target &target) {
  return detail::dotWeightShape(s.inC, s.outC, s.kernelH, int8ConvLanes(target),
                                dotGroup(DotArithmetic::Bf16));
}

std::vector<uint16_t> packBf16ConvWeights(const ConvSpec &s,
                                          const Halide::Target &target,
                                          const float *oihw) {
  std::vector<uint16_t> bits(s.outC * s.inC * s.kernelH * s.kernelW);
  for (size_t i = 0; i < bits.size(); ++i)
    bits[i] = roundToBf16(oihw[i]);
  return detail::packDotWeights(s.inC, s.outC, s.kernelH, int8ConvLanes(target),
                                dotGroup(DotArithmetic::Bf16), bits.data());
}

} // namespace bitc::kernels
