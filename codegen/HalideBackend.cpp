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
  // Two parallel phases. Lowering: each thread claims the next kernel, so
  // uneven kernels balance. Code generation: thread w links kernels w,
  // w + count, ... in order and runs LLVM on them into its own object (LLVM
  // is most of the time, and one linked module would run it on a single
  // thread). The split of the second phase depends only on the job list, so
  // the same model always gives the same object bytes.
  Halide::Target kernelTarget = target.with_feature(Halide::Target::NoRuntime);
  unsigned count = std::max(1u, std::min<unsigned>(threads, jobs.size()));
  std::vector<std::optional<Halide::Module>> lowered(jobs.size());
  std::vector<std::string> objects(count), errors(jobs.size()),
      linkErrors(count);
  for (unsigned w = 0; w < count; ++w) {
    objects[w] = objectName(w);
    removeFileOnInterrupt(objects[w]);
  }
  std::atomic<size_t> next{0}, done{0};
  std::mutex progressMutex;
  // Halide numbers the Funcs it names (`output$19`) from one global counter
  // and those names reach the object: kernels are defined one at a time, in
  // job order, so each gets the same names every time; only lowering and
  // code generation run in parallel.
  std::vector<std::optional<kernels::KernelPipeline>> defined(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    try {
      defined[i] = buildKernel(jobs[i].key, target);
    } catch (const Halide::Error &e) {
      errors[i] = e.what();
    } catch (const std::exception &e) {
      errors[i] = e.what();
    }
  }
  auto lower = [&](unsigned) {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      if (!defined[i])
        continue;
      try {
        kernels::KernelPipeline &kernel = *defined[i];
        lowered[i] = kernel.pipeline.compile_to_module(
            kernel.inputs, jobs[i].symbol, kernelTarget);
        defined[i].reset();
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
  };
  auto generate = [&](unsigned w) {
    try {
      std::vector<Halide::Module> modules;
      for (size_t i = w; i < jobs.size(); i += count)
        if (lowered[i]) {
          modules.push_back(std::move(*lowered[i]));
          lowered[i].reset();
        }
      if (modules.empty())
        modules.push_back(Halide::Module("bitc_kernels_empty", kernelTarget));
      Halide::Module linked =
          Halide::link_modules("bitc_kernels_" + std::to_string(w), modules);
      modules.clear();
      linked.compile({{Halide::OutputFileType::object, objects[w]}});
    } catch (const Halide::Error &e) {
      linkErrors[w] = e.what();
    } catch (const std::exception &e) {
      linkErrors[w] = e.what();
    }
  };
  // Runs `phase(w)` for w = 0 .. count-1 on count threads; where no thread
  // can be started (address space or process limits), the calling thread
  // runs the missing workers' share itself.
  auto runOnThreads = [&](const std::function<void(unsigned)> &phase) {
    std::vector<std::thread> pool;
    unsigned started = 1;
    for (; started < count; ++started) {
      try {
        pool.emplace_back(phase, started);
      } catch (const std::system_error &) {
        break;
      }
    }
    for (unsigned w = started; w <= count; ++w)
      phase(w == count ? 0 : w);
    for (std::thread &t : pool)
      t.join();
  };
  runOnThreads(lower);
  for (size_t i = 0; i < jobs.size(); ++i)
    if (!errors[i].empty())
      return halideError("kernel " + jobs[i].symbol, errors[i]);
  runOnThreads(generate);
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
