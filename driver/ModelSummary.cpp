//===- ModelSummary.cpp - What bitc inspect reports -----------------------===//

#include "driver/ModelSummary.h"
#include "frontend/JsonUtil.h"
#include "ir/BitOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <map>

namespace bitc {

/// "name NxC[xHxW]" of every result of `module`'s @forward.
static std::string describeResults(mlir::ModuleOp module) {
  std::string text;
  module.walk([&](mlir::func::FuncOp func) {
    for (unsigned k = 0; k < func.getNumResults(); ++k) {
      auto name = func.getResultAttrOfType<mlir::StringAttr>(
          k, mlir::bit::BitDialect::NameAttrHelper::getNameStr());
      auto type = mlir::cast<mlir::RankedTensorType>(func.getResultTypes()[k]);
      text += (k ? ", " : "") + (name ? name.str() : "?") + " ";
      for (int64_t d = 0; d < type.getRank(); ++d)
        text += (d ? "x" : "") + std::to_string(type.getDimSize(d));
    }
  });
  return text;
}

static void countLayers(mlir::ModuleOp module, ModelSummary &summary) {
  module.walk([&](mlir::Operation *op) {
    if (auto conv = llvm::dyn_cast<mlir::bit::Conv2DOp>(op)) {
      ++summary.convolutions;
      summary.macs += conv.getMacCount();
    } else if (llvm::isa<mlir::bit::GroupNormOp>(op)) {
      ++summary.groupNorms;
    } else if (auto linear = llvm::dyn_cast<mlir::bit::LinearOp>(op)) {
      auto w = linear.getWeight().getType();
      summary.macs += linear.getInput().getType().getDimSize(0) *
                      w.getDimSize(0) * w.getDimSize(1);
    }
  });
}

static void countParameters(const TensorStore &store, ModelSummary &summary) {
  std::map<std::string, int> dtypes;
  for (const TensorInfo &info : store.tensors()) {
    summary.parameters += info.numElements();
    dtypes[dtypeName(info.dtype).str()]++;
  }
  for (auto &[name, count] : dtypes)
    summary.dtypes += (summary.dtypes.empty() ? "" : ", ") + name + " x" +
                      std::to_string(count);
}

llvm::Expected<ModelSummary> summarizeModel(const Model &model,
                                            llvm::StringRef outputs) {
  ModelSummary summary;
  mlir::MLIRContext context;
  auto module = importModel(context, model, outputs);
  if (!module)
    return module.takeError();
  countLayers(**module, summary);
  summary.outputs = describeResults(**module);
  {
    const LoadedModel &loaded = model.loaded;
    auto all = importModel(
        context, model,
        llvm::join(availableOutputs(loaded.config, loaded.kind), ","));
    if (!all)
      return all.takeError();
    summary.available = describeResults(**all);
  }
  if (llvm::Error err = runDefaultPipeline(**module, LoweringOptions()))
    return std::move(err);
  auto func = (*module)->lookupSymbol<mlir::func::FuncOp>("forward");
  using mlir::bit::BitDialect;
  if (!func)
    return makeError("no func.func @forward");
  if (auto attr = func->getAttrOfType<mlir::IntegerAttr>(
          BitDialect::WorkspaceBytesAttrHelper::getNameStr()))
    summary.workspaceBytes = attr.getInt();
  if (auto attr = func->getAttrOfType<mlir::IntegerAttr>(
          BitDialect::NaiveBytesAttrHelper::getNameStr()))
    summary.naiveBytes = attr.getInt();
  countParameters(*model.loaded.store, summary);
  return summary;
}

std::string describePreprocessing(const PreprocessorConfig &pre,
                                  ImageProcessor processor) {
  using llvm::formatv;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << imageProcessorName(processor) << ", "
     << (pre.present ? "" : "(defaults) ");
  if (pre.doResize && pre.resizeToFixedSize)
    os << formatv("resize to {0}x{1} ({2}), ", pre.resizeHeight,
                  pre.resizeWidth, resampleName(pre.resample));
  else if (pre.doResize)
    os << formatv("resize shortest edge to {0} ({1}), ", pre.shortestEdge,
                  resampleName(pre.resample));
  if (pre.doCenterCrop)
    os << formatv("center crop {0}x{1}, ", pre.cropHeight, pre.cropWidth);
  if (pre.doRescale)
    os << formatv("rescale x{0:F6}, ", pre.rescaleFactor);
  if (pre.doNormalize)
    os << formatv("normalize mean [{0:F4}, {1:F4}, {2:F4}] std [{3:F4}, "
                  "{4:F4}, {5:F4}]",
                  pre.imageMean[0], pre.imageMean[1], pre.imageMean[2],
                  pre.imageStd[0], pre.imageStd[1], pre.imageStd[2]);
  return os.str();
}

} // namespace bitc
