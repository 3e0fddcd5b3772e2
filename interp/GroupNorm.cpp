//===- GroupNorm.cpp - The group-norm ops in the reference interpreter ----===//
//
// bit.group_norm, and the fused forms the passes split it into:
// bit.group_norm_stats / bit.group_norm_combine produce a per-(n, c)
// scale/shift (`tensor<Nx2xC>`), bit.apply_norm (and the conv prologue) apply
// it. All statistics are biased (divide by the element count) and in double.
//
//===----------------------------------------------------------------------===//

#include "interp/Kernels.h"

#include <cmath>

using namespace mlir;
using namespace mlir::bit;

namespace bitc::detail {

namespace {
/// Moments of one (n, group).
struct Moments {
  double mean = 0.0;
  double variance = 0.0; // biased
};
} // namespace

/// Per-(n, g) moments of a NCHW tensor whose channels are split contiguously
/// into `groups` groups; indexed [n * groups + g].
static std::vector<Moments> groupMoments(const HostTensor &input,
                                         int64_t groups) {
  const int64_t batch = input.shape[0], channels = input.shape[1];
  const int64_t plane = input.shape[2] * input.shape[3];
  const int64_t groupElems = channels / groups * plane;
  std::vector<Moments> moments(batch * groups);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      auto [mean, m2] = meanAndM2(
          input.data.data() + (n * groups + g) * groupElems, groupElems);
      moments[n * groups + g] = {mean, m2 / static_cast<double>(groupElems)};
    }
  return moments;
}

/// Writes `[n][0][c] = gamma[c] * rstd` and
/// `[n][1][c] = beta[c] - gamma[c] * rstd * mean` for every (n, c).
static void writeScaleShift(const std::vector<Moments> &moments, int64_t groups,
                            const HostTensor &gamma, const HostTensor &beta,
                            double eps, HostTensor &scaleShift) {
  const int64_t batch = scaleShift.shape[0];
  const int64_t channels = scaleShift.shape[2];
  const int64_t groupChannels = channels / groups;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const Moments &m = moments[n * groups + c / groupChannels];
      const double rstd = 1.0 / std::sqrt(m.variance + eps);
      const double scale = gamma.data[c] * rstd;
      scaleShift.data[(n * 2 + 0) * channels + c] = static_cast<float>(scale);
      scaleShift.data[(n * 2 + 1) * channels + c] =
          static_cast<float>(beta.data[c] - scale * m.mean);
    }
}

static llvm::Error checkGroups(Operation *op, int64_t groups,
                               int64_t channels) {
  if (groups < 1 || channels % groups != 0)
    return opError(op, "groups (" + Twine(groups) +
                           ") must divide the channel count (" +
                           Twine(channels) + ")");
  return llvm::Error::success();
}

llvm::Expected<Results> runGroupNorm(GroupNormOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  const HostTensor &gamma = lookup(op.getGamma());
  const HostTensor &beta = lookup(op.getBeta());
  const int64_t groups = static_cast<int64_t>(op.getGroups());
  const double eps = op.getEps().convertToDouble();
  const Activation activation = op.getActivation();
  const int64_t batch = input.shape[0], channels = input.shape[1];
  if (llvm::Error error = checkGroups(op, groups, channels))
    return std::move(error);

  std::vector<Moments> moments = groupMoments(input, groups);
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  const int64_t plane = input.shape[2] * input.shape[3];
  const int64_t groupChannels = channels / groups;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const Moments &m = moments[n * groups + c / groupChannels];
      const double rstd = 1.0 / std::sqrt(m.variance + eps);
      const double g = gamma.data[c], b = beta.data[c];
      const int64_t base = (n * channels + c) * plane;
      for (int64_t k = 0; k < plane; ++k)
        output.data[base + k] = static_cast<float>(applyActivation(
            activation, (input.data[base + k] - m.mean) * rstd * g + b));
    }
  return results;
}

llvm::Expected<Results> runGroupNormStats(GroupNormStatsOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  const int64_t groups = static_cast<int64_t>(op.getGroups());
  if (llvm::Error error = checkGroups(op, groups, input.shape[1]))
    return std::move(error);
  Results results{allocateLike(op.getScaleShift())};
  writeScaleShift(groupMoments(input, groups), groups, lookup(op.getGamma()),
                  lookup(op.getBeta()), op.getEps().convertToDouble(),
                  results[0]);
  return results;
}

llvm::Expected<Results> runGroupNormCombine(GroupNormCombineOp op,
                                            Lookup lookup) {
  const HostTensor &partials = lookup(op.getPartials());
  const HostTensor &gamma = lookup(op.getGamma());
  const int64_t batch = partials.shape[0], tiles = partials.shape[1];
  const int64_t groups = partials.shape[2];
  if (partials.shape[3] != 3)
    return opError(op, "partials must end in a dimension of 3");
  if (llvm::Error error = checkGroups(op, groups, gamma.shape[0]))
    return std::move(error);

  // Chan et al.'s pairwise update: merging (na, ma, M2a) with (nb, mb, M2b)
  // gives n = na + nb, m = ma + d * nb / n, M2 = M2a + M2b + d^2 * na * nb / n
  // with d = mb - ma. Empty tiles are skipped.
  std::vector<Moments> moments(batch * groups);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      double count = 0.0, mean = 0.0, m2 = 0.0;
      for (int64_t t = 0; t < tiles; ++t) {
        const float *p =
            partials.data.data() + ((n * tiles + t) * groups + g) * 3;
        const double countB = p[0], meanB = p[1], m2B = p[2];
        if (countB == 0.0)
          continue;
        const double total = count + countB;
        const double delta = meanB - mean;
        mean += delta * countB / total;
        m2 += m2B + delta * delta * count * countB / total;
        count = total;
      }
      moments[n * groups + g] = {mean, count > 0.0 ? m2 / count : 0.0};
    }
  Results results{allocateLike(op.getScaleShift())};
  writeScaleShift(moments, groups, gamma, lookup(op.getBeta()),
                  op.getEps().convertToDouble(), results[0]);
  return results;
}

llvm::Expected<Results> runApplyNorm(ApplyNormOp op, Lookup lookup) {
  const HostTensor &input = lookup(op.getInput());
  const HostTensor &scaleShift = lookup(op.getScaleShift());
  const HostTensor *residual = lookupOptional(lookup, op.getResidual());
  const Activation activation = op.getActivation();
  const int64_t batch = input.shape[0], channels = input.shape[1];
  const int64_t plane = input.shape[2] * input.shape[3];
  Results results{allocateLike(op.getOutput())};
  HostTensor &output = results[0];
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const double scale = scaleShift.data[(n * 2 + 0) * channels + c];
      const double shift = scaleShift.data[(n * 2 + 1) * channels + c];
      const int64_t base = (n * channels + c) * plane;
      for (int64_t k = 0; k < plane; ++k) {
        double v = input.data[base + k] * scale + shift;
        if (residual)
          v += residual->data[base + k];
        output.data[base + k] =
            static_cast<float>(applyActivation(activation, v));
      }
    }
  return results;
}

} // namespace bitc::detail
