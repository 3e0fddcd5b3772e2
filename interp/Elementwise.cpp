//===- Elementwise.cpp - pad, add and activation in the interpreter -------===//

#include "interp/Kernels.h"

using namespace mlir;
using namespace mlir::bit;

namespace bitc::detail {

llvm::Expected<Results> runPad(PadOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  ArrayRef<int64_t> padding = op.getPadding();
  if (padding.size() != 4)
    return opError(op, "bit.pad needs 4 pads [top, left, bottom, right]");
  const int64_t planes = input.shape[0] * input.shape[1];
  const int64_t height = input.shape[2], width = input.shape[3];
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  const int64_t outH = output.shape[2], outW = output.shape[3];
  if (outH != height + padding[0] + padding[2] ||
      outW != width + padding[1] + padding[3])
    return opError(op, "bit.pad output shape is inconsistent");
  std::fill(output.data.begin(), output.data.end(),
            static_cast<float>(op.getValue().convertToDouble()));
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x)
        output.data[(p * outH + y + padding[0]) * outW + x + padding[1]] =
            input.data[(p * height + y) * width + x];
  return results;
}

llvm::Expected<Results> runAdd(AddOp op, Lookup lookup) {
  const HostTensor &lhs = lookup(op.getLhs());
  const HostTensor &rhs = lookup(op.getRhs());
  const Activation activation = op.getActivation();
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  for (size_t k = 0; k < output.data.size(); ++k)
    output.data[k] = static_cast<float>(applyActivation(
        activation, static_cast<double>(lhs.data[k]) + rhs.data[k]));
  return results;
}

llvm::Expected<Results> runActivation(ActivationOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  const Activation activation = op.getKind();
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  for (size_t k = 0; k < output.data.size(); ++k)
    output.data[k] =
        static_cast<float>(applyActivation(activation, input.data[k]));
  return results;
}

} // namespace bitc::detail
