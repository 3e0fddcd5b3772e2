//===- WinogradConv.cpp - Winograd F(mxm, 3x3) stride-1 convolution -------===//
//
// For each output tile of m x m pixels (m = 2 or 4, alpha = m + 2):
//   V = B^T d B        d: the alpha x alpha staged input patch (per channel)
//   M = sum_ci U * V   U = G g G^T, transformed at compile time
//   Y = A^T M A        (+ residual)
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks").
// F(4x4, 3x3) does 36 multiplies per 16 outputs instead of 144 (4x fewer),
// F(2x2, 3x3) 16 per 4 (2.25x); the larger tile amplifies fp32 rounding more.
//
// Tiles are numbered row-major, t = ty * tilesX + tx, so a block of tile rows
// is a contiguous range of t. Schedule:
//  * tile-parallel (planes with many tiles): one parallel task per block of
//    tile rows; per task, V of the block (all input channels) is computed
//    once and stays in L2; per block of output channels, M is a batched GEMM
//    per (xi, nu): a register tile of `channelVectors` vectors of output
//    channels x `tiles` tiles, input channels innermost (one weight vector
//    load per channel vector, one broadcast per tile); then the output
//    transform of the channel block writes the output;
//  * channel-parallel (few tiles, large weights): one parallel task per
//    group of output channel blocks computes V of the whole plane itself,
//    then streams only its own weights;
//  * the prologue (scale/shift + activation) is applied to each input patch
//    before the zero padding, as the direct kernel's `staged` does;
//  * statistics: a second pass over the finished output (ConvStatistics).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/ConvStatistics.h"
#include "codegen/kernels/KernelUtil.h"
#include "codegen/kernels/TaskBalance.h"
#include "codegen/kernels/WeightPrefetch.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

using namespace Halide;

