//===- ObjectCache.h - Compiled objects shared between compiles -*- C++ -*-===//
//
// Kernels and the Halide runtime are most of a compile's time, and a test
// suite compiles the same models (same shapes, options and --name) again and
// again. With BITC_OBJECT_CACHE=DIR in the environment (the lit suite sets
// it; nothing else does), compileKernels and compileHalideRuntime look their
// objects up in DIR under a key of everything they depend on (this bitc
// executable, the target, every kernel's symbol and key) and store what they
// compile there. Entries appear by an atomic rename, so concurrent compiles
// share one directory; any failure to read or write the cache is a miss.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_OBJECTCACHE_H
#define BITC_CODEGEN_OBJECTCACHE_H

#include "codegen/KernelPlanner.h"
#include "llvm/ADT/ArrayRef.h"
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bitc {

class ObjectCache {
public:
  /// The cache BITC_OBJECT_CACHE names, or none when it is unset or empty.
  static std::optional<ObjectCache> fromEnvironment();

  /// The key of the kernel objects of `jobs` compiled for `target`, their
  /// prefetches rewritten into L2 ones or not (PrefetchHints.h).
  static std::string kernelsKey(const std::vector<KernelJob> &jobs,
                                const Halide::Target &target,
                                bool prefetchesIntoL2);
  /// The key of the Halide runtime object for `target`.
  static std::string runtimeKey(const Halide::Target &target);

  /// Copies the objects stored under `key` to `destination(0)`,
  /// `destination(1)`, ...; returns their paths, or none on a miss.
  std::optional<std::vector<std::string>>
  fetch(const std::string &key,
        const std::function<std::string(size_t)> &destination) const;

  /// Stores `objects` under `key` (unless another compile already did).
  void store(const std::string &key, llvm::ArrayRef<std::string> objects) const;

private:
  explicit ObjectCache(std::string dir) : dir(std::move(dir)) {}
  std::string dir;
};

} // namespace bitc

#endif // BITC_CODEGEN_OBJECTCACHE_H
