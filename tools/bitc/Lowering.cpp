//===- Lowering.cpp - Import a checkpoint and run the pass pipeline -------===//

#include "tools/bitc/Lowering.h"
#include "frontend/Importer.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

namespace bitc {

llvm::Error runDefaultPipeline(mlir::ModuleOp module,
                               const LoweringOptions &options) {
  mlir::MLIRContext *context = module.getContext();
  mlir::PassManager pm(context);
  if (options.printIRAfterAll) {
    context->disableMultithreading();
    mlir::OpPrintingFlags flags;
    flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
    pm.enableIRPrinting([](mlir::Pass *, mlir::Operation *) { return false; },
                        [](mlir::Pass *, mlir::Operation *) { return true; },
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false,
                        /*printAfterOnlyOnFailure=*/false, llvm::errs(), flags);
  }
  mlir::bit::buildDefaultPipeline(pm, options.pipeline);
  std::string diagnostics;
  {
    mlir::ScopedDiagnosticHandler handler(context, [&](mlir::Diagnostic &diag) {
      if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
        diagnostics += (diagnostics.empty() ? "" : "\n") + diag.str();
      return mlir::success();
    });
    if (mlir::succeeded(pm.run(module)))
      return llvm::Error::success();
  }
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "pass pipeline failed" + (diagnostics.empty() ? "" : ": " + diagnostics));
}

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
lowerModel(mlir::MLIRContext &context, LoadedModel &model,
           const LoweringOptions &options) {
  auto size = resolveImageSize(options.imageSize, model.preprocessor);
  if (!size)
    return size.takeError();
  ImportOptions importOptions;
  importOptions.batch = options.batch;
  importOptions.height = size->first;
  importOptions.width = size->second;
  importOptions.configPath = model.configPath;
  importOptions.kind = model.kind;
  auto outputs =
      selectOutputs(options.outputs, model.config, model.kind, model.directory);
  if (!outputs)
    return outputs.takeError();
  importOptions.outputs = std::move(*outputs);
  auto module =
      importBitModel(context, model.config, *model.store, importOptions);
  if (!module)
    return module.takeError();
  if (options.runPasses)
    if (llvm::Error err = runDefaultPipeline(**module, options))
      return std::move(err);
  return module;
}

} // namespace bitc
