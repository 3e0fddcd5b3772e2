//===- WeightPrefetch.h - Next channel block's weights, ahead of time -----===//
//
// A custom lowering pass for blocks-outer direct convolutions: prefetches of
// the next output-channel block's weights inside the reduction loop, spread
// over the rows after a block's first (WeightPrefetch.cpp says why). Halide
// 14 emits each as `prefetchnta`; HalideBackend rewrites those into
// `prefetcht1` in the kernels' object code (NTA fills only L1 on Intel
// cores, where the lines would be gone before the next block reads them).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_WEIGHTPREFETCH_H
#define BITC_CODEGEN_KERNELS_WEIGHTPREFETCH_H

#include <Halide.h>

#include <string>

namespace bitc::kernels::detail {

/// The names the loops of a direct convolution get (ConvSchedule.cpp): the
/// output and accumulator Funcs' (Halide makes them unique in a process) and
/// the reduction's kernel-row and kernel-column variables.
struct LoopNames {
  std::string out, acc, kernelRow, kernelColumn;
};

class NextBlockWeightPrefetch : public Halide::Internal::IRMutator {
public:
  /// `weights`: the buffer's name; `blockFloats`: floats per channel block.
  NextBlockWeightPrefetch(LoopNames names, std::string weights,
                          int64_t blockFloats)
      : names(std::move(names)), weightsName(std::move(weights)),
        blockFloats(blockFloats) {}

  using Halide::Internal::IRMutator::mutate;
  Halide::Internal::Stmt mutate(const Halide::Internal::Stmt &s) override;

private:
  LoopNames names;
  std::string weightsName;
  int64_t blockFloats;
};

} // namespace bitc::kernels::detail

#endif // BITC_CODEGEN_KERNELS_WEIGHTPREFETCH_H
