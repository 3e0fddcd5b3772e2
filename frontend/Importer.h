//===- Importer.h - BiT checkpoint to the bit dialect -----------*- C++ -*-===//

#ifndef BITC_FRONTEND_IMPORTER_H
#define BITC_FRONTEND_IMPORTER_H

#include "frontend/BitConfig.h"
#include "frontend/TensorStore.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace bitc {

struct ImportOptions {
  int64_t batch = 1;
  int64_t height = 224;
  int64_t width = 224;
  /// Named in diagnostics about the architecture (config.json).
  std::string configPath;
};

/// Builds `func.func @forward(%pixels: tensor<NxCxHxWxf32>) -> tensor<NxLxf32>`
/// for BitForImageClassification. Weights become `bit.weight` ops over
/// `dense_resource` blobs that alias `store`'s memory, so `store` must outlive
/// the module. Expects a store already validated against the config.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importBitModel(mlir::MLIRContext &context, const BitConfig &config,
               TensorStore &store, const ImportOptions &options);

} // namespace bitc

#endif // BITC_FRONTEND_IMPORTER_H
