//===- PlanPrinter.h - The kernel plan as text (--emit=plan) ----*- C++ -*-===//

#ifndef BITC_CODEGEN_PLANPRINTER_H
#define BITC_CODEGEN_PLANPRINTER_H

#include "codegen/ObjectCompiler.h"
#include "llvm/Support/raw_ostream.h"

namespace bitc {

/// Prints `plan` and its kernels: every distinct kernel (op, every field of
/// its key, its arguments' layouts, the schedule its builder chose) and every
/// call in order with its buffer bindings (source + byte offset, extents;
/// packed weights with their bytes). Builds each kernel's Halide pipeline to
/// read its schedule, compiles nothing. The format is documented in
/// docs/architecture.md; lit tests check it.
llvm::Error printPlan(llvm::raw_ostream &os, const ModelPlan &plan,
                      const std::vector<KernelJob> &jobs,
                      const Halide::Target &target);

/// Plans the lowered `forward` of `module` for `options` (name, target,
/// winograd) as compileObject would and prints it (printPlan). Consumes the
/// module's weights like compileObject.
llvm::Error printKernelPlan(llvm::raw_ostream &os, mlir::ModuleOp module,
                            const ObjectOptions &options);

} // namespace bitc

#endif // BITC_CODEGEN_PLANPRINTER_H
