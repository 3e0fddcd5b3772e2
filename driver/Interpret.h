//===- Interpret.h - bitc run: a module through the interpreter -*- C++ -*-===//

#ifndef BITC_DRIVER_INTERPRET_H
#define BITC_DRIVER_INTERPRET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include <string>

namespace bitc {

/// Parses a `bit` module from an .mlir file; the error is the first line of
/// the parser's diagnostics.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseMlirFile(mlir::MLIRContext &context, const std::string &path);

/// Runs `module`'s @forward (one argument) with the reference interpreter on
/// the raw little-endian float32 tensor in `inputPath` (exactly its size)
/// and writes every result, in order, as raw float32 to `outputPath`
/// ("-" = stdout), atomically. `modelPath` names the module in errors.
llvm::Error interpretModule(mlir::ModuleOp module, llvm::StringRef modelPath,
                            const std::string &inputPath,
                            llvm::StringRef outputPath);

} // namespace bitc

#endif // BITC_DRIVER_INTERPRET_H
