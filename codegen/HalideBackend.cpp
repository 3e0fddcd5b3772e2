//===- HalideBackend.cpp - Kernels and the Halide runtime to objects ------===//

#include "codegen/HalideBackend.h"
#include "codegen/ObjectCache.h"
#include "codegen/Temporaries.h"
#include <atomic>
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
               const std::function<void(size_t, size_t)> &progress) {
  auto objectName = [&](size_t w) {
    return w == 0 ? objectPath : objectPath + "." + std::to_string(w) + ".o";
  };
  std::optional<ObjectCache> cache = ObjectCache::fromEnvironment();
  std::string cacheKey;
  if (cache) {
    cacheKey = ObjectCache::kernelsKey(jobs, target);
    if (auto objects = cache->fetch(cacheKey, objectName)) {
      if (progress)
        progress(jobs.size(), jobs.size());
      return *objects;
    }
  }
  // Each worker thread lowers the kernels it claims, then links its modules
  // and runs LLVM on them into its own object: LLVM code generation is most
  // of the time, and one linked module would run it on a single thread.
  Halide::Target kernelTarget = target.with_feature(Halide::Target::NoRuntime);
  unsigned count = std::max(1u, std::min<unsigned>(threads, jobs.size()));
  std::vector<std::vector<Halide::Module>> modules(count);
  std::vector<std::string> objects(count), errors(jobs.size()),
      linkErrors(count);
  for (unsigned w = 0; w < count; ++w) {
    objects[w] = objectName(w);
    removeFileOnInterrupt(objects[w]);
  }
  std::atomic<size_t> next{0}, done{0};
  std::mutex progressMutex;
  auto worker = [&](unsigned w) {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      try {
        kernels::KernelPipeline kernel = buildKernel(jobs[i].key, target);
        modules[w].push_back(kernel.pipeline.compile_to_module(
            kernel.inputs, jobs[i].symbol, kernelTarget));
      } catch (const Halide::Error &e) {
        errors[i] = e.what();
      } catch (const std::exception &e) {
        errors[i] = e.what();
      }
      size_t finished = ++done;
      std::lock_guard<std::mutex> lock(progressMutex);
      if (progress)
        progress(finished, jobs.size());
    }
    try {
      if (modules[w].empty())
        modules[w].push_back(
            Halide::Module("bitc_kernels_empty", kernelTarget));
      Halide::Module linked =
          Halide::link_modules("bitc_kernels_" + std::to_string(w), modules[w]);
      modules[w].clear();
      linked.compile({{Halide::OutputFileType::object, objects[w]}});
    } catch (const Halide::Error &e) {
      linkErrors[w] = e.what();
    } catch (const std::exception &e) {
      linkErrors[w] = e.what();
    }
  };
  std::vector<std::thread> pool;
  // Where no thread can be started (address space or process limits), the
  // kernels the missing workers would have claimed go to the others.
  for (unsigned w = 1; w < count; ++w) {
    try {
      pool.emplace_back(worker, w);
    } catch (const std::system_error &) {
      break;
    }
  }
  worker(0);
  for (std::thread &t : pool)
    t.join();
  objects.resize(1 + pool.size());
  for (size_t i = 0; i < jobs.size(); ++i)
    if (!errors[i].empty())
      return halideError("kernel " + jobs[i].symbol, errors[i]);
  for (unsigned w = 0; w < count; ++w)
    if (!linkErrors[w].empty())
      return halideError("linking kernels", linkErrors[w]);
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
