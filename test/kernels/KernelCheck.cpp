//===- KernelCheck.cpp - JIT every kernel builder and compare with double --===//
//
// kernel-check [--target=<halide target>] [filter]
// Builds each kernel for a set of awkward specs (odd sizes, asymmetric
// padding, stride 2, dilation 2, every activation, residual, stats with a
// short last tile, NCHW input, batch 2), JIT-compiles it (default target
// x86-64-linux-avx2-fma-f16c, the deployment target) and compares with naive
// double loops: max |diff| <= 1e-4 * max(1, max |ref|) per output. Exits 1 on
// any failure.
//
//===----------------------------------------------------------------------===//

#include "test/kernels/Reference.h"
#include "codegen/kernels/Kernels.h"

#include <HalideBuffer.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>

using namespace bitc::kernels;
using Halide::Buffer;

namespace {

Halide::Target gTarget;
int gFailures = 0, gChecks = 0;

struct Rng {
  std::mt19937 gen{12345};
  float uniform(float lo, float hi) {
    return std::uniform_real_distribution<float>(lo, hi)(gen);
  }
  std::vector<float> vec(size_t n, float lo = -1, float hi = 1) {
    std::vector<float> v(n);
    for (float &x : v)
      x = uniform(lo, hi);
    return v;
  }
};

/// A dense Halide buffer over `data` with Halide-order extents.
Buffer<float> wrap(std::vector<float> &data, std::vector<int> extents) {
  return Buffer<float>(data.data(), extents);
}

bool compare(const std::string &what, const float *got,
             const std::vector<double> &want, double tol = 1e-4) {
  double maxRef = 1.0, maxDiff = 0.0;
  size_t worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    maxRef = std::max(maxRef, std::abs(want[i]));
    double d = std::abs(double(got[i]) - want[i]);
    if (!(d <= maxDiff)) {
      maxDiff = d;
      worst = i;
    }
  }
  bool ok = maxDiff <= tol * maxRef;
  ++gChecks;
  if (!ok)
    ++gFailures;
  std::printf("%-4s %-58s max|diff| %.3g (limit %.3g)%s\n", ok ? "ok" : "FAIL",
              what.c_str(), maxDiff, tol * maxRef,
              ok ? "" : (" at " + std::to_string(worst) + ": got " +
                         std::to_string(got[worst]) + " want " +
                         std::to_string(want[worst]))
                            .c_str());
  return ok;
}

/// The AOT path the compiler uses: lower to a module without runtime and make
/// sure no constant buffer got embedded (weights must stay arguments).
void checkAot(KernelPipeline &k, const std::string &what) {
  static int counter = 0;
  Halide::Target t = gTarget.with_feature(Halide::Target::NoRuntime)
                         .with_feature(Halide::Target::NoAsserts)
                         .with_feature(Halide::Target::NoBoundsQuery);
  Halide::Module m = k.pipeline.compile_to_module(
      k.inputs, "kernel_" + std::to_string(counter++), t);
  bool ok = m.buffers().empty() &&
            k.inputs.size() + k.outputs.size() == k.arguments().size();
  ++gChecks;
  if (!ok) {
    ++gFailures;
    std::printf("FAIL aot %s: %zu embedded buffers\n", what.c_str(),
                m.buffers().size());
  }
}

std::string actName(Activation a) {
  return mlir::bit::stringifyActivation(a).str();
}

std::string describe(const ConvSpec &s) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "conv n%lld %lldx%lldx%lld->%lld k%lldx%lld s%lld d%lld "
                "p[%lld,%lld,%lld,%lld]%s%s%s%s%s",
                (long long)s.batch, (long long)s.inC, (long long)s.inH,
                (long long)s.inW, (long long)s.outC, (long long)s.kernelH,
                (long long)s.kernelW, (long long)s.strideH,
                (long long)s.dilationH, (long long)s.padTop,
                (long long)s.padLeft, (long long)s.padBottom,
                (long long)s.padRight, s.inputNCHW ? " nchw" : "",
                s.hasPrologue ? " pro:" : "",
                s.hasPrologue ? actName(s.prologueActivation).c_str() : "",
                s.hasResidual ? " +res" : "", s.hasStats ? " stats" : "");
  return buf;
}

