//===- Interpret.cpp - bitc run: a module through the interpreter ---------===//

#include "driver/Interpret.h"
#include "driver/OutputFile.h"
#include "frontend/JsonUtil.h"
#include "interp/Interpreter.h"
#include "ir/BitDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>

namespace bitc {

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
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

/// The raw float32 input of `type`, which the file must hold exactly.
static llvm::Expected<HostTensor> readInput(const std::string &path,
                                            mlir::RankedTensorType type) {
  HostTensor input;
  input.shape.assign(type.getShape().begin(), type.getShape().end());
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError(path + ": cannot read: " + buffer.getError().message());
  uint64_t expected = type.getNumElements() * sizeof(float);
  if ((*buffer)->getBufferSize() != expected)
    return makeError(path + ": holds " +
                     std::to_string((*buffer)->getBufferSize()) +
                     " bytes, expected " + std::to_string(expected) + " (" +
                     shapeString(input.shape) + " float32)");
  input.data.resize(type.getNumElements());
  std::memcpy(input.data.data(), (*buffer)->getBufferStart(), expected);
  return input;
}

llvm::Error interpretModule(mlir::ModuleOp module, llvm::StringRef modelPath,
                            const std::string &inputPath,
                            llvm::StringRef outputPath) {
  auto func = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!func || func.getNumArguments() != 1)
    return makeError(modelPath + ": no func.func @forward with one argument");
  auto input =
      readInput(inputPath,
                mlir::cast<mlir::RankedTensorType>(func.getArgumentTypes()[0]));
  if (!input)
    return input.takeError();
  auto results = interpret(func, {*input});
  if (!results)
    return results.takeError();
  return writeFileAtomically(
      outputPath, [&](llvm::raw_ostream &os) -> llvm::Error {
        for (const HostTensor &result : *results)
          os.write(reinterpret_cast<const char *>(result.data.data()),
                   result.data.size() * sizeof(float));
        return llvm::Error::success();
      });
}

} // namespace bitc
