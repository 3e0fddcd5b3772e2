//===- InspectCommand.cpp - bitc inspect ----------------------------------===//

#include "ir/BitOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "tools/bitc/CommandLine.h"
#include "tools/bitc/Commands.h"
#include "tools/bitc/Lowering.h"
#include "tools/bitc/ModelLoader.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <boost/program_options.hpp>
#include <iostream>

namespace po = boost::program_options;
using llvm::formatv;

namespace bitc {

namespace {

std::string joinInts(const std::vector<int64_t> &values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

/// "name NxC[xHxW]" of every result of `module`'s @forward.
std::string describeResults(mlir::ModuleOp module) {
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

int inspect(const std::string &modelDir, const std::string &imageSize,
            const std::string &outputs, int64_t batch,
            const std::string &preprocessing,
            const LoadOptions &load) {
  auto model = loadModel(modelDir, load);
  if (!model) {
    reportError(llvm::toString(model.takeError()));
    return 1;
  }
  auto size = resolveImageSize(imageSize, model->preprocessor);
  if (!size) {
    reportError(llvm::toString(size.takeError()));
    return 1;
  }
  // MACs and layer counts come from the imported graph; the workspace from a
  // separately lowered copy.
  mlir::MLIRContext context;
  LoweringOptions lowering;
  lowering.batch = batch;
  lowering.imageSize = imageSize;
  lowering.outputs = outputs;
  lowering.runPasses = false;
  auto module = lowerModel(context, *model, lowering);
  if (!module) {
    reportError(llvm::toString(module.takeError()));
    return 1;
  }
  // Every output the checkpoint offers, for their shapes.
  LoweringOptions everything = lowering;
  everything.outputs =
      llvm::join(availableOutputs(model->config, model->kind), ",");
  auto all = lowerModel(context, *model, everything);
  if (!all) {
    reportError(llvm::toString(all.takeError()));
    return 1;
  }
  mlir::OwningOpRef<mlir::ModuleOp> lowered = (*module)->clone();
  if (llvm::Error err = runDefaultPipeline(*lowered, lowering)) {
    reportError(llvm::toString(std::move(err)));
    return 1;
  }
  int64_t workspace = 0, naive = 0;
  lowered->walk([&](mlir::func::FuncOp func) {
    if (auto attr = func->getAttrOfType<mlir::IntegerAttr>(
            mlir::bit::BitDialect::WorkspaceBytesAttrHelper::getNameStr()))
      workspace = attr.getInt();
    if (auto attr = func->getAttrOfType<mlir::IntegerAttr>(
            mlir::bit::BitDialect::NaiveBytesAttrHelper::getNameStr()))
      naive = attr.getInt();
  });

  const BitConfig &config = model->config;
  int64_t convs = 0, norms = 0, macs = 0;
  (*module)->walk([&](mlir::Operation *op) {
    if (auto conv = llvm::dyn_cast<mlir::bit::Conv2DOp>(op)) {
      ++convs;
      macs += conv.getMacCount();
    } else if (llvm::isa<mlir::bit::GroupNormOp>(op)) {
      ++norms;
    } else if (auto linear = llvm::dyn_cast<mlir::bit::LinearOp>(op)) {
      auto w = linear.getWeight().getType();
      macs += linear.getInput().getType().getDimSize(0) * w.getDimSize(0) *
              w.getDimSize(1);
    }
  });
  int64_t params = 0;
  std::map<std::string, int> dtypes;
  for (const TensorInfo &info : model->store->tensors()) {
    params += info.numElements();
    dtypes[dtypeName(info.dtype).str()]++;
  }
  std::string dtypeList;
  for (auto &[name, count] : dtypes)
    dtypeList +=
        (dtypeList.empty() ? "" : ", ") + name + " x" + std::to_string(count);

  std::vector<int64_t> widths, mids;
  for (size_t i = 0; i < config.depths.size(); ++i) {
    widths.push_back(config.stageWidth(i));
    mids.push_back(config.stageMidWidth(i));
  }
  const char *padding = config.globalPadding == GlobalPadding::Same ? "SAME"
                        : config.globalPadding == GlobalPadding::Valid
                            ? "VALID"
                            : "pytorch (symmetric)";
  auto &os = llvm::outs();
  os << formatv("model:         {0}\n", model->directory);
  os << formatv("architecture:  {0}, {1} blocks\n",
                checkpointClassName(model->kind),
                config.layerType == LayerType::Preactivation
                    ? "pre-activation"
                    : "bottleneck (post-activation)");
  os << formatv("stem:          conv 7x7/2 {0}->{1}{2}\n", config.numChannels,
                config.embeddingSize,
                config.embeddingDynamicPadding ? ", dynamic SAME pad" : "");
  os << formatv(
      "stages:        depths {0}, widths {1}, bottleneck widths {2}\n",
      joinInts(config.depths), joinInts(widths), joinInts(mids));
  os << formatv("options:       hidden_act {0}, num_groups {1}, "
                "global_padding {2}, output_stride {3}, width_factor {4}\n",
                config.hiddenAct, config.numGroups, padding,
                config.outputStride, config.widthFactor);
  os << formatv("layers:        {0} convolutions, {1} group norms\n", convs,
                norms);
  os << formatv("parameters:    {0} ({1:F2} M) in {2} tensors ({3}), {4:F1} "
                "MB\n",
                params, params / 1e6, model->store->tensors().size(), dtypeList,
                model->store->totalBytes() / 1e6);
  os << formatv("input:         {0}x{1}x{2}x{3} float32 NCHW\n", batch,
                config.numChannels, size->first, size->second);
  os << formatv("outputs:       {0}{1}\n", describeResults(**module),
                outputs.empty() ? " (the default; --outputs chooses)" : "");
  os << formatv("available:     {0}\n", describeResults(**all));
  os << formatv("MACs:          {0} ({1:F2} G) per forward\n", macs,
                macs / 1e9);
  os << formatv("workspace:     {0:F2} MB planned ({1:F2} MB if every "
                "intermediate tensor had its own buffer)\n",
                workspace / 1e6, naive / 1e6);
  if (!hasClassifier(model->kind)) {
    os << formatv("labels:        0 ({0} has no classifier)\n",
                  checkpointClassName(model->kind));
  } else {
    os << formatv("labels:        {0}", config.labels.size());
    for (size_t i = 0; i < config.labels.size() && i < 5; ++i)
      os << (i ? ", " : " (") << i << ": " << config.labels[i];
    if (!config.labels.empty())
      os << (config.labels.size() > 5 ? ", ...)" : ")");
    os << "\n";
  }
  const PreprocessorConfig &pre = model->preprocessor;
  auto processor = chooseImageProcessor(pre, preprocessing, "inspect");
  if (!processor) {
    reportError(llvm::toString(processor.takeError()));
    return 1;
  }
  os << "preprocessing: " << imageProcessorName(*processor) << ", "
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
  os << "\n";
  return 0;
}

} // namespace

int runInspectCommand(const std::vector<std::string> &args) {
  std::string modelDir, imageSize, preprocessing;
  int64_t batch = 1;
  LoadOptions load;
  po::options_description visible(
      "usage: bitc inspect MODEL_DIR [options]\n\n"
      "Prints the architecture, parameter count, outputs and MACs at the\n"
      "input size, labels and preprocessing of a BiT checkpoint.\n\noptions");
  visible.add_options()("help,h", "show this help")("version",
                                                    "show the version")(
      "image-size", po::value<std::string>(&imageSize),
      "input size N or HxW (default: crop_size, or without a crop the "
      "resize size, else 224)")(
      "batch", po::value<int64_t>(&batch)->default_value(1), "batch size");
  std::string outputs;
  addOutputsOption(visible, outputs);
  std::string wsEps;
  addPreprocessingOption(visible, preprocessing);
  addCheckpointOptions(visible, load, wsEps);
  po::variables_map vm;
  if (std::optional<int> done =
          parseCommandLine("inspect", args, visible, modelDir, vm))
    return *done;
  if (modelDir.empty()) {
    reportError("inspect: missing MODEL_DIR (see bitc inspect --help)");
    return 1;
  }
  if (batch < 1 || batch > 4096) {
    reportError("inspect: --batch must be between 1 and 4096");
    return 1;
  }
  if (!applyCheckpointOptions("inspect", vm, wsEps, load) ||
      !checkPreprocessingOption("inspect", preprocessing))
    return 1;
  if (!checkOutputsOption(vm, outputs))
    return 1;
  return inspect(modelDir, imageSize, outputs, batch, preprocessing, load);
}

} // namespace bitc
