//===- KernelUtil.h - Helpers shared by the kernel builders -----*- C++ -*-===//

#ifndef BITC_CODEGEN_KERNELS_KERNELUTIL_H
#define BITC_CODEGEN_KERNELS_KERNELUTIL_H

#include "codegen/kernels/Kernels.h"

#include <string>
#include <vector>

namespace bitc::kernels::detail {

/// Declares a dense buffer with min 0 and the given extents (innermost first):
/// stride of dim i = product of the extents of dims < i.
void declareDense(Halide::OutputImageParam param,
                  const std::vector<int64_t> &extents);

/// Description of an output buffer for KernelPipeline::outputs.
Halide::Argument outputArgument(const Halide::Func &f);

/// Completes `k` once its outputs are scheduled: the pipeline of `outs`, the
/// inputs from `k.params`, the output arguments and the schedule note.
void finishPipeline(KernelPipeline &k, const std::vector<Halide::Func> &outs,
                    const std::string &note);

/// Number of worker threads the schedules are tuned for (task counts are kept
/// a multiple of it where cheap).
constexpr int kTunedThreads = 2;

/// Vector width in floats for `target` (8 on AVX2, 16 on AVX-512, 4 on NEON).
int floatVectorWidth(const Halide::Target &target);

/// Vector registers of `target`: 32 with AVX-512 and on AArch64, else 16.
int registerCount(const Halide::Target &target);

/// The buffers every convolution builder takes, declared dense and listed in
/// `k.params` in the documented order: input, weights, prologue (if
/// hasPrologue), residual (if hasResidual, shaped like the output).
struct ConvParams {
  Halide::ImageParam input, weights, prologue, residual;
};
ConvParams declareConvParams(const ConvSpec &spec,
                             const std::vector<int64_t> &inputExtents,
                             const std::vector<int64_t> &weightExtents,
                             KernelPipeline &k);

/// Accurate (about 1 ulp), vectorizable exp for float: Cody-Waite reduction
/// and the Cephes polynomial. Halide's `exp` becomes scalar libm calls.
Halide::Expr accurateExp(Halide::Expr x);

/// ceil(a / b) for positive integers.
inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

} // namespace bitc::kernels::detail

#endif // BITC_CODEGEN_KERNELS_KERNELUTIL_H
