//===- Bf16Conv.h - bf16 convolutions (vdpbf16ps) ---------------*- C++ -*-===//
//-*-===//
//
// The reduced-precision convolutions of `bitc compile --precision`
// (docs/precision.md) share one kernel: the fp32 GN prologue and activation
// run once per input pixel of a strip of rows and are converted to a narrow
// type, then groups of `dotGroup` input channels are multiplied by packed
// filters and summed by one instruction per vector:
//   int8: u8 x i8, 4 per group (vpdpbusd), exact int32 sums, fp32 rescale;
//   bf16: bf16 x bf16, 2 per group (vdpbf16ps), fp32 sums, no scales.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_BF16CONV_H
#define BITC_CODEGEN_KERNELS_BF16CONV_H

#include "codegen/kernels/Kernels.h"

#include <cstdint>
#include <vector>

namespace bitc::kernels {

enum class DotArithmetic { Int8, Bf16 };

/// Input channels one dot-product instruction sums per output lane.
inline int dotGroup(DotArithmetic arithmetic) {
  return arithmetic == DotArithmetic::Int8 ? 4 : 2;
}

/// The model conv in `arithmetic` (buildInt8ModelConv, buildBf16ModelConv).
KernelPipeline buildDotProductConv(const ConvSpec &spec,
                                   const Halide::Target &target,
                                   DotArithmetic arithmetic);

/// Whether `target` runs bf16 dot products: Halide 14 emits vdpbf16ps only
/// with AVX-512 and its avx512_sapphirerapids feature.
bool bf16TargetSupported(const Halide::Target &target);

/// Whether buildBf16ModelConv takes `spec` on `target`: a bf16 target, the
/// input in the arena layout (not the model's NCHW input), square kernel
/// and stride, no dilation, the output channels a multiple of 16.
bool bf16ConvSupports(const ConvSpec &spec, const Halide::Target &target);

/// The bf16 conv as the planner calls it (one image, the fp32 arena layouts
/// of buildConv). Arguments, in order:
///   input    float32 (c, x, y, n), as buildConv;
///   weights  bf16 packed by packBf16ConvWeights;
///   prologue float32 (c, 2, n)                     [if hasPrologue];
///   residual (if any); output float32 (c, x, y, n); stats (if any) as
///   buildConv's.
/// The prologue (GN apply + activation) and the rounding to bf16 run once
/// per pixel into a per-strip buffer; products are summed in fp32.
KernelPipeline buildBf16ModelConv(const ConvSpec &spec,
                                  const Halide::Target &target);

/// fp32 -> bf16 bits, rounded to nearest even (NaN stays NaN).
uint16_t roundToBf16(float value);

/// Packs OIHW fp32 weights as bf16 (2, lane, ceil(inC/2), kx, ky,
/// outC/lane), lane = 16, zeros past inC.
std::vector<uint16_t> packBf16ConvWeights(const ConvSpec &spec,
                                          const Halide::Target &target,
                                          const float *oihw);
std::vector<int> packedBf16ConvWeightShape(const ConvSpec &spec,
                                           const Halide::Target &target);

} // namespace bitc::kernels

#endif // BITC_CODEGEN_KERNELS_BF16CONV_H
