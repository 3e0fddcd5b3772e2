//===- CompileCommand.cpp - bitc compile ----------------------------------===//

#include "frontend/Importer.h"
#include "tools/bitc/Commands.h"
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
  std::string imageSize;
  int64_t batch = 1;
  bool elideWeights = false;
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
  auto size = resolveImageSize(options.imageSize, model->preprocessor);
  if (!size) {
    reportError(llvm::toString(size.takeError()));
    return 1;
  }
  mlir::MLIRContext context;
  ImportOptions importOptions;
  importOptions.batch = options.batch;
  importOptions.height = size->first;
  importOptions.width = size->second;
  importOptions.configPath = model->configPath;
  auto module =
      importBitModel(context, model->config, *model->store, importOptions);
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
      "image-size", po::value<std::string>(&options.imageSize),
      "input size N or HxW (default: crop_size of preprocessor_config.json, "
      "else 224)")(
      "batch", po::value<int64_t>(&options.batch)->default_value(1),
      "static batch size of the compiled forward")(
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
  if (options.batch < 1 || options.batch > 4096) {
    reportError("compile: --batch must be between 1 and 4096, got " +
                std::to_string(options.batch));
    return 1;
  }
  return compile(options);
}

} // namespace bitc
