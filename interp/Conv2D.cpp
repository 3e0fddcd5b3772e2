//===- Conv2D.cpp - bit.conv2d in the reference interpreter ---------------===//
//
// output[n][o][y][x] = sum_{c,i,j} W'[o][c][i][j] *
//                      P[n][c][y*sh + i*dh - top][x*sw + j*dw - left]
//                      (+ residual[n][o][y][x])
// where W' is W, standardized per output channel when `ws_eps` is set, and
// P is the input after the prologue (`act(x * scale + shift)`), read as 0
// outside the input (the zero border is added after the prologue).
//
// The prologue and the zero border are materialized once per image into a
// padded double buffer; the sums are a matrix product of the weights and the
// patches (PackedGemm.h), each output summed over (c, i, j) in that order.
//
//===----------------------------------------------------------------------===//

#include "interp/Kernels.h"
#include "interp/PackedGemm.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::bit;

namespace bitc::detail {

/// Weights as double, standardized per output channel when `wsEps` is set:
/// `(w - mean) / sqrt(var + eps)` with the biased variance over (C, KH, KW).
static std::vector<double> prepareWeights(const HostTensor &weight,
                                          std::optional<double> wsEps) {
  std::vector<double> w(weight.data.begin(), weight.data.end());
  if (!wsEps)
    return w;
  const int64_t outChannels = weight.shape[0];
  const int64_t perChannel =
      weight.shape[1] * weight.shape[2] * weight.shape[3];
  for (int64_t o = 0; o < outChannels; ++o) {
    double *begin = w.data() + o * perChannel;
    double sum = 0.0;
    for (int64_t k = 0; k < perChannel; ++k)
      sum += begin[k];
    double mean = sum / static_cast<double>(perChannel);
    double m2 = 0.0;
    for (int64_t k = 0; k < perChannel; ++k)
      m2 += (begin[k] - mean) * (begin[k] - mean);
    double denominator =
        std::sqrt(m2 / static_cast<double>(perChannel) + *wsEps);
    for (int64_t k = 0; k < perChannel; ++k)
      begin[k] = (begin[k] - mean) / denominator;
  }
  return w;
}

llvm::Expected<Results> runConv2D(Conv2DOp op, Lookup lookup,
                                  InterpreterCache::Entries *cache) {
  const HostTensor &input = lookup(op.getInput());
  const HostTensor &weight = lookup(op.getWeight());
  const HostTensor *prologue = lookupOptional(lookup, op.getPrologue());
  const HostTensor *residual = lookupOptional(lookup, op.getResidual());
  ArrayRef<int64_t> strides = op.getStrides();
  ArrayRef<int64_t> dilations = op.getDilations();
  ArrayRef<int64_t> padding = op.getPadding();
  if (strides.size() != 2 || dilations.size() != 2 || padding.size() != 4)
    return opError(op, "bit.conv2d needs 2 strides, 2 dilations and 4 pads");
  const Activation activation = op.getPrologueActivation();

  const int64_t batch = input.shape[0], channels = input.shape[1];
  const int64_t height = input.shape[2], width = input.shape[3];
  const int64_t outChannels = weight.shape[0];
  const int64_t kernelH = weight.shape[2], kernelW = weight.shape[3];
  const int64_t strideH = strides[0], strideW = strides[1];
  const int64_t dilationH = dilations[0], dilationW = dilations[1];
  const int64_t padTop = padding[0], padLeft = padding[1];
  const int64_t paddedH = height + padding[0] + padding[2];
  const int64_t paddedW = width + padding[1] + padding[3];

  Results results;
  results.push_back(allocateLike(op.getOutput()));
  if (op.getStats())
    results.push_back(allocateLike(op.getStats()));
  HostTensor &output = results[0];
  const int64_t outH = output.shape[2], outW = output.shape[3];
  if (weight.shape[1] != channels || output.shape[0] != batch ||
      output.shape[1] != outChannels ||
      (outH - 1) * strideH + (kernelH - 1) * dilationH >= paddedH ||
      (outW - 1) * strideW + (kernelW - 1) * dilationW >= paddedW)
    return opError(op, "bit.conv2d shapes are inconsistent");

  const int64_t weightsPerOut = channels * kernelH * kernelW;
  std::shared_ptr<const PackedRows> packedWeights =
      cache ? cache->convWeights.lookup(op) : nullptr;
  if (!packedWeights) {
    std::optional<double> wsEps;
    if (auto eps = op.getWsEps())
      wsEps = eps->convertToDouble();
    packedWeights = std::make_shared<const PackedRows>(
        prepareWeights(weight, wsEps).data(), outChannels, weightsPerOut);
    if (cache)
      cache->convWeights[op] = packedWeights;
  }
  const int64_t outPlane = outH * outW;

  std::vector<double> padded(channels * paddedH * paddedW);
  // The product runs over blocks of output pixels whose patches fill about
  // 512 KB, so they stay in cache while every weight panel passes over them.
  const int64_t blockCols = std::clamp<int64_t>(
      65536 / weightsPerOut / kPanelCols * kPanelCols, kPanelCols, 4096);
  PackedCols patches;
  std::vector<int64_t> pixelOffsets(blockCols);
  std::vector<double> sums(outChannels * blockCols);
  for (int64_t n = 0; n < batch; ++n) {
    // Prologue, then the zero border.
    std::fill(padded.begin(), padded.end(), 0.0);
    for (int64_t c = 0; c < channels; ++c) {
      const float *src =
          input.data.data() + (n * channels + c) * height * width;
      double *dst = padded.data() + (c * paddedH + padTop) * paddedW + padLeft;
      if (prologue) {
        const double scale = prologue->data[(n * 2 + 0) * channels + c];
        const double shift = prologue->data[(n * 2 + 1) * channels + c];
        for (int64_t y = 0; y < height; ++y)
          for (int64_t x = 0; x < width; ++x)
            dst[y * paddedW + x] =
                applyActivation(activation, src[y * width + x] * scale + shift);
      } else {
        for (int64_t y = 0; y < height; ++y)
          for (int64_t x = 0; x < width; ++x)
            dst[y * paddedW + x] = src[y * width + x];
      }
    }

    float *outN = output.data.data() + n * outChannels * outPlane;
    const float *residualN =
        residual ? residual->data.data() + n * outChannels * outPlane : nullptr;
    for (int64_t first = 0; first < outPlane; first += blockCols) {
      const int64_t cols = std::min(blockCols, outPlane - first);
      // patches[k][q]: tap k = (c, i, j) of output pixel first + q.
      for (int64_t q = 0; q < cols; ++q) {
        const int64_t y = (first + q) / outW, x = (first + q) % outW;
        pixelOffsets[q] = y * strideH * paddedW + x * strideW;
      }
      patches.reset(weightsPerOut, cols);
      for (int64_t k = 0; k < weightsPerOut; ++k) {
        const int64_t c = k / (kernelH * kernelW);
        const int64_t i = k / kernelW % kernelH, j = k % kernelW;
        const double *tap = padded.data() +
                            (c * paddedH + i * dilationH) * paddedW +
                            j * dilationW;
        for (int64_t q = 0; q < cols; ++q)
          patches.at(k, q) = tap[pixelOffsets[q]];
      }
      multiplyPacked(*packedWeights, patches, sums.data(), cols);
      for (int64_t o = 0; o < outChannels; ++o) {
        const double *sum = sums.data() + o * cols;
        float *dst = outN + o * outPlane + first;
        const float *res =
            residualN ? residualN + o * outPlane + first : nullptr;
        for (int64_t q = 0; q < cols; ++q)
          dst[q] = static_cast<float>(res ? sum[q] + res[q] : sum[q]);
      }
    }
  }

  if (!op.getStats())
    return results;

  // Partial group-norm statistics of the stored (float) output, per tile of
  // `stats_tile_rows` rows (the last may be shorter) and per channel group.
  HostTensor &stats = results[1];
  const int64_t groups = static_cast<int64_t>(*op.getStatsGroups());
  const int64_t tileRows = static_cast<int64_t>(*op.getStatsTileRows());
  const int64_t tiles = (outH + tileRows - 1) / tileRows;
  if (groups < 1 || outChannels % groups != 0 ||
      stats.shape != std::vector<int64_t>{batch, tiles, groups, 3})
    return opError(op, "bit.conv2d stats shape is inconsistent");
  const int64_t groupChannels = outChannels / groups;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t rowBegin = t * tileRows;
      const int64_t rowEnd = std::min(outH, rowBegin + tileRows);
      const int64_t tileElems = (rowEnd - rowBegin) * outW;
      for (int64_t g = 0; g < groups; ++g) {
        auto tileOf = [&](int64_t c) {
          return output.data.data() +
                 ((n * outChannels + g * groupChannels + c) * outH + rowBegin) *
                     outW;
        };
        double sum = 0.0;
        for (int64_t c = 0; c < groupChannels; ++c)
          for (int64_t k = 0; k < tileElems; ++k)
            sum += tileOf(c)[k];
        const double count = static_cast<double>(groupChannels * tileElems);
        const double mean = sum / count;
        double m2 = 0.0;
        for (int64_t c = 0; c < groupChannels; ++c)
          for (int64_t k = 0; k < tileElems; ++k) {
            double d = tileOf(c)[k] - mean;
            m2 += d * d;
          }
        float *dst = stats.data.data() + ((n * tiles + t) * groups + g) * 3;
        dst[0] = static_cast<float>(count);
        dst[1] = static_cast<float>(mean);
        dst[2] = static_cast<float>(m2);
      }
    }
  return results;
}

} // namespace bitc::detail
