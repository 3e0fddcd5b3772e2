//===- HalideBackend.cpp - Kernels and the Halide runtime to objects ------===//

#include "codegen/HalideBackend.h"
#include "codegen/ObjectCache.h"
#include "codegen/PrefetchHints.h"
#include "codegen/Temporaries.h"
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

namespace bitc {

static llvm::Error halideError(const std::string &what,
                               const std::string &msg) {
  std::string line = msg;
  std::replace(line.begin(), line.end(), '\n', ' ');
  // Halide lowers on a large stack it maps itself; under an address-space
  // limit the mapping fails and Halide reports the mprotect that follows.
  if (line.find("mprotect failed") != std::string::npos)
    line = "out of memory (Halide could not map its compiler stack)";
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "codegen: " + what + ": " + line);
}

llvm::Expected<Halide::Target> parseKernelTarget(const std::string &spec) {
  std::string text = spec.empty() ? "host" : spec;
  if (!Halide::Target::validate_target_string(text))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--target '" + text +
            "' is not a Halide target string (e.g. host, "
            "x86-64-linux-avx2-fma, arm-64-linux)");
  Halide::Target target(text);
  // BITC_KERNEL_ASSERTS=1 keeps Halide's argument checks, for debugging.
  if (const char *keep = std::getenv("BITC_KERNEL_ASSERTS");
      keep && *keep == '1')
    return target;
  // Every buffer's shape is declared, so the checks would only cost time.
  return target.with_feature(Halide::Target::NoAsserts)
      .with_feature(Halide::Target::NoBoundsQuery);
}

std::string llvmTripleFor(const Halide::Target &target) {
  std::string arch;
  switch (target.arch) {
  case Halide::Target::X86:
    arch = target.bits == 64 ? "x86_64" : "i386";
    break;
  case Halide::Target::ARM:
    arch = target.bits == 64 ? "aarch64" : "armv7";
    break;
  case Halide::Target::RISCV:
    arch = "riscv64";
    break;
  default:
    arch = "x86_64";
  }
  std::string os = target.os == Halide::Target::OSX       ? "apple-macosx"
                   : target.os == Halide::Target::Windows ? "pc-windows-msvc"
                                                          : "unknown-linux-gnu";
  return arch + "-" + os;
}

