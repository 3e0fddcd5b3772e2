//===- Driver.cpp - A checkpoint path to a lowered module -----------------===//

#include "driver/Driver.h"
#include "frontend/Importer.h"
#include "frontend/JsonUtil.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

namespace bitc {

llvm::Expected<Model> openModel(llvm::StringRef path,
                                const ModelOptions &options) {
  auto loaded = loadModel(path, options.load);
  if (!loaded)
    return loaded.takeError();
  auto size = resolveImageSize(options.imageSize, loaded->preprocessor);
  if (!size)
    return size.takeError();
  Model model;
  model.loaded = std::move(*loaded);
  model.batch = options.batch;
  std::tie(model.height, model.width) = *size;
  return model;
}

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(mlir::MLIRContext &context, const Model &model,
            llvm::StringRef outputs) {
  const LoadedModel &loaded = model.loaded;
  ImportOptions importOptions;
  importOptions.batch = model.batch;
  importOptions.height = model.height;
  importOptions.width = model.width;
  importOptions.configPath = loaded.configPath;
  importOptions.kind = loaded.kind;
  auto selected =
      selectOutputs(outputs, loaded.config, loaded.kind, loaded.directory);
  if (!selected)
    return selected.takeError();
  importOptions.outputs = std::move(*selected);
  return importBitModel(context, loaded.config, *loaded.store, importOptions);
}

llvm::Error runDefaultPipeline(mlir::ModuleOp module,
                               const LoweringOptions &options) {
  if (!options.runPasses)
    return llvm::Error::success();
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
  return makeError("pass pipeline failed" +
                   (diagnostics.empty() ? "" : ": " + diagnostics));
}

llvm::Expected<std::pair<int64_t, int64_t>>
resolveImageSize(const std::string &flag, const PreprocessorConfig &pre) {
  if (flag.empty()) {
    if (pre.present && pre.doCenterCrop)
      return std::make_pair(pre.cropHeight, pre.cropWidth);
    // Without a crop the resize decides the input: a fixed {height, width},
    // or a square shortest edge (other aspect ratios are refused at run time).
    if (pre.present && pre.doResize && pre.resizeToFixedSize)
      return std::make_pair(pre.resizeHeight, pre.resizeWidth);
    if (pre.present && pre.doResize)
      return std::make_pair(pre.shortestEdge, pre.shortestEdge);
    return std::make_pair<int64_t, int64_t>(224, 224);
  }
  llvm::StringRef text(flag);
  auto [first, second] = text.split('x');
  int64_t height = 0, width = 0;
  bool bad = first.getAsInteger(10, height);
  if (second.empty() && !text.contains('x'))
    width = height;
  else
    bad |= second.getAsInteger(10, width);
  const int64_t maxSide = 1 << 15;
  if (bad || height < 1 || width < 1 || height > maxSide || width > maxSide)
    return makeError("--image-size '" + flag +
                     "' must be N or HxW with sides between 1 and 32768");
  return std::make_pair(height, width);
}

} // namespace bitc