/// Checks buildConv (winogradTile 0) or buildWinogradConv(winogradTile) on
/// `s`; `tol` relative to max(1, max |ref|).
void checkConv(const ConvSpec &s, float residualOffset = 0.0f,
               int winogradTile = 0, double tol = 1e-4) {
  Rng rng;
  const int64_t OH = s.outH(), OW = s.outW();
  std::vector<float> in = rng.vec(size_t(s.batch * s.inC * s.inH * s.inW));
  std::vector<float> w = rng.vec(size_t(s.outC * s.inC * s.kernelH * s.kernelW),
                                 -0.5f, 0.5f);
  std::vector<float> pro(size_t(s.batch * 2 * s.inC));
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t c = 0; c < s.inC; ++c) {
      pro[size_t((n * 2 + 0) * s.inC + c)] = rng.uniform(0.5f, 2.0f);
      pro[size_t((n * 2 + 1) * s.inC + c)] = rng.uniform(-1.0f, 1.0f);
    }
  std::vector<float> res = rng.vec(size_t(s.batch * OH * OW * s.outC));
  for (float &v : res)
    v += residualOffset;
  std::vector<double> want, wantStats;
  ref::conv(s, in.data(), w.data(), pro.data(), res.data(), want, wantStats);

  KernelPipeline k = winogradTile ? buildWinogradConv(s, winogradTile, gTarget)
                                  : buildConv(s, gTarget);
  std::vector<float> packed =
      winogradTile ? packWinogradWeights(s, winogradTile, gTarget, w.data())
                   : packConvWeights(s, gTarget, w.data());
  std::vector<int> wshape =
      winogradTile ? packedWinogradWeightShape(s, winogradTile, gTarget)
                   : packedConvWeightShape(s, gTarget);
  size_t p = 0;
  if (s.inputNCHW)
    k.params[p++].set(wrap(in, {int(s.inW), int(s.inH), int(s.inC), int(s.batch)}));
  else
    k.params[p++].set(wrap(in, {int(s.inC), int(s.inW), int(s.inH), int(s.batch)}));
  k.params[p++].set(wrap(packed, wshape));
  if (s.hasPrologue)
    k.params[p++].set(wrap(pro, {int(s.inC), 2, int(s.batch)}));
  if (s.hasResidual)
    k.params[p++].set(wrap(res, {int(s.outC), int(OW), int(OH), int(s.batch)}));
  Buffer<float> out(int(s.outC), int(OW), int(OH), int(s.batch));
  std::vector<Buffer<void>> outs = {out};
  Buffer<float> stats;
  if (s.hasStats) {
    stats = Buffer<float>(3, int(s.statsGroups), int(s.statsTiles()), int(s.batch));
    outs.push_back(stats);
  }
  Halide::Realization real(outs);
  k.pipeline.realize(real, gTarget);
  std::string name = describe(s);
  if (winogradTile)
    name += " F" + std::to_string(winogradTile);
  checkAot(k, name);
  std::printf("     [%s]\n", k.scheduleNote.c_str());
  compare(name, out.data(), want, tol);
  if (s.hasStats) {
    // Compare count, mean and M2 separately, each at its own scale.
    for (int comp = 0; comp < 3; ++comp) {
      std::vector<float> got;
      std::vector<double> ref;
      for (size_t i = comp; i < wantStats.size(); i += 3) {
        got.push_back(stats.data()[i]);
        ref.push_back(wantStats[i]);
      }
      static const char *names[] = {"count", "mean", "M2"};
      compare("  stats " + std::string(names[comp]), got.data(), ref, tol);
    }
  }
}

ConvSpec conv(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oc, int64_t k,
              int64_t stride, int64_t dil, int64_t pt, int64_t pl, int64_t pb,
              int64_t pr) {
  ConvSpec s;
  s.batch = n;
  s.inC = c;
  s.inH = h;
  s.inW = w;
  s.outC = oc;
  s.kernelH = s.kernelW = k;
  s.strideH = s.strideW = stride;
  s.dilationH = s.dilationW = dil;
  s.padTop = pt;
  s.padLeft = pl;
  s.padBottom = pb;
  s.padRight = pr;
  return s;
}

ConvSpec withPrologue(ConvSpec s, Activation a) {
  s.hasPrologue = true;
  s.prologueActivation = a;
  return s;
}
ConvSpec withStats(ConvSpec s, int64_t groups, int64_t rows) {
  s.hasStats = true;
  s.statsGroups = groups;
  s.statsTileRows = rows;
  return s;
}