namespace bitc::kernels {
using namespace detail;

namespace {

// Transform matrices, row-major.
const double kBT2[4][4] = {
    {1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
const double kG2[4][3] = {
    {1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
const double kAT2[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

const double kBT4[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                           {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                           {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
const double kG4[6][3] = {{1.0 / 4, 0, 0},
                          {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                          {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                          {1.0 / 24, 1.0 / 12, 1.0 / 6},
                          {1.0 / 24, -1.0 / 12, 1.0 / 6},
                          {0, 0, 1}};
const double kAT4[4][6] = {{1, 1, 1, 1, 1, 0},
                           {0, 1, -1, 2, -2, 0},
                           {0, 1, 1, 4, 4, 0},
                           {0, 1, -1, 8, -8, 1}};

double bt(int m, int i, int j) { return m == 2 ? kBT2[i][j] : kBT4[i][j]; }
double gm(int m, int i, int j) { return m == 2 ? kG2[i][j] : kG4[i][j]; }
double at(int m, int i, int j) { return m == 2 ? kAT2[i][j] : kAT4[i][j]; }

/// sum_j coef[j] * v[j] with the zero terms dropped and +-1 as add/sub.
Expr combine(const std::vector<double> &coef, const std::vector<Expr> &v) {
  Expr sum;
  for (size_t j = 0; j < coef.size(); ++j) {
    if (coef[j] == 0)
      continue;
    Expr term = coef[j] == 1 || coef[j] == -1 ? v[j] : v[j] * float(coef[j]);
    if (!sum.defined())
      sum = coef[j] == -1 ? -term : term;
    else
      sum = coef[j] == -1 ? sum - term : sum + term;
  }
  return sum.defined() ? sum : Expr(0.0f);
}

/// Row `selector` of (matrix x operands): mux over r < rows of
/// sum_q coef(r, q) * operand(q), q < cols; one 1-D pass of a transform.
Expr matrixTimes(const Expr &selector, int rows, int cols,
                 const std::function<double(int, int)> &coef,
                 const std::function<Expr(int)> &operand) {
  std::vector<Expr> cases;
  for (int r = 0; r < rows; ++r) {
    std::vector<double> rowCoef;
    std::vector<Expr> operands;
    for (int q = 0; q < cols; ++q) {
      rowCoef.push_back(coef(r, q));
      operands.push_back(operand(q));
    }
    cases.push_back(combine(rowCoef, operands));
  }
  return mux(selector, cases);
}

struct WinogradPlan {
  int m = 4, alpha = 6;
  int vectorWidth = 8, channelVectors = 3, tiles = 4; // register tile
  int64_t blocks = 1;                                 // output channel blocks
  int64_t tilesX = 1, tilesY = 1;
  int64_t blockRows = 1; // tile rows per task (tile-parallel)
  bool channelParallel = false;
  int64_t groupBlocks = 1; // channel blocks per task (channel-parallel)
  int blockChannels() const { return vectorWidth * channelVectors; }
};

WinogradPlan planWinograd(const ConvSpec &s, int m, const Target &target) {
  WinogradPlan p;
  p.m = m;
  p.alpha = m + 2;
  p.vectorWidth = floatVectorWidth(target);
  const int vw = p.vectorWidth;
  const int regs = registerCount(target);
  const int maxAcc = regs == 16 ? 12 : regs - 8;
  p.tilesX = ceilDiv(s.outW(), m);
  p.tilesY = ceilDiv(s.outH(), m);
  const int64_t tiles = p.tilesX * p.tilesY;
  double bestCost = 1e30;
  for (int cv = 1; cv <= 6; ++cv)
    for (int pt = 1; pt <= 12; ++pt) {
      const int acc = cv * pt;
      if (acc > maxAcc || acc < 8 || acc + std::min(cv, pt) + 1 > regs)
        continue;
      const int64_t B = int64_t(cv) * vw;
      const double wasteC = double(ceilDiv(s.outC, B) * B) / double(s.outC);
      const double wasteT = double(ceilDiv(tiles, pt) * pt) / double(tiles);
      const double loads = double(cv + pt) / double(acc);
      const double cost = wasteC * wasteT * (1.0 + 0.35 * loads) *
                          std::pow(double(maxAcc) / acc, 0.3);
      if (cost < bestCost) {
        bestCost = cost;
        p.channelVectors = cv;
        p.tiles = pt;
      }
    }
  const int64_t B = p.blockChannels();
  p.blocks = ceilDiv(s.outC, B);
  const int64_t a2 = int64_t(p.alpha) * p.alpha;
  const int64_t weightBytes = a2 * s.inC * p.blocks * B * 4;
  const int64_t vBytesPerRow = a2 * s.inC * p.tilesX * 4;
  // Tile-parallel: blocks of tile rows, each task computing V of its rows
  // (all input channels) and re-reading all the transformed weights. The
  // block size is the fastest by a rough time model of the task sizes as the
  // runtime hands them out, among blocks whose V stays in L2 (half of it:
  // M and the weights stream through too) or, where that leaves the threads
  // unequal shares, fills most of it: an idle thread costs more than some
  // of V read back from L3 (R50x1 224 F4 64->64 @56, 2 threads: 14 tile
  // rows in 2 blocks of 7, V 903 KB, AVX-512 0.25-0.27 ms per call against
  // 0.30-0.33 in blocks of 4 (8 rows against 6), AVX2 0.41-0.45 against
  // 0.47-0.49; 1 thread the same). A V larger than L2 is not worth it
  // (448 F4 128->128 @56 in blocks of 4 tile rows, V 1.03 MB: 1.06-1.15 ms
  // against 1.04-1.09 in blocks of 2).
  const double macsPerSecond = 6e9 * vw; // 2 FMA pipes at ~3 GHz
  const double rowTime = double(p.tilesX) * double(a2) * double(s.inC) *
                         double(s.outC) / macsPerSecond;
  const double weightTime = double(weightBytes) / 30e9;
  auto tileRowTasks = [&](int64_t rows) {
    std::vector<double> work;
    for (int64_t y = 0; y < p.tilesY; y += rows)
      work.push_back(double(std::min(rows, p.tilesY - y)) * rowTime +
                     weightTime);
    return work;
  };
  const int64_t halfL2 = 512 * 1024, mostOfL2 = 960 * 1024;
  const int64_t maxRows =
      std::min(ceilDiv(p.tilesY, kTunedThreads),
               std::max<int64_t>(1, mostOfL2 / vBytesPerRow));
  double bestSpan = 1e30;
  for (int64_t rows = 1; rows <= maxRows; ++rows) {
    if (rows > 1 && ceilDiv(p.tilesY, rows - 1) == ceilDiv(p.tilesY, rows))
      continue;
    double span = shareSpan(tileRowTasks(rows));
    // Beyond half of L2 only where that is faster, never on a tie.
    if (rows * vBytesPerRow > halfL2 && rows > 1)
      span *= 1.0 + 1e-6;
    if (span < bestSpan) {
      bestSpan = span;
      p.blockRows = rows;
    }
  }
  const int64_t tasks = ceilDiv(p.tilesY, p.blockRows);
  // Tile-parallel re-reads all transformed weights per task: from the
  // cache when they are not much larger than L2 (the threads' tasks run at
  // the same time and share the fetches), else from memory; split the
  // output channels across the tasks instead when that traffic outweighs a
  // quarter of the task's FMAs (~20 GB/s per core against ~100 GMAC/s for
  // AVX-512). Measured on 2 threads (kernel-bench): F4 128->128 @28 0.33 ->
  // 0.22 ms and @56 1.14-1.34 -> 0.85 ms tile-parallel (2.4 MB of weights).
  const double taskMacs = double(p.blockRows * p.tilesX) * a2 * s.inC * s.outC;
  const bool weightsCached = weightBytes <= 2560 * 1024;
  p.channelParallel =
      tasks < 2 ||
      (!weightsCached && double(weightBytes) / 20e9 > 0.25 * taskMacs / 100e9);
  // Also split the channels where that shares the work better and the
  // whole plane's V (each task computes it) fits in L2: R50x1 224 F4
  // 128->128 @28 (7 tile rows: 4 against 3) in 2 channel blocks, AVX-512
  // 2 threads 0.25-0.30 ms per call against 0.32-0.33, 1 thread 0.41-0.44
  // against 0.46-0.47; AVX2 2 threads 0.39-0.44 against 0.43-0.52.
  // Channel-parallel: one task per thread, whole channel blocks each.
  auto blocksPerTask = [](int64_t blocks) {
    return ceilDiv(blocks, std::min<int64_t>(blocks, kTunedThreads));
  };
  const int64_t groupBlocks = blocksPerTask(p.blocks);
  if (!p.channelParallel && p.tilesY * vBytesPerRow <= mostOfL2 &&
      p.blocks >= kTunedThreads) {
    std::vector<double> work;
    for (int64_t b = 0; b < p.blocks; b += groupBlocks) {
      const double share =
          double(std::min(groupBlocks, p.blocks - b)) / double(p.blocks);
      work.push_back(share * (double(p.tilesY) * rowTime + weightTime));
    }
    p.channelParallel = shareSpan(work) < bestSpan;
  }
  if (p.channelParallel) {
    // AVX-512, F2 streaming the weights of 512 or more input channels: 2
    // vectors of output channels x up to 8 tiles, whatever the cost above
    // says. Measured in R50x1 (`--profile`, 3-9 alternating processes):
    // - 224 F2 512->512 @7, 2 x 8 tiles (16 blocks): 1 thread 1.69-1.99 ms
    //   per 2 calls against 1.96-2.23 for 3 x 8 (11 blocks; faster in each
    //   alternation) and 1.8-2.6 for 4 x 4, 4 x 6, 2 x 6, 3 x 4, 1 x 8;
    //   2 threads 0.94-1.16 (one outlier 1.36) against 1.16-1.26;
    // - 448 F2 512->512 @14, 2 x 7 (49 tiles exactly): 1 thread 4.29-4.49
    //   against 4.55-5.35 for 4 x 5, 2 threads 2.28-2.65 against 2.41-3.09.
    // Not for 256 input channels: F2 256->256 @14 2 x 7 the same on 1
    // thread, 1.72-2.12 against 1.60-1.79 on 2.
    if (m == 2 && regs == 32 && vw == 16 && s.inC >= 512 &&
        s.outC % (2 * vw) == 0) {
      p.channelVectors = 2;
      p.tiles = 8;
      for (int pt = 8; pt >= 4; --pt)
        if (ceilDiv(tiles, pt) * pt < ceilDiv(tiles, p.tiles) * p.tiles)
          p.tiles = pt;
      p.blocks = ceilDiv(s.outC, p.blockChannels());
    }
    // One task per thread, whole channel blocks each: V was computed by a
    // parallel loop of its own and is shared, so more tasks only add
    // imbalance (F2 256->256 @14: 4 tasks 0.40 ms, 2 tasks 0.31 ms).
    p.groupBlocks = blocksPerTask(p.blocks); // p.blocks may have changed
  }
  return p;
}

} // namespace

bool winogradEligible(const ConvSpec &s) {
  return s.kernelH == 3 && s.kernelW == 3 && s.strideH == 1 && s.strideW == 1 &&
         s.dilationH == 1 && s.dilationW == 1 && !s.inputNCHW &&
         s.padTop <= 2 && s.padLeft <= 2 && s.padBottom <= 2 && s.padRight <= 2;
}

int chooseWinogradTile(const ConvSpec &s, bool always) {
  if (!winogradEligible(s))
    return 0;
  // Fewer than 16 channels in or out: the transforms cost as much as the
  // FMAs they save.
  if (!always && (s.inC < 16 || s.outC < 16))
    return 0;
  const int64_t tiles4 = ceilDiv(s.outH(), 4) * ceilDiv(s.outW(), 4);
  return tiles4 >= 32 ? 4 : 2;
}

int64_t winogradMacs(const ConvSpec &s, int m) {
  const int64_t alpha = m + 2;
  return s.batch * ceilDiv(s.outH(), m) * ceilDiv(s.outW(), m) * alpha * alpha *
         s.inC * s.outC;
}

std::vector<int> packedWinogradWeightShape(const ConvSpec &s, int m,
                                           const Target &target) {
  const WinogradPlan p = planWinograd(s, m, target);
  return {p.blockChannels(), int(s.inC), p.alpha, p.alpha, int(p.blocks)};
}

std::vector<float> packWinogradWeights(const ConvSpec &s, int m,
                                       const Target &target,
                                       const float *oihw) {
  const WinogradPlan p = planWinograd(s, m, target);
  const int64_t B = p.blockChannels(), C = s.inC, A = p.alpha;
  std::vector<float> packed(size_t(p.blocks * A * A * C * B), 0.0f);
  for (int64_t o = 0; o < s.outC; ++o)
    for (int64_t i = 0; i < C; ++i) {
      const float *g = oihw + (o * C + i) * 9; // [ky][kx]
      for (int xi = 0; xi < A; ++xi)
        for (int nu = 0; nu < A; ++nu) {
          // U[xi][nu] = sum G[xi][kx] G[nu][ky] g[ky][kx], in double.
          double u = 0;
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx)
              u += gm(m, xi, kx) * gm(m, nu, ky) * double(g[ky * 3 + kx]);
          const int64_t idx =
              (((o / B) * A + nu) * A + xi) * C * B + i * B + o % B;
          packed[size_t(idx)] = float(u);
        }
    }
  return packed;
}

namespace {

/// The Funcs and variables of a Winograd convolution (defineWinograd), for
/// its schedule.
struct WinogradFuncs {
  Var c, x, y, n, t, xi, nu, a, j, i;
  Func staged, vRows, V, acc, M, yCols, Y, out;
  RDom rc;
};

/// The algorithm: staged input, input transform V = B^T d B, the batched
/// GEMM per (xi, nu) point, output transform Y = A^T M A, the residual;
/// `out` declared dense.
WinogradFuncs defineWinograd(const ConvSpec &s, int m, const WinogradPlan &plan,
                             const ConvParams &params) {
  const int B = plan.blockChannels();
  const int A = plan.alpha;
  const int64_t N = s.batch, C = s.inC, H = s.inH, W = s.inW;
  const int64_t OH = s.outH(), OW = s.outW(), OC = s.outC;
  const int TX = int(plan.tilesX);
  ImageParam input = params.input, weights = params.weights,
             prologue = params.prologue, residual = params.residual;

  Var c("c"), x("x"), y("y"), n("n"), t("t"), xi("xi"), nu("nu");
  Var a("a"), j("j"), i("i");

  // The input as the convolution sees it: prologue, then zero outside the
  // image (tiles past the output's edge read zeros too).
  Func staged("staged");
  {
    Expr xs = clamp(x, 0, int(W - 1)), ys = clamp(y, 0, int(H - 1));
    Expr v = input(c, xs, ys, n);
    if (s.hasPrologue)
      v = applyActivation(s.prologueActivation,
                          v * prologue(c, 0, n) + prologue(c, 1, n));
    staged(c, x, y, n) =
        select(x >= 0 && x < int(W) && y >= 0 && y < int(H), v, 0.0f);
  }

  // Input transform, rows (nu over the patch's y) then columns (xi over x).
  Expr tx = t % TX, ty = t / TX;
  Func vRows("v_rows"), V("V");
  vRows(c, a, nu, t, n) = matrixTimes(
      nu, A, A, [m](int r, int q) { return bt(m, r, q); },
      [&](int q) {
        return staged(c, tx * m + a - int(s.padLeft),
                      ty * m + q - int(s.padTop), n);
      });
  V(c, xi, nu, t, n) = matrixTimes(
      xi, A, A, [m](int r, int q) { return bt(m, r, q); },
      [&](int q) { return vRows(c, q, nu, t, n); });

  // Batched GEMM per (xi, nu), accumulated in registers, copied to M.
  RDom rc(0, int(C), "rc");
  Func acc("acc"), M("M");
  acc(c, xi, nu, t, n) = 0.0f;
  acc(c, xi, nu, t, n) +=
      weights(c % B, rc, xi, nu, c / B) * V(rc, xi, nu, t, n);
  M(c, xi, nu, t, n) = acc(c, xi, nu, t, n);

  // Output transform: columns (j over nu) then rows (i over xi).
  Func yCols("y_cols"), Y("Y");
  yCols(c, xi, j, t, n) = matrixTimes(
      j, m, A, [m](int r, int q) { return at(m, r, q); },
      [&](int q) { return M(c, xi, q, t, n); });
  Y(c, i, j, t, n) = matrixTimes(
      i, m, A, [m](int r, int q) { return at(m, r, q); },
      [&](int q) { return yCols(c, q, j, t, n); });
  Func out("output");
  {
    Expr v = Y(c, x % m, y % m, (y / m) * TX + x / m, n);
    if (s.hasResidual)
      v = v + residual(c, x, y, n);
    out(c, x, y, n) = v;
  }
  declareDense(out.output_buffer(), {OC, OW, OH, N});

  return WinogradFuncs{c,      x,     y, n,   t, xi,    nu, a,   j, i,
                       staged, vRows, V, acc, M, yCols, Y,  out, rc};
}

/// Schedules `f` as `plan` says: a parallel task per block of tile rows or
/// per group of channel blocks; the GEMM's accumulators in registers.
void scheduleWinograd(const ConvSpec &s, int m, const WinogradPlan &plan,
                      const WinogradFuncs &f) {
  const int vw = plan.vectorWidth;
  const int B = plan.blockChannels();
  const int64_t C = s.inC;
  Var c = f.c, x = f.x, y = f.y, n = f.n, t = f.t, xi = f.xi, nu = f.nu,
      a = f.a, j = f.j;
  Func vRows = f.vRows, V = f.V, acc = f.acc, M = f.M, yCols = f.yCols,
       out = f.out;
  RDom rc = f.rc;

  Var co("co"), cb("cb"), cvo("cvo"), cvi("cvi"), xo("xo"), yo("yo");
  Var xt("xt"), yt("yt"), yb("yb"), yr("yr"), cg("cg"), cgi("cgi");
  Var task("task");
  out.split(c, co, cb, B, TailStrategy::GuardWithIf)
      .split(cb, cvo, cvi, vw)
      .split(x, xt, xo, m, TailStrategy::GuardWithIf)
      .split(y, yt, yo, m, TailStrategy::GuardWithIf);
  LoopLevel channelLevel;
  if (!plan.channelParallel) {
    // task = block of tile rows; inside: channel blocks, then tiles.
    out.split(yt, yb, yr, int(plan.blockRows), TailStrategy::GuardWithIf)
        .reorder(cvi, xo, yo, cvo, xt, yr, co, yb, n)
        .fuse(yb, n, task)
        .parallel(task);
    channelLevel = LoopLevel(out, co);
    V.compute_at(out, task);
  } else {
    // task = group of channel blocks over the whole plane. Each task
    // computes all of V itself: a V shared by the tasks was half written
    // by the other core, whose lines this machine class reads at a fifth
    // of the speed of its own (AMD EPYC, 2 vCPUs: ~30 against 100-170
    // GB/s), and took a parallel loop of its own. Measured in R50x1 at
    // 224 (2 threads): 5% faster per forward; on 1 thread, where V is
    // computed twice, within the noise (0.99x AVX-512, 1.01x AVX2).
    out.split(co, cg, cgi, int(plan.groupBlocks), TailStrategy::GuardWithIf)
        .reorder(cvi, xo, yo, cvo, xt, yt, cgi, cg, n)
        .fuse(cg, n, task)
        .parallel(task);
    channelLevel = LoopLevel(out, cgi);
    V.compute_at(out, task);
  }
  out.vectorize(cvi).unroll(xo).unroll(yo);

  // V: per tile, per vector of input channels, the alpha x alpha patch in
  // registers. Stored so that one (xi, nu) slice of the block is contiguous.
  {
    Var vco("vco"), vci("vci");
    V.reorder_storage(c, t, xi, nu, n);
    if (C >= vw) {
      V.split(c, vco, vci, vw, TailStrategy::ShiftInwards)
          .reorder(vci, xi, nu, vco, t, n)
          .vectorize(vci)
          .unroll(xi)
          .unroll(nu);
      vRows.compute_at(V, vco).vectorize(c).unroll(a).unroll(nu);
    } else {
      V.reorder(c, xi, nu, t, n).unroll(xi).unroll(nu);
      vRows.compute_at(V, t).unroll(a).unroll(nu);
    }
  }

  // M: for one channel block, all (xi, nu) and tiles of the task.
  Var tto("tto"), tti("tti");
  M.compute_at(channelLevel)
      .bound_extent(c, B)
      .split(t, tto, tti, plan.tiles, TailStrategy::RoundUp)
      .reorder(c, tti, tto, xi, nu, n);
  acc.compute_at(M, tto)
      .bound_extent(c, B)
      .bound_extent(t, plan.tiles)
      .store_in(MemoryType::Register);
  acc.vectorize(c, vw).unroll(c).unroll(t);
  M.vectorize(c, vw).unroll(c).unroll(tti);
  {
    Stage u = acc.update();
    RVar rco("rco"), rci("rci");
    Var avo("avo"), avi("avi");
    u.split(c, avo, avi, vw);
    const bool tilesInner = plan.channelVectors > plan.tiles;
    std::vector<VarOrRVar> order;
    if (tilesInner)
      order = {avi, t, avo};
    else
      order = {avi, avo, t};
    if (C % 2 == 0 && C >= 4) {
      u.split(rc, rco, rci, 2);
      order.insert(order.end(), {rci, rco, xi, nu, n});
      u.reorder(order).unroll(rci);
    } else {
      order.insert(order.end(), {rc, xi, nu, n});
      u.reorder(order);
    }
    u.vectorize(avi).unroll(avo).unroll(t);
  }

  // Output transform per tile and vector of output channels, in registers.
  yCols.compute_at(out, cvo).bound_extent(c, vw).vectorize(c).unroll(xi).unroll(
      j);
}

/// The schedule in one line (KernelPipeline::scheduleNote).
std::string describeWinogradSchedule(int m, const WinogradPlan &plan) {
  const int vw = plan.vectorWidth;
  std::ostringstream note;
  note << "winograd F(" << m << "x" << m << ",3x3), tile "
       << plan.channelVectors << "x" << vw << "ch x " << plan.tiles
       << " tiles, " << plan.blocks << " blocks, ";
  if (plan.channelParallel)
    note << "channel-parallel in groups of " << plan.groupBlocks;
  else
    note << "tile-parallel in blocks of " << plan.blockRows << " tile rows";
  return note.str();
}

} // namespace

KernelPipeline buildWinogradConv(const ConvSpec &s, int m,
                                 const Target &target) {
  const WinogradPlan plan = planWinograd(s, m, target);
  const int B = plan.blockChannels();
  const int A = plan.alpha;
  const int64_t N = s.batch, C = s.inC, H = s.inH, W = s.inW;

  KernelPipeline k;
  const ConvParams params =
      declareConvParams(s, {C, W, H, N}, {B, C, A, A, plan.blocks}, k);
  const WinogradFuncs f = defineWinograd(s, m, plan, params);
  scheduleWinograd(s, m, plan, f);
  std::string noteText = describeWinogradSchedule(m, plan);

  std::vector<Func> outputs = {f.out};
  if (s.hasStats) {
    ConvStatsPlacement placement; // second pass
    outputs.push_back(
        buildConvStatistics(s, f.out, placement, plan.vectorWidth, noteText));
  }
  finishPipeline(k, outputs, noteText);
  // Channel-parallel: each (xi, nu) slab of a block's weights serves the
  // tile groups in turn; they prefetch the next slab, all of them (with
  // few groups, a slab must stream in over all).
  if (plan.channelParallel && target.arch == Target::X86)
    k.objectCodePass = std::make_shared<detail::NextBlockWeightPrefetch>(
        detail::WeightReuseLoops{f.acc.name(),
                                 f.M.name() + ".s0.t.tto",
                                 {},
                                 /*prefetchDuringFirst=*/true},
        params.weights.name(), int64_t(B) * C);
  return k;
}

} // namespace bitc::kernels
