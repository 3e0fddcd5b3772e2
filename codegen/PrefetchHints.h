//===- PrefetchHints.h - prefetchnta -> prefetcht1 in kernel objects ------===//
//
// Halide 14 emits every prefetch as `prefetchnta`, which on Intel cores
// fills only L1: a line prefetched a channel block ahead is evicted before
// the block reads it, and the kernel gets slower instead of faster
// (bench/kernels/prefetch_model.c). This rewrites each `prefetchnta` of an
// x86-64 ELF object's code into `prefetcht1` (into L2 and below): the same
// instruction length, only the ModRM byte's reg field changes (0 -> 2).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_PREFETCHHINTS_H
#define BITC_CODEGEN_PREFETCHHINTS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace bitc {

/// Rewrites the object file at `path` in place; returns how many prefetches
/// it changed. Objects for other architectures are left alone (0).
llvm::Expected<unsigned> prefetchIntoL2(llvm::StringRef path);

} // namespace bitc

#endif // BITC_CODEGEN_PREFETCHHINTS_H
