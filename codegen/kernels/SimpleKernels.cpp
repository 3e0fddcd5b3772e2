//===- SimpleKernels.cpp - Pad, max pool, add, pooling, linear ------------===//
//
// Memory-bound kernels: vectorized over channels (contiguous in (c, x, y, n)),
// one parallel loop over rows (fused with the batch).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/KernelUtil.h"

#include <algorithm>

using namespace Halide;
using Halide::Internal::const_true;
using Halide::Internal::is_const_one;

namespace bitc::kernels {
using namespace detail;

namespace {

/// Vectorizes channel dim `c` of `f` when the channel count allows it, and
/// parallelizes rows fused with images.
void scheduleRowsParallel(Func f, Var c, Var x, Var y, Var n, int64_t channels,
                          int64_t width, int vw) {
  Var yn("yn");
  f.fuse(y, n, yn).parallel(yn);
  if (channels >= vw)
    f.vectorize(c, vw);
  else if (width >= vw)
    f.reorder(x, c, yn).vectorize(x, vw);
}

/// In-bounds test and clamped coordinates for zero/constant borders.
struct Border {
  Expr inside = const_true();
  Expr xs, ys;
};
Border border(Expr x, Expr y, int64_t pt, int64_t pl, int64_t pb, int64_t pr,
              int64_t H, int64_t W) {
  Border b;
  b.xs = x;
  b.ys = y;
  if (pl) {
    b.inside = b.inside && x >= 0;
    b.xs = max(b.xs, 0);
  }
  if (pr) {
    b.inside = b.inside && x < int(W);
    b.xs = min(b.xs, int(W - 1));
  }
  if (pt) {
    b.inside = b.inside && y >= 0;
    b.ys = max(b.ys, 0);
  }
  if (pb) {
    b.inside = b.inside && y < int(H);
    b.ys = min(b.ys, int(H - 1));
  }
  return b;
}

} // namespace

KernelPipeline buildPad(const TensorShape &in, int64_t pt, int64_t pl,
                        int64_t pb, int64_t pr, float value,
                        const Target &target) {
  const int vw = floatVectorWidth(target);
  KernelPipeline k;
  ImageParam input(Float(32), 4, "input");
  declareDense(input, {in.c, in.w, in.h, in.n});
  k.params = {input};
  Var c("c"), x("x"), y("y"), n("n");
  Border b = border(x - int(pl), y - int(pt), pt, pl, pb, pr, in.h, in.w);
  Func out("output");
  Expr v = input(c, b.xs, b.ys, n);
  out(c, x, y, n) = is_const_one(b.inside) ? v : select(b.inside, v, value);
  const int64_t OW = in.w + pl + pr, OH = in.h + pt + pb;
  declareDense(out.output_buffer(), {in.c, OW, OH, in.n});
  scheduleRowsParallel(out, c, x, y, n, in.c, OW, vw);
  finishPipeline(k, {out}, "rows parallel, channels vectorized");
  return k;
}

KernelPipeline buildMaxPool(const TensorShape &in, int64_t kernel,
                            int64_t stride, int64_t pt, int64_t pl, int64_t pb,
                            int64_t pr, const Target &target) {
  const int vw = floatVectorWidth(target);
  KernelPipeline k;
  ImageParam input(Float(32), 4, "input");
  declareDense(input, {in.c, in.w, in.h, in.n});
  k.params = {input};
  Var c("c"), x("x"), y("y"), n("n");
  // Zero padding first (it takes part in the max), then the pool, separably:
  // a horizontal max per input row (computed once per row, sliding window),
  // then the vertical max of `kernel` such rows.
  Func padded("padded");
  Border b = border(x, y, pt, pl, pb, pr, in.h, in.w);
  Expr v = input(c, b.xs, b.ys, n);
  padded(c, x, y, n) = is_const_one(b.inside) ? v : select(b.inside, v, 0.0f);
  Func hmax("hmax");
  {
    Expr m;
    for (int64_t kx = 0; kx < kernel; ++kx) {
      Expr e = padded(c, x * int(stride) + int(kx - pl), y, n);
      m = m.defined() ? max(m, e) : e;
    }
    hmax(c, x, y, n) = m;
  }
  Expr m;
  for (int64_t ky = 0; ky < kernel; ++ky) {
    Expr e = hmax(c, x, y * int(stride) + int(ky - pt), n);
    m = m.defined() ? max(m, e) : e;
  }
  Func out("output");
  out(c, x, y, n) = m;
  const int64_t OW = (in.w + pl + pr - kernel) / stride + 1;
  const int64_t OH = (in.h + pt + pb - kernel) / stride + 1;
  declareDense(out.output_buffer(), {in.c, OW, OH, in.n});
  Var yo("yo"), yi("yi"), t("t");
  const int64_t band = std::max<int64_t>(1, ceilDiv(OH, 8 * kTunedThreads));
  out.split(y, yo, yi, int(band), TailStrategy::GuardWithIf)
      .reorder(c, x, yi, yo, n)
      .fuse(yo, n, t)
      .parallel(t);
  hmax.store_at(out, t).compute_at(out, yi);
  if (in.c >= vw) {
    out.vectorize(c, vw);
    hmax.vectorize(c, vw);
  }
  finishPipeline(k, {out},
                 "row bands parallel, separable max, rows of horizontal "
                 "maxima slide, channels vectorized");
  return k;
}

KernelPipeline buildApplyNorm(const TensorShape &in, bool hasResidual,
                              Activation activation, const Target &target) {
  const int vw = floatVectorWidth(target);
  KernelPipeline k;
  ImageParam input(Float(32), 4, "input"), ss(Float(32), 3, "scale_shift"),
      residual(Float(32), 4, "residual");
  declareDense(input, {in.c, in.w, in.h, in.n});
  declareDense(ss, {in.c, 2, in.n});
  k.params = {input, ss};
  if (hasResidual) {
    declareDense(residual, {in.c, in.w, in.h, in.n});
    k.params.push_back(residual);
  }
  Var c("c"), x("x"), y("y"), n("n");
  Expr v = input(c, x, y, n) * ss(c, 0, n) + ss(c, 1, n);
  if (hasResidual)
    v = v + residual(c, x, y, n);
  Func out("output");
  out(c, x, y, n) = applyActivation(activation, v);
  declareDense(out.output_buffer(), {in.c, in.w, in.h, in.n});
  scheduleRowsParallel(out, c, x, y, n, in.c, in.w, vw);
  finishPipeline(k, {out}, "rows parallel, channels vectorized");
  return k;
}

KernelPipeline buildAdd(const TensorShape &in, Activation activation,
                        const Target &target) {
  const int vw = floatVectorWidth(target);
  KernelPipeline k;
  ImageParam a(Float(32), 4, "a"), b(Float(32), 4, "b");
  declareDense(a, {in.c, in.w, in.h, in.n});
  declareDense(b, {in.c, in.w, in.h, in.n});
  k.params = {a, b};
  Var c("c"), x("x"), y("y"), n("n");
  Func out("output");
  out(c, x, y, n) = applyActivation(activation, a(c, x, y, n) + b(c, x, y, n));
  declareDense(out.output_buffer(), {in.c, in.w, in.h, in.n});
  scheduleRowsParallel(out, c, x, y, n, in.c, in.w, vw);
  finishPipeline(k, {out}, "rows parallel, channels vectorized");
  return k;
}

KernelPipeline buildGlobalAvgPool(const TensorShape &in, bool hasPrologue,
                                  Activation activation, const Target &target) {
  const int vw = floatVectorWidth(target);
  KernelPipeline k;
  ImageParam input(Float(32), 4, "input"), ss(Float(32), 3, "scale_shift");
  declareDense(input, {in.c, in.w, in.h, in.n});
  k.params = {input};
  if (hasPrologue) {
    declareDense(ss, {in.c, 2, in.n});
    k.params.push_back(ss);
  }
  Var c("c"), n("n");
  // Per-row partial sums (fp32 over at most one row), then the rows summed:
  // a tree of depth two keeps the fp32 error at ~(W + H) ulp, not W*H.
  Func rowSum("row_sum");
  Var y("y");
  RDom rx(0, int(in.w), "rx");
  Expr rv = input(c, rx, y, n);
  rv = hasPrologue ? applyActivation(activation, rv * ss(c, 0, n) + ss(c, 1, n))
                   : applyActivation(activation, rv);
  rowSum(c, y, n) = 0.0f;
  rowSum(c, y, n) += rv;
  RDom ry(0, int(in.h), "ry");
  Func out("output");
  out(c, n) = 0.0f;
  out(c, n) += rowSum(c, ry, n);
  // Output = sum / (H * W).
  Func result("output");
  result(c, n) = out(c, n) * float(1.0 / double(in.w * in.h));
  declareDense(result.output_buffer(), {in.c, in.n});

  const int cb = in.c % (4 * vw) == 0 ? 4 * vw : (in.c % vw == 0 ? vw : 1);
  Var co("co"), ci("ci"), t("t");
  result.split(c, co, ci, cb).fuse(co, n, t).parallel(t);
  if (cb > 1)
    result.vectorize(ci, vw);
  out.compute_at(result, t);
  rowSum.compute_at(result, t);
  if (cb > 1) {
    out.vectorize(c, vw);
    out.update().reorder(c, ry, n).vectorize(c, vw).unroll(c);
    rowSum.vectorize(c, vw);
    rowSum.update().reorder(c, rx, y, n).vectorize(c, vw).unroll(c);
  }
  finishPipeline(k, {result},
                 "channel blocks parallel, rows summed then summed");
  return k;
}

namespace {
/// Labels per block of the packed linear weights: up to 4 vectors.
int64_t linearBlock(int64_t labels, const Target &target) {
  const int64_t vw = floatVectorWidth(target);
  return std::min<int64_t>(4 * vw, ceilDiv(labels, vw) * vw);
}
} // namespace

std::vector<int> packedLinearWeightShape(int64_t inFeatures, int64_t labels,
                                         const Target &target) {
  const int64_t LB = linearBlock(labels, target);
  return {int(LB), int(inFeatures), int(ceilDiv(labels, LB))};
}

std::vector<float> packLinearWeights(int64_t inFeatures, int64_t labels,
                                     const Target &target, const float *weights) {
  const int64_t LB = linearBlock(labels, target);
  const int64_t blocks = ceilDiv(labels, LB);
  std::vector<float> packed(size_t(blocks * inFeatures * LB), 0.0f);
  for (int64_t l = 0; l < labels; ++l)
    for (int64_t c = 0; c < inFeatures; ++c)
      packed[size_t(((l / LB) * inFeatures + c) * LB + l % LB)] =
          weights[l * inFeatures + c];
  return packed;
}

KernelPipeline buildLinear(int64_t batch, int64_t inFeatures, int64_t labels,
                           const Target &target) {
  const int vw = floatVectorWidth(target);
  const int LB = int(linearBlock(labels, target));
  const int64_t blocks = ceilDiv(labels, LB);
  KernelPipeline k;
  ImageParam input(Float(32), 2, "input"), weights(Float(32), 3, "weights"),
      bias(Float(32), 1, "bias");
  declareDense(input, {inFeatures, batch});
  declareDense(weights, {LB, inFeatures, blocks});
  declareDense(bias, {labels});
  k.params = {input, weights, bias};
  Var l("l"), n("n");
  RDom r(0, int(inFeatures), "r");
  Func acc("acc");
  acc(l, n) = 0.0f;
  acc(l, n) += weights(l % LB, r, l / LB) * input(r, n);
  Func out("output");
  out(l, n) = acc(l, n) + bias(l);
  declareDense(out.output_buffer(), {labels, batch});

  // One task per label block (its weights are one contiguous panel, read
  // once per call); inside, images in groups of up to 3: a register tile of
  // LB/vw vectors x 3 images, every weight vector loaded once per group.
  const int nb = int(std::min<int64_t>(batch, 3));
  Var lo("lo"), li("li"), no("no"), ni("ni");
  out.split(l, lo, li, LB, TailStrategy::GuardWithIf)
      .split(n, no, ni, nb, TailStrategy::ShiftInwards)
      .reorder(li, ni, no, lo)
      .parallel(lo);
  acc.compute_at(out, no).bound_extent(l, LB).bound_extent(n, nb)
      .store_in(MemoryType::Register);
  out.vectorize(li, vw).unroll(li);
  acc.vectorize(l, vw).unroll(l).unroll(n);
  // Images innermost: their broadcasts stay live while each weight vector
  // is loaded once and used for all of them (acc + 3 + 1 registers).
  Var lvo("lvo"), lvi("lvi");
  acc.update().split(l, lvo, lvi, vw).reorder(lvi, n, lvo, r)
      .vectorize(lvi).unroll(n).unroll(lvo);
  finishPipeline(k, {out},
                 "label blocks parallel, weights panel per block, "
                 "register tile of labels x 3 images");
  return k;
}

} // namespace bitc::kernels
