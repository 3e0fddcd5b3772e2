//===- RunCommand.cpp - bitc run: the reference interpreter ---------------===//
//
// Executes a model (a checkpoint directory, lowered with the same options as
// `bitc compile`, or an MLIR file as given) with the double-accumulating
// reference interpreter, on raw little-endian float32 NCHW input.
//
//===----------------------------------------------------------------------===//

#include "interp/Interpreter.h"
#include "ir/BitDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "tools/bitc/CommandLine.h"
#include "tools/bitc/Commands.h"
#include "tools/bitc/Lowering.h"
#include "tools/bitc/ModelLoader.h"
#include "tools/bitc/OutputFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <boost/program_options.hpp>
#include <iostream>

namespace po = boost::program_options;

namespace bitc {

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i)
    out += (i ? "x" : "") + std::to_string(shape[i]);
  return out;
}

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseMlirFile(mlir::MLIRContext &context, const std::string &path) {
  context.loadDialect<mlir::bit::BitDialect, mlir::func::FuncDialect>();
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagStream);
  auto file = llvm::MemoryBuffer::getFile(path);
  if (!file)
    return makeError(path + ": cannot read: " + file.getError().message());
  sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module) {
    llvm::StringRef first = llvm::StringRef(diagnostics).split('\n').first;
    return makeError(first.empty() ? path + ": cannot parse" : first);
  }
  return std::move(module);
}

int run(const std::string &modelPath, const std::string &inputPath,
        const std::string &outputPath, LoweringOptions &lowering, bool isMlir,
        const LoadOptions &load) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  LoadedModel model; // Owns the memory map the module's weights alias.
  if (isMlir) {
    auto parsed = parseMlirFile(context, modelPath);
    if (!parsed) {
      reportError(llvm::toString(parsed.takeError()));
      return 1;
    }
    module = std::move(*parsed);
    if (lowering.runPasses)
      if (llvm::Error err = runDefaultPipeline(*module, lowering)) {
        reportError(llvm::toString(std::move(err)));
        return 1;
      }
  } else {
    auto loaded = loadModel(modelPath, load);
    if (!loaded) {
      reportError(llvm::toString(loaded.takeError()));
      return 1;
    }
    model = std::move(*loaded);
    auto lowered = lowerModel(context, model, lowering);
    if (!lowered) {
      reportError(llvm::toString(lowered.takeError()));
      return 1;
    }
    module = std::move(*lowered);
  }

  auto func = module->lookupSymbol<mlir::func::FuncOp>("forward");
  if (!func || func.getNumArguments() != 1) {
    reportError(modelPath + ": no func.func @forward with one argument");
    return 1;
  }
  auto inputType =
      mlir::cast<mlir::RankedTensorType>(func.getArgumentTypes()[0]);
  HostTensor input;
  input.shape.assign(inputType.getShape().begin(), inputType.getShape().end());
  auto buffer = llvm::MemoryBuffer::getFile(inputPath, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    reportError(inputPath + ": cannot read: " + buffer.getError().message());
    return 1;
  }
  uint64_t expected = inputType.getNumElements() * sizeof(float);
  if ((*buffer)->getBufferSize() != expected) {
    reportError(inputPath + ": holds " +
                std::to_string((*buffer)->getBufferSize()) +
                " bytes, expected " + std::to_string(expected) + " (" +
                shapeString(input.shape) + " float32)");
    return 1;
  }
  input.data.resize(inputType.getNumElements());
  std::memcpy(input.data.data(), (*buffer)->getBufferStart(), expected);

  auto results = interpret(func, {input});
  if (!results) {
    reportError(llvm::toString(results.takeError()));
    return 1;
  }
  llvm::Error err = writeFileAtomically(
      outputPath, [&](llvm::raw_ostream &os) -> llvm::Error {
        for (const HostTensor &result : *results)
          os.write(reinterpret_cast<const char *>(result.data.data()),
                   result.data.size() * sizeof(float));
        return llvm::Error::success();
      });
  if (err) {
    reportError(llvm::toString(std::move(err)));
    return 1;
  }
  return 0;
}

} // namespace

int runRunCommand(const std::vector<std::string> &args) {
  std::string modelPath, inputPath, outputPath;
  LoweringOptions lowering;
  LoadOptions load;
  std::string wsEps;
  po::options_description visible(
      "usage: bitc run MODEL_DIR|FILE.mlir --input X.f32 --output Y.f32 "
      "[options]\n\n"
      "Runs the reference interpreter (double accumulation) on raw float32\n"
      "NCHW input and writes the raw float32 results (every output, in\n"
      "--outputs order, each [batch][C][H][W] or [batch][C]). A checkpoint "
      "directory\n"
      "is imported and lowered like `bitc compile` does; an MLIR file runs\n"
      "as given unless --pipeline is set.\n\noptions");
  visible.add_options()("help,h", "show this help")("version",
                                                    "show the version")(
      "input", po::value<std::string>(&inputPath),
      "raw float32 input")("output", po::value<std::string>(&outputPath),
                           "raw float32 output ('-' for stdout)")(
      "image-size", po::value<std::string>(&lowering.imageSize),
      "input size N or HxW (checkpoint only)")(
      "batch", po::value<int64_t>(&lowering.batch)->default_value(1),
      "batch size (checkpoint only)")(
      "pipeline", "MLIR file: run the default pipeline before executing");
  addOutputsOption(visible, lowering.outputs);
  addPipelineSwitches(visible);
  addCheckpointOptions(visible, load, wsEps);
  po::variables_map vm;
  if (std::optional<int> done =
          parseCommandLine("run", args, visible, modelPath, vm))
    return *done;
  if (modelPath.empty() || inputPath.empty() || outputPath.empty()) {
    reportError("run: needs MODEL_DIR|FILE.mlir, --input and --output (see "
                "bitc run --help)");
    return 1;
  }
  if (lowering.batch < 1 || lowering.batch > 4096) {
    reportError("run: --batch must be between 1 and 4096");
    return 1;
  }
  if (!applyCheckpointOptions("run", vm, wsEps, load))
    return 1;
  if (!checkOutputsOption(vm, lowering.outputs))
    return 1;
  if (llvm::Error err = checkOutputPath(outputPath)) {
    reportError(llvm::toString(std::move(err)));
    return 1;
  }
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
  return run(modelPath, inputPath, outputPath, lowering, isMlir, load);
}

} // namespace bitc
