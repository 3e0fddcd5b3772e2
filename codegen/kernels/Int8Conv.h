//===- Int8Conv.h - Direct convolution in 8-bit integers --------*- C++ -*-===//
//
// The int8 kernel of issue 15 (docs/precision.md), not yet used by the
// compiler: unsigned 8-bit activations (post GN + ReLU, zero point 0) times
// symmetric int8 weights, summed exactly in int32, rescaled to float32 per
// output channel. With Halide's avx512_sapphirerapids feature the 4-term
// dot products become vpdpbusd; elsewhere Halide widens (vpmaddwd on AVX2).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_INT8CONV_H
#define BITC_CODEGEN_KERNELS_INT8CONV_H

#include "codegen/kernels/Kernels.h"

#include <cstdint>
#include <vector>

namespace bitc::kernels {

/// One image; square kernel, stride and padding (zero: a u8 0 is a real 0).
struct Int8ConvSpec {
  int64_t inC = 0, inH = 0, inW = 0, outC = 0;
  int64_t kernel = 1, stride = 1, padTop = 0, padLeft = 0;
  int64_t outH = 0, outW = 0;
  /// Input channels rounded up to the 4 bytes of one dot product.
  int64_t inC4() const { return (inC + 3) / 4 * 4; }
};

/// Output channels per vector: 16 with AVX-512, 8 on AVX2, 4 otherwise.
int int8ConvLanes(const Halide::Target &target);

/// Arguments, in order:
///   input    uint8 (c, x, y), c extent inC4() (channels >= inC hold 0);
///   weights  int8 (4, lane, inC4()/4, kx, ky, outC/lane) from
///   packInt8ConvWeights; scales   float32 (outC): input scale * weight scale
///   of each channel; output   float32 (c, x, y) = scales[c] * sum(input *
///   weight).
/// outC must be a multiple of int8ConvLanes(target).
KernelPipeline buildInt8Conv(const Int8ConvSpec &spec,
                             const Halide::Target &target);

/// Packs OIHW int8 weights (outC x inC x kernel x kernel) for buildInt8Conv.
std::vector<int8_t> packInt8ConvWeights(const Int8ConvSpec &spec,
                                        const Halide::Target &target,
                                        const int8_t *oihw);

/// The packed weights' extents (innermost first).
std::vector<int> packedInt8ConvWeightShape(const Int8ConvSpec &spec,
                                           const Halide::Target &target);

/// Whether buildInt8ModelConv takes `spec` on `target`: a group-norm
/// prologue (any activation: see int8HasZeroPoint), square
/// kernel and stride, no dilation, the output channels a multiple of
/// int8ConvLanes, an x86-64 or AArch64 target.
bool int8ConvSupports(const ConvSpec &spec, const Halide::Target &target);

/// Whether the u8 input of `spec`'s int8 conv has a zero point: its prologue
/// activation can be negative (anything but relu and relu6), so the u8 code
/// z stands for 0 and the range below it for the negative values.
bool int8HasZeroPoint(const ConvSpec &spec);

/// Whether the int8 convs of `target` read signed codes: AArch64 with the
/// dot-product extension (Halide's arm_dot_prod), whose sdot multiplies i8 by
/// i8 (Halide 14 has no mixed-sign usdot). The u8 codes are shifted by -128,
/// so the kernel always has a zero point (z - 128) and loses no resolution.
bool int8SignedCodes(const Halide::Target &target);

/// Whether the kernel's scales carry a zero point: int8HasZeroPoint or
/// int8SignedCodes.
bool int8KernelZeroPoint(const ConvSpec &spec, const Halide::Target &target);

/// The int8 conv as the planner calls it (one image, the fp32 arena
/// layouts of buildConv). Arguments, in order:
///   input    float32 (c, x, y, n), as buildConv;
///   weights  int8 packed by packInt8ConvWeights (int8SpecOf(spec));
///   scales   float32 (outC + 1): input scale * weight scale per output
///            channel, then 1 / input scale; with a zero point
///            (int8KernelZeroPoint) float32 (2 * outC + 2): the same, then the
///            zero point z (an integer code: 0..255, or -128..127 with
///            int8SignedCodes), then per output channel
///            -scale[c] * z * (the sum of its int8 weights), the term that
///            takes z back out of the sum;
///   prologue float32 (c, 2, n); residual (if any); output float32 (c, x, y,
///   n); stats (if any) as buildConv's.
/// The prologue (GN apply + activation) and the quantization to u8 run once
/// per pixel into a per-strip buffer (padding is the code of 0: z); the sum is
/// exact in int32; the output is its float32 rescale (plus the zero-point
/// term) plus the residual.
KernelPipeline buildInt8ModelConv(const ConvSpec &spec,
                                  const Halide::Target &target);

/// The Int8ConvSpec of a conv buildInt8ModelConv supports.
Int8ConvSpec int8SpecOf(const ConvSpec &spec);

} // namespace bitc::kernels

#endif // BITC_CODEGEN_KERNELS_INT8CONV_H
