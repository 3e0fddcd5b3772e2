//===- RunCommand.cpp - bitc run: the reference interpreter ---------------===//
//
// Executes a model (a checkpoint directory, lowered with the same options as
// `bitc compile`, or an MLIR file as given) with the double-accumulating
// reference interpreter, on raw little-endian float32 NCHW input.
//
//===----------------------------------------------------------------------===//

#include "driver/Interpret.h"
#include "driver/OutputFile.h"
#include "mlir/IR/MLIRContext.h"
#include "tools/bitc/CommandLine.h"
#include "llvm/Support/FileSystem.h"

namespace po = boost::program_options;

namespace bitc {

int runRunCommand(const std::vector<std::string> &args) {
  std::string modelPath, inputPath, outputPath;
  SharedOptions shared;
  LoweringOptions lowering;
  po::options_description visible(
      "usage: bitc run MODEL_DIR|FILE.mlir --input X.f32 --output Y.f32 "
      "[options]\n\n"
      "Runs the reference interpreter (double accumulation) on raw float32\n"
      "NCHW input and writes the raw float32 results (every output, in\n"
      "--outputs order, each [batch][C][H][W] or [batch][C]). A checkpoint "
      "directory\n"
      "is imported and lowered like `bitc compile` does; an MLIR file runs\n"
      "as given unless --pipeline is set.\n\noptions");
  addSharedOptions(visible, shared, "input size N or HxW (checkpoint only)");
  visible.add_options()("input", po::value<std::string>(&inputPath),
                        "raw float32 input")(
      "output", po::value<std::string>(&outputPath),
      "raw float32 output ('-' for stdout)")(
      "pipeline", "MLIR file: run the default pipeline before executing");
  addPipelineSwitches(visible);
  po::variables_map vm;
  if (std::optional<int> done =
          parseCommandLine("run", args, visible, modelPath, vm))
    return *done;
  if (modelPath.empty() || inputPath.empty() || outputPath.empty()) {
    reportError("run: needs MODEL_DIR|FILE.mlir, --input and --output (see "
                "bitc run --help)");
    return 1;
  }
  if (!checkSharedOptions("run", vm, shared) ||
      failed(checkOutputPath(outputPath)))
    return 1;
  bool isMlir = llvm::StringRef(modelPath).ends_with(".mlir") &&
                !llvm::sys::fs::is_directory(modelPath);
  // Checkpoints are lowered like `bitc compile` lowers them; an MLIR file
  // runs as given unless --pipeline asks for the (switch-selected) passes.
  applyPipelineSwitches(vm, lowering);
  if (isMlir)
    lowering.runPasses = vm.count("pipeline");
  if (isMlir && vm.count("outputs")) {
    reportError("run: --outputs applies to checkpoints (" + modelPath +
                " returns what its @forward returns)");
    return 1;
  }
  mlir::MLIRContext context;
  std::optional<Model> model; // Owns the memory map the weights alias.
  auto load = [&]() -> llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> {
    if (isMlir)
      return parseMlirFile(context, modelPath);
    auto opened = openModel(modelPath, shared.model);
    if (!opened)
      return opened.takeError();
    model = std::move(*opened);
    return importModel(context, *model, shared.outputs);
  };
  auto module = load();
  if (failed(module) || failed(runDefaultPipeline(**module, lowering)) ||
      failed(interpretModule(**module, modelPath, inputPath, outputPath)))
    return 1;
  return 0;
}

} // namespace bitc
