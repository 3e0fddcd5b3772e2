//===- NormKernels.cpp - Group-norm statistics ----------------------------===//
//
// Both kernels produce the per-(n, c) scale/shift (c, 2, n):
//   scale = gamma[c] * rstd(n, g(c)),  shift = beta[c] - scale * mean(n, g(c)).
//
// Numerics: buildGroupNormStats is an exact two-pass algorithm: per-(row,
// channel) fp32 sums over one row (at most W terms), accumulated per group in
// double; then the same for squared deviations from that mean.
// buildGroupNormCombine merges per-tile (count, mean, M2) with Chan's formula
// in closed form, in double:
//   mean = sum_t n_t m_t / N,   M2 = sum_t (M2_t + n_t (m_t - mean)^2),
// which is the pairwise update applied to all tiles at once (no E[x^2]-m^2).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/KernelUtil.h"

using namespace Halide;
using Halide::Internal::make_const;

namespace {
Expr f64(double v) { return make_const(Float(64), v); }
} // namespace

namespace bitc::kernels {
using namespace detail;

namespace {

/// scale/shift (c, 2, n) from per-(group, n) mean and variance (double).
Func scaleShift(Func mean, Func var, ImageParam gamma, ImageParam beta,
                int64_t channelsPerGroup, double eps, Var c, Var k, Var n) {
  Expr g = c / int(channelsPerGroup);
  Expr rstd = f64(1.0) / sqrt(var(g, n) + f64(eps));
  Expr scale = cast<double>(gamma(c)) * rstd;
  Expr shift = cast<double>(beta(c)) - scale * mean(g, n);
  Func out("output");
  out(c, k, n) = cast<float>(select(k == 0, scale, shift));
  return out;
}

} // namespace

KernelPipeline buildGroupNormStats(const TensorShape &in, int64_t groups,
                                   double eps, const Target &target) {
  const int vw = floatVectorWidth(target);
  const int64_t Cg = in.c / groups;
  KernelPipeline k;
  ImageParam input(Float(32), 4, "input"), gamma(Float(32), 1, "gamma"),
      beta(Float(32), 1, "beta");
  declareDense(input, {in.c, in.w, in.h, in.n});
  declareDense(gamma, {in.c});
  declareDense(beta, {in.c});
  k.params = {input, gamma, beta};

  Var c("c"), y("y"), n("n"), g("g"), kk("k");
  RDom rx(0, int(in.w), "rx");
  RDom rg(0, int(Cg), 0, int(in.h), "rg");
  const double count = double(Cg * in.h * in.w);

  Func rowSum("row_sum");
  rowSum(c, y, n) = 0.0f;
  rowSum(c, y, n) += input(c, rx, y, n);
  Func mean("mean");
  mean(g, n) = f64(0.0);
  mean(g, n) += cast<double>(rowSum(g * int(Cg) + rg.x, rg.y, n));
  Func meanN("mean_n");
  meanN(g, n) = mean(g, n) / f64(count);
  Func meanF("mean_f");
  meanF(c, n) = cast<float>(meanN(c / int(Cg), n));
  Func rowSq("row_sq");
  rowSq(c, y, n) = 0.0f;
  Expr d = input(c, rx, y, n) - meanF(c, n);
  rowSq(c, y, n) += d * d;
  Func var("var");
  var(g, n) = f64(0.0);
  var(g, n) += cast<double>(rowSq(g * int(Cg) + rg.x, rg.y, n));
  // The centred second pass is shifted by the float-rounded mean; correct the
  // variance for that shift exactly: var = E[(x-a)^2] - (mean-a)^2.
  Func varN("var_n");
  Expr shiftErr = meanN(g, n) - cast<double>(cast<float>(meanN(g, n)));
  varN(g, n) = max(var(g, n) / f64(count) - shiftErr * shiftErr, f64(0.0));
  Func out = scaleShift(meanN, varN, gamma, beta, Cg, eps, c, kk, n);
  declareDense(out.output_buffer(), {in.c, 2, in.n});

  Var yn("yn");
  for (Func f : {rowSum, rowSq}) {
    f.compute_root();
    f.update().reorder(c, rx, y, n).fuse(y, n, yn).parallel(yn);
    if (in.c >= vw) {
      f.vectorize(c, vw);
      f.update().vectorize(c, vw);
    }
  }
  meanN.compute_root();
  meanF.compute_root();
  varN.compute_root();
  out.compute_root();
  if (in.c >= vw)
    meanF.vectorize(c, vw);

  finishPipeline(
      k, {out}, "two passes (row sums fp32, group sums double), rows parallel");
  return k;
}

KernelPipeline buildGroupNormCombine(int64_t batch, int64_t channels,
                                     int64_t groups, int64_t tiles, double eps,
                                     const Target &target) {
  (void)target;
  const int64_t Cg = channels / groups;
  KernelPipeline k;
  ImageParam partials(Float(32), 4, "partials"), gamma(Float(32), 1, "gamma"),
      beta(Float(32), 1, "beta");
  declareDense(partials, {3, groups, tiles, batch});
  declareDense(gamma, {channels});
  declareDense(beta, {channels});
  k.params = {partials, gamma, beta};

  Var c("c"), n("n"), g("g"), kk("k");
  RDom rt(0, int(tiles), "rt");
  auto cnt = [&](Expr t) { return cast<double>(partials(0, g, t, n)); };
  auto mu = [&](Expr t) { return cast<double>(partials(1, g, t, n)); };
  auto m2 = [&](Expr t) { return cast<double>(partials(2, g, t, n)); };

  Func total("total"), weighted("weighted");
  total(g, n) = f64(0.0);
  total(g, n) += cnt(rt);
  weighted(g, n) = f64(0.0);
  weighted(g, n) += cnt(rt) * mu(rt);
  Func mean("mean");
  mean(g, n) = weighted(g, n) / total(g, n);
  Func m2sum("m2sum");
  m2sum(g, n) = f64(0.0);
  Expr dm = mu(rt) - mean(g, n);
  m2sum(g, n) += m2(rt) + cnt(rt) * dm * dm;
  Func var("var");
  var(g, n) = m2sum(g, n) / total(g, n);
  Func out = scaleShift(mean, var, gamma, beta, Cg, eps, c, kk, n);
  declareDense(out.output_buffer(), {channels, 2, batch});
  for (Func f : {total, weighted, mean, m2sum, var})
    f.compute_root();
  out.compute_root();

  finishPipeline(k, {out}, "closed-form Chan merge in double (tiny)");
  return k;
}

} // namespace bitc::kernels
