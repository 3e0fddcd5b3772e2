//===- Kernels.h - Halide kernel builders for the bit ops -------*- C++ -*-===//
//
// Every builder turns the static shapes and options of one `bit` op into a
// Halide 14 pipeline with a real schedule for one target. The caller compiles
// it ahead of time:
//
//   KernelPipeline k = buildConv(spec, target);
//   Halide::Target t = target.with_feature(Halide::Target::NoRuntime)
//                          .with_feature(Halide::Target::NoAsserts)
//                          .with_feature(Halide::Target::NoBoundsQuery);
//   Halide::Module m = k.pipeline.compile_to_module(k.inputs, "fn", t);
//   // or k.pipeline.compile_to_object("fn.o", k.inputs, "fn", t);
// and links one `Halide::compile_standalone_runtime(...)` object for all
// kernels (bench/kernels/aot-smoke.sh does exactly this from plain C).
//
// Conventions shared by all builders (Halide dimension order = innermost
// first):
//   * activations: (c, x, y, n)   i.e. NHWC memory, dense, min 0 everywhere;
//     the stem conv may read the user's NCHW input, (x, y, c, n);
//   * scale/shift of a group norm: (c, 2, n)   i.e. [n][2][C]; [n][0][c] is
//     the scale, [n][1][c] the shift;
//   * partial group-norm statistics: (3, group, tile, n) of (count, mean, M2);
//   * logits: (label, n).
// Every buffer argument has all bounds and strides declared (dense, min 0), so
// the generated code needs no bounds query and no assertion beyond the ones
// `no_asserts` removes; weights are always inputs, never embedded constants.
// `inputs` lists the inputs in the order documented at each builder;
// `outputs` the outputs; the generated function takes them in that order.
// Schedules depend on the target's vector width and register count
// (natural_vector_size<float>(): 8 on AVX2, 16 on AVX-512, 4 on NEON); packed
// weights therefore depend on the target too: pack for the target you compile
// for.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_KERNELS_H
#define BITC_CODEGEN_KERNELS_KERNELS_H

#include "ir/Activation.h"
#include "ir/WindowShape.h"

#include <Halide.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bitc::kernels {

using Activation = mlir::bit::Activation;

/// A pipeline ready for `compile_to_module` and its arguments.
/// `compile_to_module` takes `inputs` (the generated function's signature is
/// then `int fn(halide_buffer_t *inputs..., halide_buffer_t *outputs...)`);
/// `outputs` describes the output buffers in that order, and `arguments()`
/// is the full signature, inputs then outputs. `params` are the input
/// ImageParams in the same order as `inputs` (for JIT use: `set()` them, then
/// `pipeline.realize(...)`).
struct KernelPipeline {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> inputs;
  std::vector<Halide::Argument> outputs;
  std::vector<Halide::ImageParam> params;
  /// Human-readable summary of the schedule that was chosen.
  std::string scheduleNote;
  /// A lowering pass for the kernel's object code: the next-block weight
  /// prefetch (WeightPrefetch.h), whose `prefetchnta` the object may get
  /// rewritten into `prefetcht1` (codegen/PrefetchHints.h). Added by
  /// HalideBackend and kernel-bench, not by the JIT of kernel-check.
  std::shared_ptr<Halide::Internal::IRMutator> objectCodePass;

  /// Adds objectCodePass, if any, to the pipeline's lowering passes (once per
  /// pipeline; the pipeline keeps the pass alive); whether there was one.
  bool addObjectCodePass() {
    if (!objectCodePass)
      return false;
    pipeline.add_custom_lowering_pass(objectCodePass.get(),
                                      [pass = objectCodePass] {});
    return true;
  }

  std::vector<Halide::Argument> arguments() const {
    std::vector<Halide::Argument> all = inputs;
    all.insert(all.end(), outputs.begin(), outputs.end());
    return all;
  }
};

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

struct ConvSpec {
  int64_t batch = 1, inC = 0, inH = 0, inW = 0, outC = 0;
  int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1;
  int64_t dilationH = 1, dilationW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  bool inputNCHW = false;
  bool hasPrologue = false;
  Activation prologueActivation = Activation::None;
  bool hasResidual = false;
  bool hasStats = false;
  int64_t statsGroups = 0, statsTileRows = 0;

