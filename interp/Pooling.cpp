//===- Pooling.cpp - max pool, global average pool, linear ----------------===//

#include "interp/Kernels.h"

#include <limits>

using namespace mlir;
using namespace mlir::bit;

namespace bitc::detail {

llvm::Expected<Results> runMaxPool2D(MaxPool2DOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  ArrayRef<int64_t> kernel = op.getKernel();
  ArrayRef<int64_t> strides = op.getStrides();
  if (kernel.size() != 2 || strides.size() != 2)
    return opError(op, "bit.max_pool2d needs a 2-D kernel and 2 strides");
  const int64_t planes = input.shape[0] * input.shape[1];
  const int64_t height = input.shape[2], width = input.shape[3];
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  const int64_t outH = output.shape[2], outW = output.shape[3];
  if ((outH - 1) * strides[0] + kernel[0] > height ||
      (outW - 1) * strides[1] + kernel[1] > width)
    return opError(op, "bit.max_pool2d window exceeds the input");
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < outH; ++y)
      for (int64_t x = 0; x < outW; ++x) {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < kernel[0]; ++i)
          for (int64_t j = 0; j < kernel[1]; ++j) {
            float v = input.data[(p * height + y * strides[0] + i) * width +
                                 x * strides[1] + j];
            // NaN propagates, as in torch.nn.MaxPool2d.
            if (v > best || v != v)
              best = v;
          }
        output.data[(p * outH + y) * outW + x] = best;
      }
  return results;
}

llvm::Expected<Results> runGlobalAvgPool(GlobalAvgPoolOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  const HostTensor *prologue = lookupOptional(lookup, op.getPrologue());
  const Activation activation = op.getPrologueActivation();
  const int64_t batch = input.shape[0], channels = input.shape[1];
  const int64_t plane = input.shape[2] * input.shape[3];
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const float *src = input.data.data() + (n * channels + c) * plane;
      double sum = 0.0;
      if (prologue) {
        const double scale = prologue->data[(n * 2 + 0) * channels + c];
        const double shift = prologue->data[(n * 2 + 1) * channels + c];
        for (int64_t k = 0; k < plane; ++k)
          sum += applyActivation(activation, src[k] * scale + shift);
      } else {
        for (int64_t k = 0; k < plane; ++k)
          sum += src[k];
      }
      output.data[n * channels + c] =
          static_cast<float>(sum / static_cast<double>(plane));
    }
  return results;
}

llvm::Expected<Results> runLinear(LinearOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  const HostTensor &weight = lookup(op.getWeight());
  const HostTensor &bias = lookup(op.getBias());
  const int64_t batch = input.shape[0], features = input.shape[1];
  const int64_t outFeatures = weight.shape[0];
  if (weight.shape[1] != features || bias.shape[0] != outFeatures)
    return opError(op, "bit.linear shapes are inconsistent");
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < outFeatures; ++o) {
      double sum = bias.data[o];
      for (int64_t i = 0; i < features; ++i)
        sum += static_cast<double>(input.data[n * features + i]) *
               weight.data[o * features + i];
      output.data[n * outFeatures + o] = static_cast<float>(sum);
    }
  return results;
}

} // namespace bitc::detail
