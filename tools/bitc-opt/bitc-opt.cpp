//===- bitc-opt.cpp - MlirOptMain with the bit dialect and passes ---------===//

#include "ir/BitDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::bit::registerBitPipelines();
  mlir::DialectRegistry registry;
  registry.insert<mlir::bit::BitDialect, mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "bitc optimizer driver\n", registry));
}
