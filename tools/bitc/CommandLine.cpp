//===- CommandLine.cpp - Option parsing and error lines of bitc -----------===//

#include "tools/bitc/CommandLine.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/raw_ostream.h"
#include <iostream>

namespace po = boost::program_options;

namespace bitc {

void reportError(const std::string &message) {
  llvm::StringRef rest(message);
  while (!rest.empty()) {
    auto [line, tail] = rest.split('\n');
    llvm::errs() << "bitc: error: " << line << "\n";
    rest = tail;
  }
  llvm::errs().flush();
}

void reportWarning(const std::string &message) {
  llvm::errs() << "bitc: warning: " << message << "\n";
  llvm::errs().flush();
}

std::string versionString() {
  return std::string("bitc ") + BITC_VERSION_STRING + " (LLVM/MLIR " +
         LLVM_VERSION_STRING + ", Halide 14)";
}

bool failed(llvm::Error err, const std::string &prefix) {
  if (!err)
    return false;
  reportError(prefix + llvm::toString(std::move(err)));
  return true;
}

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

void addSharedOptions(po::options_description &visible, SharedOptions &shared,
                      const char *imageSizeHelp) {
  visible.add_options()("help,h", "show this help")("version",
                                                    "show the version")(
      "image-size", po::value<std::string>(&shared.model.imageSize),
      imageSizeHelp)("batch",
                     po::value<int64_t>(&shared.model.batch)->default_value(1),
                     "static batch size of the model")(
      "outputs", po::value<std::string>(&shared.outputs),
      "what the model returns, comma-separated, in this order: logits, "
      "pooler_output, last_hidden_state, stem, stage1..stageN (default: "
      "logits with a classifier, a backbone's out_features, else "
      "pooler_output)")("arch", po::value<std::string>(&shared.model.load.arch),
                        "Google .npz: the model, e.g. BiT-M-R50x1 (default: "
                        "from the file name)")(
      "ws-eps", po::value<std::string>(&shared.wsEps),
      "weight-standardization epsilon (default 1e-8; Google .npz 1e-10)")(
      "reject-nonfinite", po::bool_switch(&shared.model.load.rejectNonFinite),
      "refuse weights holding NaN or infinity (default: a warning per "
      "tensor)");
}

bool checkSharedOptions(const std::string &command, const po::variables_map &vm,
                        SharedOptions &shared, bool quiet) {
  int64_t batch = shared.model.batch;
  if (batch < 1 || batch > 4096) {
    // Only compile's message names the value (lit tests hold all three).
    reportError(command + ": --batch must be between 1 and 4096" +
                (command == "compile" ? ", got " + std::to_string(batch) : ""));
    return false;
  }
  if (vm.count("ws-eps") &&
      failed(parseWsEps(shared.wsEps, shared.model.load), command + ": "))
    return false;
  if (vm.count("outputs")) {
    auto names = parseOutputList(shared.outputs);
    if (failed(names))
      return false;
  }
  if (!quiet)
    shared.model.load.warn = reportWarning;
  return true;
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
