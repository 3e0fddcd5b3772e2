//===- EntryPoint.h - The C API, tables and weights as LLVM IR --*- C++ -*-===//

#ifndef BITC_CODEGEN_ENTRYPOINT_H
#define BITC_CODEGEN_ENTRYPOINT_H

#include "codegen/ModelPlan.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace bitc {

struct EntryPointOptions {
  std::string name;           // symbol prefix of the C API
  std::string triple;         // LLVM target triple
  std::string runtimeBitcode; // path of ModelRuntime.bc
  std::string objectPath;     // where to write the object
  bool profile = false;       // time every kernel call (bitc compile --profile)
  bool threadSanitizer = false; // the Halide target has `tsan`: link the
                                // TSan-instrumented runtime bitcode
};

/// Emits with LLVM 19 one object holding the label strings, the kernel-call
/// tables and the `<name>_*` entry points, referring to the weight blob that
/// writeWeightObject defines (WeightObject.h); the runtime bitcode is linked
/// in and made internal, so two models in one program share nothing but the
/// Halide runtime. Returns the names of the `<name>_*` functions it defines
/// (what a shared library exports).
llvm::Expected<std::vector<std::string>>
emitEntryPoint(const ModelPlan &plan, const EntryPointOptions &options);

} // namespace bitc

#endif // BITC_CODEGEN_ENTRYPOINT_H