  int64_t outH() const {
    return mlir::bit::windowOutputSize(inH, padTop, padBottom, kernelH, strideH,
                                       dilationH);
  }
  int64_t outW() const {
    return mlir::bit::windowOutputSize(inW, padLeft, padRight, kernelW, strideW,
                                       dilationW);
  }
  int64_t statsTiles() const {
    return hasStats ? (outH() + statsTileRows - 1) / statsTileRows : 0;
  }
  /// Multiply-accumulates of one call.
  int64_t macs() const {
    return batch * outH() * outW() * outC * inC * kernelH * kernelW;
  }
};

/// The register tile the convolution kernel uses for `spec` on `target`:
/// `channelVectors` vectors of output channels x `pixelsX` x `pixelsY` output
/// pixels of accumulators. Packed weights depend on `blockChannels()` only.
struct ConvTile {
  int vectorWidth = 8;
  int channelVectors = 3;
  int pixelsX = 4, pixelsY = 1;
  int blockChannels() const { return vectorWidth * channelVectors; }
};
ConvTile chooseConvTile(const ConvSpec &spec, const Halide::Target &target);

/// Repacks OIHW weights (already standardized) into the layout `buildConv`
/// reads: Halide dims (co % B, ci, kx, ky, co / B) with B =
/// chooseConvTile(spec, target).blockChannels(), i.e. memory
/// [co/B][ky][kx][ci][co%B]; output channels beyond outC are zero-filled.
std::vector<float> packConvWeights(const ConvSpec &spec,
                                   const Halide::Target &target,
                                   const float *oihw);
/// Same, for `Halide::get_host_target()`.
std::vector<float> packConvWeights(const ConvSpec &spec, const float *oihw);
/// Extents of the packed weight buffer in Halide dim order (5 dims).
std::vector<int> packedConvWeightShape(const ConvSpec &spec,
                                       const Halide::Target &target);

/// Direct convolution with optional fused prologue, residual and statistics.
/// Arguments, in order:
///   input     (c, x, y, n)  [inputNCHW: (x, y, c, n)]
///   weights   packed, see packConvWeights
///   prologue  (c, 2, n) scale/shift over input channels   [if hasPrologue]
///   residual  (c, x, y, n) like the output                [if hasResidual]
///   output    (c, x, y, n)  with c = outC, x = outW, y = outH
///   stats     (3, group, tile, n) = (count, mean, M2) of the final output
///             over tiles of statsTileRows rows             [if hasStats]
KernelPipeline buildConv(const ConvSpec &spec, const Halide::Target &target);

/// Whether buildWinogradConv handles `spec`: 3x3, stride 1, dilation 1,
/// NHWC input, padding of at most 2 per side.
bool winogradEligible(const ConvSpec &spec);

/// The Winograd output tile worth using for an eligible `spec` (0 for none),
/// from per-layer measurements (kernel-bench --winograd, AVX-512 and AVX2):
/// F(4x4) where the plane has at least 32 4x4 tiles, F(2x2) on smaller ones
/// (F(4x4)'s 4x larger transformed weights are re-read for too few tiles).
/// `always`: a tile even where the direct kernel is likely faster (tiny
/// channel counts).
int chooseWinogradTile(const ConvSpec &spec, bool always);

/// The multiply-adds Winograd F(m x m, 3x3) does for `spec`: one product per
/// (m+2)^2 transformed point of every tile (the output rounded up to whole
/// tiles), input and output channel; the transforms' few multiplies aside.
int64_t winogradMacs(const ConvSpec &spec, int m);

/// Winograd F(m x m, 3x3) convolution, m = 2 or 4, with the same arguments,
/// outputs and fusions as buildConv; weights packed by packWinogradWeights
/// (statistics always in a second pass over the output). Rounding: F(2x2)
/// adds about 2x, F(4x4) about 10x the direct kernel's fp32 error.
KernelPipeline buildWinogradConv(const ConvSpec &spec, int outputTile,
                                 const Halide::Target &target);
/// OIHW weights transformed (U = G g G^T, in double) and repacked into the
/// order the GEMM reads: Halide dims (co % B, ci, xi, nu, co / B), memory
/// [co/B][nu][xi][ci][co%B]; output channels beyond outC are zero-filled.
std::vector<float> packWinogradWeights(const ConvSpec &spec, int outputTile,
                                       const Halide::Target &target,
                                       const float *oihw);
std::vector<int> packedWinogradWeightShape(const ConvSpec &spec, int outputTile,
                                           const Halide::Target &target);