void convTests() {
  ConvSpec s;
  // 3x3, prologue relu, residual (offset 10 to make means large), stats with a
  // short last tile.
  s = withStats(withPrologue(conv(1, 16, 17, 19, 48, 3, 1, 1, 1, 1, 1, 1),
                             Activation::Relu),
                8, 4);
  s.hasResidual = true;
  checkConv(s, 10.0f);
  // 97x97, stride 2, TF-SAME style asymmetric padding, gelu.
  checkConv(withPrologue(conv(1, 8, 97, 97, 32, 3, 2, 1, 0, 0, 1, 1),
                         Activation::Gelu));
  // asymmetric padding on every side, odd width.
  checkConv(withPrologue(conv(1, 16, 23, 21, 64, 3, 1, 1, 2, 0, 1, 2),
                         Activation::Selu));
  // dilation 2, channels not a multiple of the block, gelu_tanh.
  checkConv(withPrologue(conv(1, 24, 13, 11, 40, 3, 1, 2, 2, 2, 2, 2),
                         Activation::GeluTanh));
  // 1x1, selu prologue, stats with 4 groups, 3-row tiles.
  checkConv(withStats(withPrologue(conv(1, 64, 7, 7, 24, 1, 1, 1, 0, 0, 0, 0),
                                   Activation::Selu),
                      4, 3));
  // 1x1 stride 2 downsample, prologue without activation.
  checkConv(withPrologue(conv(1, 32, 15, 15, 64, 1, 2, 1, 0, 0, 0, 0),
                         Activation::None));
  // stem: 7x7 stride 2 pad 3 from NCHW.
  {
    ConvSpec st = conv(1, 3, 97, 97, 16, 7, 2, 1, 3, 3, 3, 3);
    st.inputNCHW = true;
    checkConv(st);
    st.batch = 2;
    st.outC = 64;
    st.inH = 45;
    checkConv(st);
  }
  // raw input (no staging), odd channel counts, residual.
  {
    ConvSpec r = conv(1, 20, 5, 9, 36, 1, 1, 1, 0, 0, 0, 0);
    r.hasResidual = true;
    checkConv(r);
  }
  // odd input channel count > 4, 3x3 valid.
  checkConv(withPrologue(conv(1, 5, 12, 12, 16, 3, 1, 1, 0, 0, 0, 0),
                         Activation::Relu));
  // batch 2 with stats and residual.
  {
    ConvSpec b = withStats(withPrologue(conv(2, 32, 14, 14, 64, 3, 1, 1, 1, 1, 1, 1),
                                        Activation::Relu),
                           32, 2);
    b.hasResidual = true;
    checkConv(b, 1000.0f); // large mean: the statistics must not cancel
  }
  // fewer output channels than a vector, and a 1x1 image.
  checkConv(withPrologue(conv(1, 3, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1), Activation::Relu));
  checkConv(withStats(withPrologue(conv(2, 64, 1, 1, 16, 1, 1, 1, 0, 0, 0, 0),
                                   Activation::Relu),
                      4, 1));
  // tiny spatial extent.
  checkConv(withPrologue(conv(1, 16, 2, 2, 32, 3, 1, 1, 1, 1, 1, 1),
                         Activation::Relu));
  // Large weights, small plane: blocks-outer direct mode with statistics in a
  // second pass; then a 3x3 with blocks outer, residual, stride 2.
  checkConv(withStats(withPrologue(conv(1, 512, 5, 6, 1024, 1, 1, 1, 0, 0, 0, 0),
                                   Activation::Relu),
                      32, 2));
  {
    ConvSpec b = withPrologue(conv(1, 128, 11, 9, 96, 3, 2, 1, 1, 1, 1, 1),
                              Activation::Gelu);
    b.hasResidual = true;
    checkConv(b);
  }
  // Planes 7k pixels wide (the 2-vector x (7x2)-pixel AVX-512 tile of the 3x3
  // layers): stride 1 and 2 with row bands of several tiles and statistics,
  // and an odd height (7x2 tiles must not be used there).
  checkConv(withStats(withPrologue(conv(1, 64, 28, 28, 64, 3, 1, 1, 1, 1, 1, 1),
                                   Activation::Relu),
                      32, 7));
  checkConv(withStats(withPrologue(conv(1, 64, 28, 28, 128, 3, 2, 1, 1, 1, 1, 1),
                                   Activation::Relu),
                      32, 7));
  checkConv(withStats(withPrologue(conv(1, 32, 7, 7, 64, 3, 1, 1, 1, 1, 1, 1),
                                   Activation::Relu),
                      32, 7));
  // An R50x1 @448 conv3: 6.4 MB output with residual and the compiler's
  // 18-row statistics tiles (short last tile), reduced by the second pass.
  {
    ConvSpec b = withStats(withPrologue(conv(1, 128, 56, 56, 512, 1, 1, 1, 0, 0, 0, 0),
                                        Activation::Relu),
                           32, 18);
    b.hasResidual = true;
    checkConv(b, 10.0f);
  }
  // An output over 16 MB (R50x3-like widths at 448): the statistics are fused
  // per band (band buffer, copy, reduction while hot) instead of a second
  // pass; residual, 8-row tiles with a short last one.
  {
    ConvSpec b = withStats(withPrologue(conv(1, 64, 130, 128, 256, 1, 1, 1, 0, 0, 0, 0),
                                        Activation::Relu),
                           32, 8);
    b.hasResidual = true;
    checkConv(b, 10.0f);
  }
  // 1x1 with 2048 outputs, stats 1-row tiles.
  checkConv(withStats(withPrologue(conv(1, 64, 7, 7, 2048, 1, 1, 1, 0, 0, 0, 0),
                                   Activation::Relu),
                      32, 1));
}

