//===- CompileCommand.cpp - bitc compile ----------------------------------===//

#include "tools/bitc/Commands.h"
#include "tools/bitc/Lowering.h"
#include "tools/bitc/ModelLoader.h"
#include "tools/bitc/OutputFile.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/raw_ostream.h"
#include <boost/program_options.hpp>
#include <iostream>

namespace po = boost::program_options;

namespace bitc {

namespace {

struct CompileOptions {
  std::string modelDir;
  std::string output;
  std::string emit = "obj";
  std::string name = "model";
  bool elideWeights = false;
  LoweringOptions lowering;
};

bool isCIdentifier(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

int compile(const CompileOptions &options) {
  auto model = loadModel(options.modelDir);
  if (!model) {
    reportError(llvm::toString(model.takeError()));
    return 1;
  }
  mlir::MLIRContext context;
  auto module = lowerModel(context, *model, options.lowering);
  if (!module) {
    reportError(llvm::toString(module.takeError()));
    return 1;
  }

  if (options.emit == "mlir") {
    llvm::Error err = writeFileAtomically(
        options.output, [&](llvm::raw_ostream &os) -> llvm::Error {
          mlir::OpPrintingFlags flags;
          if (options.elideWeights)
            flags.elideLargeResourceString(64);
          (*module)->print(os, flags);
          return llvm::Error::success();
        });
    if (err) {
      reportError(llvm::toString(std::move(err)));
      return 1;
    }
    return 0;
  }
  reportError("--emit=" + options.emit +
              ": object emission is not implemented yet (use --emit=mlir)");
  return 1;
}

} // namespace

int runCompileCommand(const std::vector<std::string> &args) {
  CompileOptions options;
  po::options_description visible(
      "usage: bitc compile MODEL_DIR -o OUT [options]\n\n"
      "Compiles a Hugging Face BiT checkpoint directory (config.json,\n"
      "model.safetensors, preprocessor_config.json) into a native object and "
      "a\nC header, or into MLIR.\n\noptions");
  visible.add_options()("help,h", "show this help")(
      "version", "show the version")(
      "output,o", po::value<std::string>(&options.output),
      "output file ('-' for stdout with --emit=mlir)")(
      "emit", po::value<std::string>(&options.emit)->default_value("obj"),
      "what to write: obj or mlir")(
      "name", po::value<std::string>(&options.name)->default_value("model"),
      "C symbol prefix of the generated API")(
      "image-size", po::value<std::string>(&options.lowering.imageSize),
      "input size N or HxW (default: crop_size of preprocessor_config.json, "
      "else 224)")(
      "batch", po::value<int64_t>(&options.lowering.batch)->default_value(1),
      "static batch size of the compiled forward")(
      "no-passes", "stop after import (no pass pipeline)")(
      "no-fuse", "disable every fusion (group norm, residual, tiled stats)")(
      "no-fuse-group-norm", "keep group norms as separate ops")(
      "no-fuse-residual", "keep residual adds as separate ops")(
      "no-tile-group-norm",
      "reduce group-norm statistics in a separate pass over the tensor")(
      "stats-tile-pixels",
      po::value<int64_t>(&options.lowering.pipeline.statsTilePixels)
          ->default_value(1024),
      "pixels per group-norm statistics tile")(
      "mlir-print-ir-after-all", "print the IR after every pass to stderr")(
      "elide-weights", po::bool_switch(&options.elideWeights),
      "with --emit=mlir: print weight blobs as placeholders");
  po::options_description hidden;
  hidden.add_options()("model", po::value<std::string>(&options.modelDir));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("model", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(positional)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error &e) {
    reportError(std::string("compile: ") + e.what());
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
  if (options.modelDir.empty()) {
    reportError("compile: missing MODEL_DIR (see bitc compile --help)");
    return 1;
  }
  if (options.output.empty()) {
    reportError("compile: missing -o OUT (see bitc compile --help)");
    return 1;
  }
  if (options.emit != "obj" && options.emit != "mlir") {
    reportError("compile: --emit must be obj or mlir, got '" + options.emit +
                "'");
    return 1;
  }
  if (!isCIdentifier(options.name)) {
    reportError("compile: --name '" + options.name +
                "' must be a C identifier");
    return 1;
  }
  if (options.lowering.batch < 1 || options.lowering.batch > 4096) {
    reportError("compile: --batch must be between 1 and 4096, got " +
                std::to_string(options.lowering.batch));
    return 1;
  }
  if (options.lowering.pipeline.statsTilePixels < 1) {
    reportError("compile: --stats-tile-pixels must be positive");
    return 1;
  }
  mlir::bit::PipelineOptions &pipeline = options.lowering.pipeline;
  options.lowering.runPasses = !vm.count("no-passes");
  if (vm.count("no-fuse") || vm.count("no-fuse-group-norm"))
    pipeline.fuseGroupNorm = false;
  if (vm.count("no-fuse") || vm.count("no-fuse-residual"))
    pipeline.fuseResidual = false;
  if (vm.count("no-fuse") || vm.count("no-tile-group-norm"))
    pipeline.tileGroupNorm = false;
  options.lowering.printIRAfterAll = vm.count("mlir-print-ir-after-all");
  return compile(options);
}

} // namespace bitc
