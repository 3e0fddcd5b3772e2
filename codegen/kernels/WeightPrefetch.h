//===- WeightPrefetch.h - Next channel block's weights, ahead of time -----===//
//
// A custom lowering pass for blocks-outer direct convolutions: prefetches of
// the next output-channel block's weights inside the reduction loop, spread
// over the rows after a block's first (WeightPrefetch.cpp says why). Halide
// 14 emits each as `prefetchnta`; HalideBackend rewrites those into
// `prefetcht1` in the kernels' object code (NTA fills only L1 on Intel
// cores, where the lines would be gone before the next block reads them),
// except where `bitc compile --prefetch` keeps NTA (AMD hosts,
// codegen/PrefetchHints.h).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_WEIGHTPREFETCH_H
#define BITC_CODEGEN_KERNELS_WEIGHTPREFETCH_H

#include <Halide.h>

#include <string>
#include <vector>

namespace bitc::kernels::detail {

/// Where a kernel reuses its weights, by the names of its lowered loops
/// (Halide makes Func names unique in a process, so they come from the
/// Funcs): the register tile's Func `accumulator`, whose update's loop over
/// input-channel pairs ends in ".rco"; the loop `reuse` whose iterations
/// read the same unit of weights again (rows of tiles of one channel block,
/// or groups of tiles of one Winograd slab); the loops between those two,
/// outermost first (any that lowering removed are skipped); and whether the
/// first `reuse` iteration prefetches too (else it reads the unit from memory
/// while the others prefetch the next).
struct WeightReuseLoops {
  std::string accumulator, reuse;
  std::vector<std::string> inner;
  bool prefetchDuringFirst = false;
};

class NextBlockWeightPrefetch : public Halide::Internal::IRMutator {
public:
  /// `weights`: the buffer's name; `unitFloats`: floats per unit of weights
  /// (a channel block, a Winograd slab), the next of which is prefetched.
  NextBlockWeightPrefetch(WeightReuseLoops loops, std::string weights,
                          int64_t unitFloats)
      : loops(std::move(loops)), weightsName(std::move(weights)),
        unitFloats(unitFloats) {}

  using Halide::Internal::IRMutator::mutate;
  Halide::Internal::Stmt mutate(const Halide::Internal::Stmt &s) override;

private:
  WeightReuseLoops loops;
  std::string weightsName;
  int64_t unitFloats;
};

} // namespace bitc::kernels::detail

#endif // BITC_CODEGEN_KERNELS_WEIGHTPREFETCH_H
