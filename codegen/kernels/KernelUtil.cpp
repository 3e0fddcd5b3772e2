//===- KernelUtil.cpp - Helpers shared by the kernel builders -------------===//

#include "codegen/kernels/KernelUtil.h"

#include <cmath>

using namespace Halide;

namespace bitc::kernels {
namespace detail {

void declareDense(OutputImageParam param, const std::vector<int64_t> &extents) {
  int64_t stride = 1;
  for (size_t i = 0; i < extents.size(); ++i) {
    param.dim(i).set_bounds(0, static_cast<int>(extents[i]));
    param.dim(i).set_stride(static_cast<int>(stride));
    stride *= extents[i];
  }
}

Argument outputArgument(const Func &f) {
  return Argument(f.name(), Argument::OutputBuffer, f.output_types()[0],
                  f.dimensions(), ArgumentEstimates{});
}

void finishPipeline(KernelPipeline &k, const std::vector<Func> &outs,
                    const std::string &note) {
  k.pipeline = Pipeline(outs);
  for (const ImageParam &p : k.params)
    k.inputs.push_back(p);
  for (const Func &f : outs)
    k.outputs.push_back(outputArgument(f));
  k.scheduleNote = note;
}

int floatVectorWidth(const Target &target) {
  int w = target.natural_vector_size<float>();
  return w < 4 ? 4 : w;
}

int registerCount(const Target &target) {
  if (target.has_feature(Target::AVX512))
    return 32;
  if (target.arch == Target::ARM && target.bits == 64)
    return 32;
  return 16;
}

ConvParams declareConvParams(const ConvSpec &s,
                             const std::vector<int64_t> &inputExtents,
                             const std::vector<int64_t> &weightExtents,
                             KernelPipeline &k) {
  ConvParams p{ImageParam(Float(32), 4, "input"),
               ImageParam(Float(32), 5, "weights"),
               ImageParam(Float(32), 3, "prologue"),
               ImageParam(Float(32), 4, "residual")};
  declareDense(p.input, inputExtents);
  declareDense(p.weights, weightExtents);
  k.params = {p.input, p.weights};
  if (s.hasPrologue) {
    declareDense(p.prologue, {s.inC, 2, s.batch});
    k.params.push_back(p.prologue);
  }
  if (s.hasResidual) {
    declareDense(p.residual, {s.outC, s.outW(), s.outH(), s.batch});
    k.params.push_back(p.residual);
  }
  return p;
}

Expr accurateExp(Expr x) {
  // exp(x) = 2^k * exp(r), k = round(x / ln 2), r = x - k ln 2 in two pieces
  // (Cody-Waite), exp(r) by the Cephes expf minimax polynomial (|r| <= ln2/2).
  x = clamp(x, -87.0f, 88.0f);
  Expr k = floor(x * 1.44269504088896341f + 0.5f);
  Expr r = x - k * 0.693359375f;
  r = r - k * -2.12194440e-4f;
  Expr p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  Expr e = p * (r * r) + r + 1.0f;
  Expr scale = reinterpret(Float(32), (cast<int32_t>(k) + 127) << 23);
  return e * scale;
}

} // namespace detail

namespace {

// tanh(u) = sign(u) (1 - 2 / (exp(2|u|) + 1)): no cancellation for large |u|,
// absolute error ~1e-7 near 0.
Expr stableTanh(const Expr &u) {
  Expr t = 1.0f - 2.0f / (detail::accurateExp(2.0f * abs(u)) + 1.0f);
  return select(u < 0.0f, -t, t);
}

// 1 / (1 + exp(-x)); exp's argument clamp keeps it finite for any x.
Expr sigmoid(const Expr &x) { return 1.0f / (1.0f + detail::accurateExp(-x)); }

// Halide 14's erf (float, last 3 bits of the mantissa, vectorizes).
Expr gelu(const Expr &x) {
  return 0.5f * x * (1.0f + erf(x * 0.70710678118654752f));
}

} // namespace

// The formulas of docs/bit-model.md section 3 in float32.
Expr applyActivation(Activation activation, const Expr &x) {
  switch (activation) {
  case Activation::None:
    return x;
  case Activation::Relu:
    return max(x, 0.0f);
  case Activation::Gelu:
    return gelu(x);
  case Activation::GeluTanh:
    return 0.5f * x *
           (1.0f +
            stableTanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
  case Activation::GeluFast:
    return 0.5f * x *
           (1.0f + stableTanh(x * 0.7978845608f * (1.0f + 0.044715f * x * x)));
  case Activation::Gelu10:
    return clamp(gelu(x), -10.0f, 10.0f);
  case Activation::QuickGelu:
    return x * sigmoid(1.702f * x);
  case Activation::Selu: {
    const float alpha = 1.6732632423543772848170429916717f;
    const float scale = 1.0507009873554804934193349852946f;
    return select(x > 0.0f, scale * x,
                  (scale * alpha) * (detail::accurateExp(min(x, 0.0f)) - 1.0f));
  }
  case Activation::Relu6:
    return clamp(x, 0.0f, 6.0f);
  case Activation::Relu2: {
    Expr r = max(x, 0.0f);
    return r * r;
  }
  case Activation::LeakyRelu:
    return select(x >= 0.0f, x, 0.01f * x);
  case Activation::Silu:
    return x * sigmoid(x);
  case Activation::Mish: {
    // tanh(softplus(x)) = n (n + 2) / (n (n + 2) + 2) with n = exp(x): no
    // log1p needed, no cancellation for x << 0; exact 1 in float past x = 20.
    Expr n = detail::accurateExp(min(x, 20.0f));
    Expr m = n * (n + 2.0f);
    return x * (m / (m + 2.0f));
  }
  case Activation::Tanh:
    return stableTanh(x);
  case Activation::Sigmoid:
    return sigmoid(x);
  case Activation::Laplace: // mu = 0.707107, sigma = 0.282095 (MEGA)
    return 0.5f * (1.0f + erf((x - 0.707107f) *
                              (1.0f / (0.282095f * 1.41421356237309505f))));
  }
  return x;
}

} // namespace bitc::kernels
