//===- InspectCommand.cpp - bitc inspect ----------------------------------===//

#include "driver/ModelSummary.h"
#include "tools/bitc/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

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

void printArchitecture(const Model &model, const ModelSummary &summary,
                       bool defaultOutputs) {
  const BitConfig &config = model.loaded.config;
  const TensorStore &store = *model.loaded.store;
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
  os << formatv("model:         {0}\n", model.loaded.directory);
  os << formatv("architecture:  {0}, {1} blocks\n",
                checkpointClassName(model.loaded.kind),
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
  os << formatv("layers:        {0} convolutions, {1} group norms\n",
                summary.convolutions, summary.groupNorms);
  os << formatv("parameters:    {0} ({1:F2} M) in {2} tensors ({3}), {4:F1} "
                "MB\n",
                summary.parameters, summary.parameters / 1e6,
                store.tensors().size(), summary.dtypes,
                store.totalBytes() / 1e6);
  os << formatv("input:         {0}x{1}x{2}x{3} float32 NCHW\n", model.batch,
                config.numChannels, model.height, model.width);
  os << formatv("outputs:       {0}{1}\n", summary.outputs,
                defaultOutputs ? " (the default; --outputs chooses)" : "");
  os << formatv("available:     {0}\n", summary.available);
  os << formatv("MACs:          {0} ({1:F2} G) per forward\n", summary.macs,
                summary.macs / 1e9);
  os << formatv("workspace:     {0:F2} MB planned ({1:F2} MB if every "
                "intermediate tensor had its own buffer)\n",
                summary.workspaceBytes / 1e6, summary.naiveBytes / 1e6);
  if (!hasClassifier(model.loaded.kind)) {
    os << formatv("labels:        0 ({0} has no classifier)\n",
                  checkpointClassName(model.loaded.kind));
    return;
  }
  os << formatv("labels:        {0}", config.labels.size());
  for (size_t i = 0; i < config.labels.size() && i < 5; ++i)
    os << (i ? ", " : " (") << i << ": " << config.labels[i];
  if (!config.labels.empty())
    os << (config.labels.size() > 5 ? ", ...)" : ")");
  os << "\n";
}

} // namespace

int runInspectCommand(const std::vector<std::string> &args) {
  std::string modelDir, preprocessing;
  SharedOptions shared;
  po::options_description visible(
      "usage: bitc inspect MODEL_DIR [options]\n\n"
      "Prints the architecture, parameter count, outputs and MACs at the\n"
      "input size, labels and preprocessing of a BiT checkpoint.\n\noptions");
  addSharedOptions(visible, shared,
                   "input size N or HxW (default: crop_size, or without a "
                   "crop the resize size, else 224)");
  addPreprocessingOption(visible, preprocessing);
  po::variables_map vm;
  if (std::optional<int> done =
          parseCommandLine("inspect", args, visible, modelDir, vm))
    return *done;
  if (modelDir.empty()) {
    reportError("inspect: missing MODEL_DIR (see bitc inspect --help)");
    return 1;
  }
  if (!checkSharedOptions("inspect", vm, shared) ||
      !checkPreprocessingOption("inspect", preprocessing))
    return 1;
  auto model = openModel(modelDir, shared.model);
  if (failed(model))
    return 1;
  auto summary = summarizeModel(*model, shared.outputs);
  if (failed(summary))
    return 1;
  printArchitecture(*model, *summary, shared.outputs.empty());
  const PreprocessorConfig &pre = model->loaded.preprocessor;
  auto processor = chooseImageProcessor(pre, preprocessing, "inspect");
  if (failed(processor))
    return 1;
  llvm::outs() << "preprocessing: " << describePreprocessing(pre, *processor)
               << "\n";
  return 0;
}

} // namespace bitc
