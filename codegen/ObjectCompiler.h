//===- ObjectCompiler.h - A lowered module to model.o + model.h -*- C++ -*-===//

#ifndef BITC_CODEGEN_OBJECTCOMPILER_H
#define BITC_CODEGEN_OBJECTCOMPILER_H

#include "codegen/KernelPlanner.h"
#include "codegen/ModelPlan.h"
#include "codegen/PrefetchHints.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <functional>
#include <string>

namespace bitc {

/// What compileObject links its objects into.
enum class OutputKind {
  Object,       // one relocatable object (ld -r)
  Archive,      // a static archive of the objects (ar)
  SharedLibrary // a .so exporting only the <name>_* C API, SONAME = file name
};

struct ObjectOptions {
  std::string name = "model";
  std::string target = "host"; // Halide target string
  std::string objectPath;      // model.o, model.a or libmodel.so
  std::string headerPath;      // model.h
  OutputKind kind = OutputKind::Object;
  std::string runtimeBitcode; // ModelRuntime.bc
  unsigned threads = 2;       // kernels compiled in parallel
  bool profile = false;       // time every kernel call, print to stderr
  WinogradPolicy winograd = WinogradPolicy::Auto; // stride-1 3x3 convs
  PrefetchHint prefetch = PrefetchHint::Auto;     // weight prefetches' hint
  PreprocessPlan preprocess;      // behind <name>_preprocess_rgb8
  std::string precision = "fp32"; // <NAME>_PRECISION of the header
  /// Called with a phase name and (done, total) for kernel progress.
  std::function<void(const std::string &, size_t, size_t)> progress;
};

struct ObjectSummary {
  size_t kernels = 0;
  size_t calls = 0;
  uint64_t weightBytes = 0;
  uint64_t objectBytes = 0;
  int64_t workspaceBytes = 0;
  int64_t macs = 0;
  int64_t macsDone = 0; // see ModelPlan::macsDone
};

/// Checks a kernel target string (ObjectOptions::target) without doing any
/// work, so that a command line can refuse it before the model is read.
llvm::Error checkKernelTarget(const std::string &target);

/// Plans, compiles and links the kernels, the Halide runtime and the entry
/// point of the lowered `forward` into one relocatable object, and writes
/// the header. Outputs appear atomically, or not at all. The caller checks
/// the paths before any work (driver/Artifacts.h: checkArtifactPaths). The module's
/// weights are consumed (see planKernels): compile a module once.
llvm::Expected<ObjectSummary> compileObject(mlir::ModuleOp module,
                                            const ObjectOptions &options);

} // namespace bitc

#endif // BITC_CODEGEN_OBJECTCOMPILER_H
