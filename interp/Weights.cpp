//===- Weights.cpp - bit.weight in the reference interpreter --------------===//
//
// A weight's data is read by mlir::bit::getWeightData, the reader the passes
// and the code generator use; its diagnostic becomes the interpreter's error.
//
//===----------------------------------------------------------------------===//

#include "interp/Kernels.h"
#include "ir/WeightData.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::bit;

namespace bitc::detail {

llvm::Expected<Results> runWeight(WeightOp op) {
  std::string problem;
  ScopedDiagnosticHandler handler(op.getContext(), [&](Diagnostic &diag) {
    if (problem.empty())
      problem = diag.str();
    return success();
  });
  std::vector<float> storage;
  FailureOr<ArrayRef<float>> data = getWeightData(op, storage);
  if (failed(data))
    return opError(op, problem);
  HostTensor tensor = allocateLike(op.getResult());
  std::copy(data->begin(), data->end(), tensor.data.begin());
  return Results{std::move(tensor)};
}

} // namespace bitc::detail
