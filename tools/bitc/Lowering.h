//===- Lowering.h - Import a checkpoint and run the pass pipeline -*- C++
//-*-===//

#ifndef BITC_TOOLS_BITC_LOWERING_H
#define BITC_TOOLS_BITC_LOWERING_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "passes/Passes.h"
#include "tools/bitc/ModelLoader.h"
#include "llvm/Support/Error.h"

namespace bitc {

struct LoweringOptions {
  int64_t batch = 1;
  std::string imageSize; // "" = from the preprocessor config
  std::string outputs;   // --outputs; "" = the checkpoint's default
  bool runPasses = true;
  mlir::bit::PipelineOptions pipeline;
  bool printIRAfterAll = false;
};

/// Imports `model` at the requested input size and runs the default pass
/// pipeline (unless disabled). Diagnostics become one-line errors.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
lowerModel(mlir::MLIRContext &context, LoadedModel &model,
           const LoweringOptions &options);

/// Runs the default pipeline on an already built module.
llvm::Error runDefaultPipeline(mlir::ModuleOp module,
                               const LoweringOptions &options);

} // namespace bitc

#endif // BITC_TOOLS_BITC_LOWERING_H