/// Winograd F(2x2) and F(4x4) for stride-1 3x3 convs. Tolerances relative
/// to max(1, max |ref|): 1e-4 (F2, like direct) and 3e-4 (F4: the transforms'
/// coefficients up to 8 and 1/6 amplify fp32 rounding).
void winogradTests() {
  for (int m : {2, 4}) {
    const double tol = m == 2 ? 1e-4 : 3e-4;
    // prologue relu, residual (large means), stats with a short last tile,
    // 13x9 plane (partial tiles on both axes).
    ConvSpec s = withStats(withPrologue(conv(1, 16, 13, 9, 48, 3, 1, 1, 1, 1, 1, 1),
                                        Activation::Relu),
                           8, 4);
    s.hasResidual = true;
    checkConv(s, 10.0f, m, tol);
    // 7x7 (the deepest BiT plane at 224), many channels, stats.
    checkConv(withStats(withPrologue(conv(1, 256, 7, 7, 256, 3, 1, 1, 1, 1, 1, 1),
                                     Activation::Relu),
                        32, 7),
              0.0f, m, tol);
    // batch 2, channels not a multiple of the vector, gelu.
    {
      ConvSpec b = withPrologue(conv(2, 20, 11, 14, 36, 3, 1, 1, 1, 1, 1, 1),
                                Activation::Gelu);
      b.hasResidual = true;
      checkConv(b, 0.0f, m, tol);
    }
    // no prologue, fewer input channels than a vector, asymmetric padding.
    checkConv(conv(1, 3, 10, 9, 16, 3, 1, 1, 0, 1, 2, 0), 0.0f, m, tol);
    // BiT stage 1 shape at 56x56 (many tiles: tile-parallel), stats.
    checkConv(withStats(withPrologue(conv(1, 64, 56, 56, 64, 3, 1, 1, 1, 1, 1, 1),
                                     Activation::Relu),
                        32, 8),
              0.0f, m, tol);
    // batch 2, stats, residual with a large mean.
    {
      ConvSpec b = withStats(withPrologue(conv(2, 32, 14, 14, 64, 3, 1, 1, 1, 1, 1, 1),
                                          Activation::Relu),
                             32, 2);
      b.hasResidual = true;
      checkConv(b, 1000.0f, m, tol);
    }
  }
}