llvm::Expected<std::vector<std::string>>
compileKernels(const std::vector<KernelJob> &jobs, const Halide::Target &target,
               const std::string &objectPath, unsigned threads,
               bool prefetchesIntoL2,
               const std::function<void(size_t, size_t)> &progress) {
  auto objectName = [&](size_t w) {
    return w == 0 ? objectPath : objectPath + "." + std::to_string(w) + ".o";
  };
  std::optional<ObjectCache> cache = ObjectCache::fromEnvironment();
  std::string cacheKey;
  if (cache) {
    cacheKey = ObjectCache::kernelsKey(jobs, target, prefetchesIntoL2);
    if (auto objects = cache->fetch(cacheKey, objectName)) {
      if (progress)
        progress(jobs.size(), jobs.size());
      return *objects;
    }
  }
  // Halide names what it creates (`output$19`, parallel-loop closures) from
  // global counters, and the names reach the object: kernels are defined and
  // lowered one at a time, in job order, on this thread, so the same model
  // always gives the same object bytes. Code generation (LLVM, about as long
  // as lowering) runs beside it: consecutive kernels are grouped into chunks
  // (fixed by the job list), and each chunk is linked and compiled into its
  // own object as soon as its kernels are lowered.
  Halide::Target kernelTarget = target.with_feature(Halide::Target::NoRuntime);
  const size_t count =
      std::max<size_t>(1, std::min<size_t>(threads, jobs.size()));
  const size_t chunkSize =
      std::max<size_t>(1, (jobs.size() + 4 * count - 1) / (4 * count));
  const size_t chunks =
      std::max<size_t>(1, (jobs.size() + chunkSize - 1) / chunkSize);
  std::vector<std::optional<Halide::Module>> lowered(jobs.size());
  // Jobs whose kernel has an object-code pass: only their chunks' objects
  // hold prefetches to rewrite.
  std::vector<char> prefetching(jobs.size(), 0);
  std::vector<std::string> objects(chunks), errors(jobs.size()),
      linkErrors(chunks);
  for (size_t c = 0; c < chunks; ++c) {
    objects[c] = objectName(c);
    removeFileOnInterrupt(objects[c]);
  }
  std::mutex loweredMutex;
  std::condition_variable loweredChanged;
  size_t loweredCount = 0;
  std::atomic<size_t> nextChunk{0};
  auto generate = [&] {
    for (size_t c = nextChunk++; c < chunks; c = nextChunk++) {
      const size_t first = c * chunkSize;
      const size_t last = std::min(first + chunkSize, jobs.size());
      {
        std::unique_lock<std::mutex> lock(loweredMutex);
        loweredChanged.wait(lock, [&] { return loweredCount >= last; });
      }
      try {
        std::vector<Halide::Module> modules;
        for (size_t i = first; i < last; ++i)
          if (lowered[i]) {
            modules.push_back(std::move(*lowered[i]));
            lowered[i].reset();
          }
        if (modules.empty())
          modules.push_back(Halide::Module("bitc_kernels_empty", kernelTarget));
        Halide::Module linked =
            Halide::link_modules("bitc_kernels_" + std::to_string(c), modules);
        modules.clear();
        linked.compile({{Halide::OutputFileType::object, objects[c]}});
        if (prefetchesIntoL2 &&
            std::any_of(prefetching.begin() + first, prefetching.begin() + last,
                        [](char p) { return p; }))
          if (llvm::Expected<unsigned> hinted = prefetchIntoL2(objects[c]);
              !hinted)
            linkErrors[c] = llvm::toString(hinted.takeError());
      } catch (const Halide::Error &e) {
        linkErrors[c] = e.what();
      } catch (const std::exception &e) {
        linkErrors[c] = e.what();
      }
    }
  };
  // Where no thread can be started (address space or process limits), this
  // thread generates every chunk after lowering.
  std::vector<std::thread> pool;
  for (size_t w = 1; w < count; ++w) {
    try {
      pool.emplace_back(generate);
    } catch (const std::system_error &) {
      break;
    }
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    try {
      kernels::KernelPipeline kernel = buildKernel(jobs[i].key, target);
      if (kernel.addObjectCodePass())
        prefetching[i] = 1;
      lowered[i] = kernel.pipeline.compile_to_module(
          kernel.inputs, jobs[i].symbol, kernelTarget);
    } catch (const Halide::Error &e) {
      errors[i] = e.what();
    } catch (const std::exception &e) {
      errors[i] = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(loweredMutex);
      loweredCount = i + 1;
    }
    loweredChanged.notify_all();
    if (progress)
      progress(i + 1, jobs.size());
  }
  generate();
  for (std::thread &t : pool)
    t.join();
  for (size_t i = 0; i < jobs.size(); ++i)
    if (!errors[i].empty())
      return halideError("kernel " + jobs[i].symbol, errors[i]);
  for (size_t c = 0; c < chunks; ++c)
    if (!linkErrors[c].empty())
      return halideError("linking kernels", linkErrors[c]);
  if (cache)
    cache->store(cacheKey, objects);
  return objects;
}

llvm::Error compileHalideRuntime(const Halide::Target &target,
                                 const std::string &objectPath) {
  std::optional<ObjectCache> cache = ObjectCache::fromEnvironment();
  std::string cacheKey;
  if (cache) {
    cacheKey = ObjectCache::runtimeKey(target);
    if (cache->fetch(cacheKey, [&](size_t) { return objectPath; }))
      return llvm::Error::success();
  }
  try {
    Halide::compile_standalone_runtime(objectPath, target);
  } catch (const Halide::Error &e) {
    return halideError("Halide runtime", e.what());
  }
  if (cache)
    cache->store(cacheKey, {objectPath});
  return llvm::Error::success();
}

} // namespace bitc
