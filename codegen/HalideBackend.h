//===- HalideBackend.h - Kernels and the Halide runtime to objects -*- C++
//-*-===//

#ifndef BITC_CODEGEN_HALIDEBACKEND_H
#define BITC_CODEGEN_HALIDEBACKEND_H

#include "codegen/KernelPlanner.h"
#include "llvm/Support/Error.h"
#include <functional>

namespace bitc {

/// Parses a Halide target string ("host" = the compiling machine) and adds
/// the features every bitc kernel is compiled with.
llvm::Expected<Halide::Target> parseKernelTarget(const std::string &spec);

/// The LLVM triple of a Halide target (for the entry-point object).
std::string llvmTripleFor(const Halide::Target &target);

/// Builds and compiles every job into objects without a runtime, using up
/// to `threads` threads (one object per thread: `objectPath`, then
/// `objectPath`.N.o); returns their paths. `progress(done, total)` is called
/// as kernels finish lowering. `prefetchesIntoL2`: the kernels' prefetches
/// are rewritten into `prefetcht1` (PrefetchHints.h), else they stay
/// `prefetchnta`. With BITC_OBJECT_CACHE set (ObjectCache.h), objects
/// compiled before for the same jobs, target and hint are reused.
llvm::Expected<std::vector<std::string>>
compileKernels(const std::vector<KernelJob> &jobs, const Halide::Target &target,
               const std::string &objectPath, unsigned threads,
               bool prefetchesIntoL2,
               const std::function<void(size_t, size_t)> &progress);

/// One copy of the Halide runtime for `target`.
llvm::Error compileHalideRuntime(const Halide::Target &target,
                                 const std::string &objectPath);

} // namespace bitc

#endif // BITC_CODEGEN_HALIDEBACKEND_H