void simpleTests() {
  Rng rng;
  // Max pool after zero padding (stem: pad 1 each side; TF-SAME [0,0,1,1]).
  for (auto pads : std::vector<std::array<int64_t, 4>>{{1, 1, 1, 1}, {0, 0, 1, 1}}) {
    TensorShape sh{2, 24, 19, 17};
    std::vector<float> in = rng.vec(size_t(sh.n * sh.c * sh.h * sh.w), -2, 0.5f);
    const int64_t k = 3, st = 2;
    int64_t OH = (sh.h + pads[0] + pads[2] - k) / st + 1;
    int64_t OW = (sh.w + pads[1] + pads[3] - k) / st + 1;
    std::vector<double> want(size_t(sh.n * OH * OW * sh.c));
    for (int64_t n = 0; n < sh.n; ++n)
      for (int64_t y = 0; y < OH; ++y)
        for (int64_t x = 0; x < OW; ++x)
          for (int64_t c = 0; c < sh.c; ++c) {
            double m = -1e30;
            for (int64_t ky = 0; ky < k; ++ky)
              for (int64_t kx = 0; kx < k; ++kx) {
                int64_t iy = y * st + ky - pads[0], ix = x * st + kx - pads[1];
                double v = (iy < 0 || iy >= sh.h || ix < 0 || ix >= sh.w)
                               ? 0.0
                               : in[size_t(((n * sh.h + iy) * sh.w + ix) * sh.c + c)];
                m = std::max(m, v);
              }
            want[size_t(((n * OH + y) * OW + x) * sh.c + c)] = m;
          }
    KernelPipeline kp = buildMaxPool(sh, k, st, pads[0], pads[1], pads[2], pads[3], gTarget);
    kp.params[0].set(wrap(in, {int(sh.c), int(sh.w), int(sh.h), int(sh.n)}));
    Buffer<float> out(int(sh.c), int(OW), int(OH), int(sh.n));
    kp.pipeline.realize(out, gTarget);
    checkAot(kp, "small kernel");
    compare("maxpool 3x3 s2 pads [" + std::to_string(pads[0]) + "," +
                std::to_string(pads[1]) + "," + std::to_string(pads[2]) + "," +
                std::to_string(pads[3]) + "]",
            out.data(), want);
  }
  // Pad.
  {
    TensorShape sh{1, 5, 6, 7};
    std::vector<float> in = rng.vec(size_t(sh.c * sh.h * sh.w));
    int64_t pt = 1, pl = 0, pb = 2, pr = 3, OH = sh.h + 3, OW = sh.w + 3;
    std::vector<double> want(size_t(OH * OW * sh.c));
    for (int64_t y = 0; y < OH; ++y)
      for (int64_t x = 0; x < OW; ++x)
        for (int64_t c = 0; c < sh.c; ++c) {
          int64_t iy = y - pt, ix = x - pl;
          want[size_t((y * OW + x) * sh.c + c)] =
              (iy < 0 || iy >= sh.h || ix < 0 || ix >= sh.w)
                  ? 0.25
                  : in[size_t((iy * sh.w + ix) * sh.c + c)];
        }
    KernelPipeline kp = buildPad(sh, pt, pl, pb, pr, 0.25f, gTarget);
    kp.params[0].set(wrap(in, {int(sh.c), int(sh.w), int(sh.h), 1}));
    Buffer<float> out(int(sh.c), int(OW), int(OH), 1);
    kp.pipeline.realize(out, gTarget);
    checkAot(kp, "small kernel");
    compare("pad [1,0,2,3] value 0.25", out.data(), want);
  }
  // Group-norm statistics with a large mean (fp32 sum-of-squares would fail).
  for (int64_t groups : {32, 8}) {
    TensorShape sh{2, 64, 13, 11};
    std::vector<float> in = rng.vec(size_t(sh.n * sh.c * sh.h * sh.w));
    for (float &v : in)
      v = 300.0f + v;
    std::vector<float> gamma = rng.vec(size_t(sh.c), 0.5f, 1.5f);
    std::vector<float> beta = rng.vec(size_t(sh.c));
    std::vector<double> want =
        ref::groupNormScaleShift(sh, in.data(), groups, 1e-5, gamma.data(), beta.data());
    KernelPipeline kp = buildGroupNormStats(sh, groups, 1e-5, gTarget);
    kp.params[0].set(wrap(in, {int(sh.c), int(sh.w), int(sh.h), int(sh.n)}));
    kp.params[1].set(wrap(gamma, {int(sh.c)}));
    kp.params[2].set(wrap(beta, {int(sh.c)}));
    Buffer<float> out(int(sh.c), 2, int(sh.n));
    kp.pipeline.realize(out, gTarget);
    checkAot(kp, "small kernel");
    // Scale/shift are O(gamma / std): compare at that scale.
    compare("group_norm_stats mean 300 groups " + std::to_string(groups),
            out.data(), want);

    // The same statistics through conv-style partials and the combine kernel.
    const int64_t T = 4, tiles = (sh.h + T - 1) / T, Cg = sh.c / groups;
    std::vector<float> partials(size_t(sh.n * tiles * groups * 3));
    for (int64_t n = 0; n < sh.n; ++n)
      for (int64_t t = 0; t < tiles; ++t)
        for (int64_t g = 0; g < groups; ++g) {
          double sum = 0, cnt = 0, m2 = 0;
          int64_t y1 = std::min(sh.h, (t + 1) * T);
          for (int pass = 0; pass < 2; ++pass)
            for (int64_t y = t * T; y < y1; ++y)
              for (int64_t x = 0; x < sh.w; ++x)
                for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
                  double v = in[size_t(((n * sh.h + y) * sh.w + x) * sh.c + c)];
                  if (pass == 0) {
                    sum += v;
                    cnt += 1;
                  } else {
                    m2 += (v - sum / cnt) * (v - sum / cnt);
                  }
                }
          float *p = &partials[size_t(((n * tiles + t) * groups + g) * 3)];
          p[0] = float(cnt);
          p[1] = float(sum / cnt);
          p[2] = float(m2);
        }
    KernelPipeline kc = buildGroupNormCombine(sh.n, sh.c, groups, tiles, 1e-5, gTarget);
    kc.params[0].set(wrap(partials, {3, int(groups), int(tiles), int(sh.n)}));
    kc.params[1].set(wrap(gamma, {int(sh.c)}));
    kc.params[2].set(wrap(beta, {int(sh.c)}));
    Buffer<float> out2(int(sh.c), 2, int(sh.n));
    kc.pipeline.realize(out2, gTarget);
    checkAot(kc, "combine");
    compare("group_norm_combine mean 300 groups " + std::to_string(groups),
            out2.data(), want);
  }
  // Apply norm (every activation, with and without residual) and add.
  for (uint32_t k = 0; k <= mlir::bit::getMaxEnumValForActivation(); ++k)
    for (bool res : {false, true}) {
      Activation a = *mlir::bit::symbolizeActivation(k);
      TensorShape sh{2, 40, 5, 7};
      size_t count = size_t(sh.n * sh.c * sh.h * sh.w);
      std::vector<float> in = rng.vec(count, -4, 4), r = rng.vec(count, -2, 2);
      std::vector<float> ss = rng.vec(size_t(sh.n * 2 * sh.c), -1.5f, 1.5f);
      std::vector<double> want(count);
      for (size_t i = 0; i < count; ++i) {
        int64_t c = int64_t(i) % sh.c, n = int64_t(i) / (sh.c * sh.h * sh.w);
        double v = double(in[i]) * ss[size_t((n * 2) * sh.c + c)] +
                   ss[size_t((n * 2 + 1) * sh.c + c)];
        if (res)
          v += r[i];
        want[i] = ref::activation(a, v);
      }
      KernelPipeline kp = buildApplyNorm(sh, res, a, gTarget);
      kp.params[0].set(wrap(in, {int(sh.c), int(sh.w), int(sh.h), int(sh.n)}));
      kp.params[1].set(wrap(ss, {int(sh.c), 2, int(sh.n)}));
      if (res)
        kp.params[2].set(wrap(r, {int(sh.c), int(sh.w), int(sh.h), int(sh.n)}));
      Buffer<float> out(int(sh.c), int(sh.w), int(sh.h), int(sh.n));
      kp.pipeline.realize(out, gTarget);
    checkAot(kp, "small kernel");
      compare(std::string("apply_norm ") + actName(a) + (res ? " +res" : ""),
              out.data(), want);
      if (!res) {
        std::vector<double> wantAdd(count);
        for (size_t i = 0; i < count; ++i)
          wantAdd[i] = ref::activation(a, double(in[i]) + r[i]);
        KernelPipeline ka = buildAdd(sh, a, gTarget);
        ka.params[0].set(wrap(in, {int(sh.c), int(sh.w), int(sh.h), int(sh.n)}));
        ka.params[1].set(wrap(r, {int(sh.c), int(sh.w), int(sh.h), int(sh.n)}));
        Buffer<float> out2(int(sh.c), int(sh.w), int(sh.h), int(sh.n));
        ka.pipeline.realize(out2, gTarget);
        checkAot(ka, "add");
        compare(std::string("add ") + actName(a), out2.data(), wantAdd);
      }
    }
  // Global average pool with and without prologue.
  for (bool pro : {false, true}) {
    TensorShape sh{2, 48, 7, 9};
    size_t count = size_t(sh.n * sh.c * sh.h * sh.w);
    std::vector<float> in = rng.vec(count, -2, 2);
    std::vector<float> ss = rng.vec(size_t(sh.n * 2 * sh.c), -1.5f, 1.5f);
    std::vector<double> want(size_t(sh.n * sh.c), 0.0);
    for (size_t i = 0; i < count; ++i) {
      int64_t c = int64_t(i) % sh.c, n = int64_t(i) / (sh.c * sh.h * sh.w);
      double v = in[i];
      if (pro)
        v = ref::activation(Activation::Relu,
                            v * ss[size_t((n * 2) * sh.c + c)] +
                                ss[size_t((n * 2 + 1) * sh.c + c)]);
      want[size_t(n * sh.c + c)] += v / double(sh.h * sh.w);
    }
    KernelPipeline kp = buildGlobalAvgPool(sh, pro, pro ? Activation::Relu : Activation::None, gTarget);
    kp.params[0].set(wrap(in, {int(sh.c), int(sh.w), int(sh.h), int(sh.n)}));
    if (pro)
      kp.params[1].set(wrap(ss, {int(sh.c), 2, int(sh.n)}));
    Buffer<float> out(int(sh.c), int(sh.n));
    kp.pipeline.realize(out, gTarget);
    checkAot(kp, "small kernel");
    compare(std::string("global_avg_pool") + (pro ? " pro:relu" : ""), out.data(), want);
  }
  // Linear: odd label counts, batch 1, 2 and 4.
  for (auto [batch, in, labels] : std::vector<std::array<int64_t, 3>>{
           {1, 64, 37}, {2, 96, 1000}, {4, 32, 5}, {1, 2048, 1000}, {8, 100, 21}}) {
    std::vector<float> x = rng.vec(size_t(batch * in));
    std::vector<float> w = rng.vec(size_t(labels * in), -0.1f, 0.1f);
    std::vector<float> b = rng.vec(size_t(labels));
    std::vector<double> want(size_t(batch * labels));
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t l = 0; l < labels; ++l) {
        double acc = b[size_t(l)];
        for (int64_t c = 0; c < in; ++c)
          acc += double(x[size_t(n * in + c)]) * w[size_t(l * in + c)];
        want[size_t(n * labels + l)] = acc;
      }
    KernelPipeline kp = buildLinear(batch, in, labels, gTarget);
    std::vector<float> packed = packLinearWeights(in, labels, gTarget, w.data());
    kp.params[0].set(wrap(x, {int(in), int(batch)}));
    kp.params[1].set(wrap(packed, packedLinearWeightShape(in, labels, gTarget)));
    kp.params[2].set(wrap(b, {int(labels)}));
    Buffer<float> out{int(labels), int(batch)};
    kp.pipeline.realize(out, gTarget);
    checkAot(kp, "small kernel");
    compare("linear n" + std::to_string(batch) + " " + std::to_string(in) + "->" +
                std::to_string(labels),
            out.data(), want);
  }
}

} // namespace

int main(int argc, char **argv) {
  std::string targetString = "x86-64-linux-avx2-fma-f16c";
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--target=", 0) == 0)
      targetString = a.substr(9);
    else
      filter = a;
  }
  gTarget = targetString == "host" ? Halide::get_host_target()
                                   : Halide::Target(targetString);
  std::printf("target %s\n", gTarget.to_string().c_str());
  try {
    if (filter.empty() || filter == "conv")
      convTests();
    if (filter.empty() || filter == "winograd")
      winogradTests();
    if (filter.empty() || filter == "simple")
      simpleTests();
  } catch (const Halide::Error &e) {
    std::fprintf(stderr, "Halide error: %s\n", e.what());
    return 2;
  }
  std::printf("%d/%d checks passed\n", gChecks - gFailures, gChecks);
  return gFailures ? 1 : 0;
}
