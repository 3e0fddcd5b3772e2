//===- Importer.h - BiT checkpoint to the bit dialect -----------*- C++ -*-===//

#ifndef BITC_FRONTEND_IMPORTER_H
#define BITC_FRONTEND_IMPORTER_H

#include "frontend/BitConfig.h"
#include "frontend/ModelOutputs.h"
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
  /// The class the checkpoint was saved from: BitModel's tensors have no
  /// `bit.` prefix, only BitForImageClassification has a classifier.
  CheckpointKind kind = CheckpointKind::ImageClassification;
  /// What @forward returns, in this order (Hugging Face names, as
  /// selectOutputs checks them); empty: the kind's defaultOutputs.
  std::vector<std::string> outputs;
};

/// Builds `func.func @forward(%pixels: tensor<NxCxHxWxf32>) -> (...)`
/// returning `options.outputs` (each result's `bit.name`): logits and
/// pooler_output as NxC, feature maps as NxCxHxW. Ops no output needs are
/// not kept. Weights become `bit.weight` ops over
/// `dense_resource` blobs that alias `store`'s memory, so `store` must outlive
/// the module. Expects a store already validated against the config.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importBitModel(mlir::MLIRContext &context, const BitConfig &config,
               TensorStore &store, const ImportOptions &options);

} // namespace bitc

#endif // BITC_FRONTEND_IMPORTER_H
