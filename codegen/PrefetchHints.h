//===- PrefetchHints.h - prefetchnta -> prefetcht1 in kernel objects ------===//
//
// Halide 14 emits every prefetch as `prefetchnta`, which on Intel cores
// fills only L1: a line prefetched a channel block ahead is evicted before
// the block reads it, and the kernel gets slower instead of faster
// (bench/kernels/prefetch_model.c). This rewrites each `prefetchnta` of an
// x86-64 ELF object's code into `prefetcht1` (into L2 and below): the same
// instruction length, only the ModRM byte's reg field changes (0 -> 2).
// On AMD cores the non-temporal hint is the faster one (R50x1 224, AMD
// EPYC: 3.5% less kernel time on 1 and on 2 threads; docs/performance.md,
// "Prefetch hints on AMD"): there the weights streamed through the
// prefetches no longer push the activations out of L2 and L3.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_PREFETCHHINTS_H
#define BITC_CODEGEN_PREFETCHHINTS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace bitc {

/// The cache hint of the kernels' weight prefetches (`bitc compile
/// --prefetch`).
enum class PrefetchHint {
  Auto,        ///< NonTemporal for this machine's AMD CPU, else L2
  NonTemporal, ///< `prefetchnta`, as Halide emits it
  L2,          ///< rewritten to `prefetcht1`
};

/// Parses auto, nta or t1.
std::optional<PrefetchHint> parsePrefetchHint(llvm::StringRef text);

/// What `hint` means for kernels of the Halide target string `targetSpec`:
/// Auto is NonTemporal for a target of this machine (`host...`) when its
/// CPU is AMD's (or Hygon's, the same cores), else L2: the machine a
/// target like x86-64-linux-avx2-fma runs on is not known.
PrefetchHint resolvePrefetchHint(PrefetchHint hint, llvm::StringRef targetSpec);

/// Rewrites the object file at `path` in place; returns how many prefetches
/// it changed. Objects for other architectures are left alone (0).
llvm::Expected<unsigned> prefetchIntoL2(llvm::StringRef path);

} // namespace bitc

#endif // BITC_CODEGEN_PREFETCHHINTS_H
