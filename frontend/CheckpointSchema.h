//===- CheckpointSchema.h - Tensors a BitConfig implies ---------*- C++ -*-===//

#ifndef BITC_FRONTEND_CHECKPOINTSCHEMA_H
#define BITC_FRONTEND_CHECKPOINTSCHEMA_H

#include "frontend/BitConfig.h"
#include "frontend/ModelOutputs.h"
#include "frontend/TensorStore.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace bitc {

struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
};

/// Names and shapes of the state dict a checkpoint of `kind` holds for
/// `config` (docs/bit-model.md section 4), in a stable order.
std::vector<ExpectedTensor>
expectedTensors(const BitConfig &config,
                CheckpointKind kind = CheckpointKind::ImageClassification);

/// Compares the store with the expected set and reports every missing,
/// unexpected and mis-shaped tensor, one line each, in one error.
llvm::Error validateTensorSet(const TensorStore &store,
                              const std::vector<ExpectedTensor> &expected);

} // namespace bitc

#endif // BITC_FRONTEND_CHECKPOINTSCHEMA_H
