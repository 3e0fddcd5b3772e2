//===- WeightData.h - Reading the data of bit.weight ops --------*- C++ -*-===//

#ifndef BITC_IR_WEIGHTDATA_H
#define BITC_IR_WEIGHTDATA_H

#include "ir/BitOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LogicalResult.h"
#include <vector>

namespace mlir::bit {

/// The float32 elements of a weight, row-major. Resource blobs are viewed in
/// place; dense (or splat) attributes are expanded into `storage`. Fails (with
/// a diagnostic on the op) when the blob is elided or has the wrong size.
FailureOr<ArrayRef<float>> getWeightData(WeightOp op,
                                         std::vector<float> &storage);

/// Frees the bytes behind a resource-backed weight (of every op that shares
/// its resource): afterwards getWeightData fails, saying the weight was
/// released. For the last reader of the weights, so a multi-GB model is not
/// held twice.
void releaseWeightData(WeightOp op);

/// Wraps `data` in a `dense_resource` attribute of `type` named `key` that
/// owns its bytes.
DenseResourceElementsAttr makeResourceAttr(RankedTensorType type, StringRef key,
                                           std::vector<float> data);

} // namespace mlir::bit

#endif // BITC_IR_WEIGHTDATA_H
