//===- HalideBackend.cpp - Kernels and the Halide runtime to objects ------===//

#include "codegen/HalideBackend.h"
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace bitc {

static llvm::Error halideError(const std::string &what,
                               const std::string &msg) {
  std::string line = msg;
  std::replace(line.begin(), line.end(), '\n', ' ');
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

llvm::Error
compileKernels(const std::vector<KernelJob> &jobs, const Halide::Target &target,
               const std::string &objectPath, unsigned threads,
               const std::function<void(size_t, size_t)> &progress) {
  Halide::Target kernelTarget = target.with_feature(Halide::Target::NoRuntime);
  std::vector<Halide::Module> modules(jobs.size(),
                                      Halide::Module("", kernelTarget));
  std::vector<std::string> errors(jobs.size());
  std::atomic<size_t> next{0}, done{0};
  std::mutex progressMutex;
  auto worker = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      try {
        kernels::KernelPipeline kernel = jobs[i].build();
        modules[i] = kernel.pipeline.compile_to_module(
            kernel.inputs, jobs[i].symbol, kernelTarget);
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
  unsigned count = std::max(1u, std::min<unsigned>(threads, jobs.size()));
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < count; ++i)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  for (size_t i = 0; i < jobs.size(); ++i)
    if (!errors[i].empty())
      return halideError("kernel " + jobs[i].symbol, errors[i]);
  try {
    Halide::Module linked = Halide::link_modules("bitc_kernels", modules);
    linked.compile({{Halide::OutputFileType::object, objectPath}});
  } catch (const Halide::Error &e) {
    return halideError("linking kernels", e.what());
  }
  return llvm::Error::success();
}

llvm::Error compileHalideRuntime(const Halide::Target &target,
                                 const std::string &objectPath) {
  try {
    Halide::compile_standalone_runtime(objectPath, target);
  } catch (const Halide::Error &e) {
    return halideError("Halide runtime", e.what());
  }
  return llvm::Error::success();
}

} // namespace bitc
