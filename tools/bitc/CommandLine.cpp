//===- CommandLine.cpp - Argument parsing shared by the subcommands -------===//

#include "tools/bitc/CommandLine.h"
#include "frontend/ModelOutputs.h"
#include "tools/bitc/Commands.h"
#include "tools/bitc/Lowering.h"
#include <iostream>

namespace po = boost::program_options;

namespace bitc {

std::optional<int> parseCommandLine(const std::string &command,
                                    const std::vector<std::string> &args,
                                    const po::options_description &visible,
                                    std::string &model, po::variables_map &vm) {
  po::options_description hidden;
  hidden.add_options()("model", po::value<std::string>(&model));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("model", 1);
  try {
    po::store(
        po::command_line_parser(args).options(all).positional(positional).run(),
        vm);
    po::notify(vm);
  } catch (const po::error &e) {
    reportError(command + ": " + e.what());
    return 1;
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << versionString() << "\n";
    return 0;
  }
  return std::nullopt;
}

void addCheckpointOptions(po::options_description &visible, LoadOptions &load,
                          std::string &wsEps) {
  visible.add_options()(
      "arch", po::value<std::string>(&load.arch),
      "Google .npz: the model, e.g. BiT-M-R50x1 (default: from the file "
      "name)")("ws-eps", po::value<std::string>(&wsEps),
               "weight-standardization epsilon (default 1e-8; Google .npz "
               "1e-10)")("reject-nonfinite",
                         po::bool_switch(&load.rejectNonFinite),
                         "refuse weights holding NaN or infinity (default: "
                         "a warning per tensor)");
}

bool applyCheckpointOptions(const std::string &command,
                            const po::variables_map &vm,
                            const std::string &wsEps, LoadOptions &load) {
  if (!vm.count("ws-eps"))
    return true;
  if (llvm::Error err = parseWsEps(wsEps, load)) {
    reportError(command + ": " + llvm::toString(std::move(err)));
    return false;
  }
  return true;
}

void addOutputsOption(po::options_description &visible, std::string &outputs) {
  visible.add_options()(
      "outputs", po::value<std::string>(&outputs),
      "what the model returns, comma-separated, in this order: logits, "
      "pooler_output, last_hidden_state, stem, stage1..stageN (default: "
      "logits with a classifier, a backbone's out_features, else "
      "pooler_output)");
}

bool checkOutputsOption(const po::variables_map &vm,
                        const std::string &outputs) {
  if (!vm.count("outputs"))
    return true;
  auto names = parseOutputList(outputs);
  if (names)
    return true;
  reportError(llvm::toString(names.takeError()));
  return false;
}

void addPipelineSwitches(po::options_description &visible) {
  visible.add_options()("no-passes", "stop after import (no pass pipeline)")(
      "no-fuse", "disable every fusion (group norm, residual, tiled stats)")(
      "no-fuse-group-norm", "keep group norms as separate ops")(
      "no-fuse-residual", "keep residual adds as separate ops")(
      "no-tile-group-norm",
      "reduce group-norm statistics in a separate pass over the tensor");
}

void applyPipelineSwitches(const po::variables_map &vm,
                           LoweringOptions &lowering) {
  lowering.runPasses = !vm.count("no-passes");
  bool noFuse = vm.count("no-fuse");
  mlir::bit::PipelineOptions &pipeline = lowering.pipeline;
  if (noFuse || vm.count("no-fuse-group-norm"))
    pipeline.fuseGroupNorm = false;
  if (noFuse || vm.count("no-fuse-residual"))
    pipeline.fuseResidual = false;
  if (noFuse || vm.count("no-tile-group-norm"))
    pipeline.tileGroupNorm = false;
}

void addPreprocessingOption(po::options_description &visible,
                            std::string &processor) {
  visible.add_options()(
      "preprocessing", po::value<std::string>(&processor),
      "image processor the object reproduces: pil (BitImageProcessor) or "
      "fast (BitImageProcessorFast, torchvision); default: fast when "
      "preprocessor_config.json's image_processor_type is "
      "BitImageProcessorFast, else pil");
}

bool checkPreprocessingOption(const std::string &command,
                              const std::string &processor) {
  if (processor.empty() || processor == "pil" || processor == "fast")
    return true;
  reportError(command + ": --preprocessing must be pil or fast, got '" +
              processor + "'");
  return false;
}

} // namespace bitc