/// The statistics tile height buildConv handles best for a layer: with it,
/// one tile = one parallel band, the statistics are reduced from the band
/// while it is in L2. Any positive value works (bands are then multiples of
/// it); layers with large weights and small planes reduce statistics in a
/// second pass over the output regardless.
int64_t preferredStatsTileRows(const ConvSpec &spec,
                               const Halide::Target &target);

//===----------------------------------------------------------------------===//
// The other ops
//===----------------------------------------------------------------------===//

/// Shape of an activation tensor, (c, x, y, n) layout.
struct TensorShape {
  int64_t n = 1, c = 0, h = 0, w = 0;
};

/// Zero padding [top, left, bottom, right] then a k x k max pool with stride s
/// (no padding inside the pool: the zero border takes part in the max).
/// Arguments: input (c, x, y, n); output (c, x', y', n).
KernelPipeline buildMaxPool(const TensorShape &in, int64_t kernel,
                            int64_t stride, int64_t padTop, int64_t padLeft,
                            int64_t padBottom, int64_t padRight,
                            const Halide::Target &target);

/// Constant padding [top, left, bottom, right] of the spatial dims.
/// Arguments: input (c, x, y, n); output (c, x + l + r, y + t + b, n).
KernelPipeline buildPad(const TensorShape &in, int64_t padTop, int64_t padLeft,
                        int64_t padBottom, int64_t padRight, float value,
                        const Halide::Target &target);

/// Full group-norm statistics folded with gamma/beta into scale/shift.
/// Arguments: input (c, x, y, n), gamma (c), beta (c); output (c, 2, n).
KernelPipeline buildGroupNormStats(const TensorShape &in, int64_t groups,
                                   double eps, const Halide::Target &target);

/// Chan's merge of per-tile partials into scale/shift.
/// Arguments: partials (3, group, tile, n), gamma (c), beta (c);
/// output (c, 2, n).
KernelPipeline buildGroupNormCombine(int64_t batch, int64_t channels,
                                     int64_t groups, int64_t tiles, double eps,
                                     const Halide::Target &target);

/// act(x * scale + shift (+ residual)).
/// Arguments: input (c, x, y, n), scaleShift (c, 2, n), [residual (c, x, y,
/// n)]; output (c, x, y, n).
KernelPipeline buildApplyNorm(const TensorShape &in, bool hasResidual,
                              Activation activation,
                              const Halide::Target &target);

/// act(a + b). Arguments: a, b (c, x, y, n); output (c, x, y, n).
/// The caller's copy of an activation: input (c, x, y, n) from the
/// workspace, output (x, y, c, n), i.e. NCHW memory. With h = w = 1 it also
/// copies a [n][c] tensor.
KernelPipeline buildToNCHW(const TensorShape &in, const Halide::Target &target);

KernelPipeline buildAdd(const TensorShape &in, Activation activation,
                        const Halide::Target &target);

/// Mean over x, y of act(x * scale + shift) (or of x without prologue).
/// Arguments: input (c, x, y, n), [scaleShift (c, 2, n)]; output (c, n).
KernelPipeline buildGlobalAvgPool(const TensorShape &in, bool hasPrologue,
                                  Activation activation,
                                  const Halide::Target &target);

/// logits = pooled @ W^T + b.
/// Arguments: input (c, n), weights packed (see packLinearWeights), bias
/// (label); output (label, n).
KernelPipeline buildLinear(int64_t batch, int64_t inFeatures, int64_t labels,
                           const Halide::Target &target);
/// [labels][in] row-major weights -> Halide dims (label % LB, c, label / LB)
/// (memory [label/LB][c][label%LB], zero-filled past `labels`), LB = up to 4
/// vectors of labels: each parallel task streams one contiguous panel.
std::vector<float> packLinearWeights(int64_t inFeatures, int64_t labels,
                                     const Halide::Target &target,
                                     const float *weights);
std::vector<int> packedLinearWeightShape(int64_t inFeatures, int64_t labels,
                                         const Halide::Target &target);

//===----------------------------------------------------------------------===//
// Helpers shared by the builders (exposed for tests)
//===----------------------------------------------------------------------===//

/// The activation as a vectorizable float Halide expression.
Halide::Expr applyActivation(Activation activation, const Halide::Expr &x);

} // namespace bitc::kernels

#endif // BITC_CODEGEN_KERNELS_KERNELS_H
