//===- Reference.h - Naive double-precision references for the kernels ---===//
//
// Straight loops in double over the same layouts the kernels use:
// activations [n][y][x][c] (Halide (c, x, y, n)), NCHW input [n][c][y][x],
// OIHW weights, scale/shift [n][2][c], stats [n][tile][group][3].
//
//===----------------------------------------------------------------------===//

#ifndef BITC_TEST_KERNELS_REFERENCE_H
#define BITC_TEST_KERNELS_REFERENCE_H

#include "codegen/kernels/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace bitc::kernels::ref {

/// The dialect's reference formula (docs/bit-model.md section 3, checked
/// against torch by the interpreter tests).
inline double activation(Activation a, double x) {
  return mlir::bit::applyActivation(a, x);
}

/// Convolution output [n][y][x][oc] (+ stats [n][tile][group][3]).
inline void conv(const ConvSpec &s, const float *in, const float *oihw,
                 const float *prologue, const float *residual,
                 std::vector<double> &out, std::vector<double> &stats) {
  const int64_t N = s.batch, C = s.inC, H = s.inH, W = s.inW;
  const int64_t OH = s.outH(), OW = s.outW(), OC = s.outC;
  // Staged input [n][y][x][c] after the prologue (before padding).
  std::vector<double> st(size_t(N * H * W * C));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t c = 0; c < C; ++c) {
          double v = s.inputNCHW ? in[((n * C + c) * H + y) * W + x]
                                 : in[((n * H + y) * W + x) * C + c];
          if (s.hasPrologue)
            v = activation(s.prologueActivation,
                           v * prologue[(n * 2 + 0) * C + c] +
                               prologue[(n * 2 + 1) * C + c]);
          st[size_t(((n * H + y) * W + x) * C + c)] = v;
        }
  out.assign(size_t(N * OH * OW * OC), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox)
        for (int64_t o = 0; o < OC; ++o) {
          double acc = 0;
          for (int64_t ky = 0; ky < s.kernelH; ++ky) {
            int64_t iy = oy * s.strideH + ky * s.dilationH - s.padTop;
            if (iy < 0 || iy >= H)
              continue;
            for (int64_t kx = 0; kx < s.kernelW; ++kx) {
              int64_t ix = ox * s.strideW + kx * s.dilationW - s.padLeft;
              if (ix < 0 || ix >= W)
                continue;
              const double *sp = &st[size_t(((n * H + iy) * W + ix) * C)];
              for (int64_t c = 0; c < C; ++c)
                acc +=
                    double(
                        oihw[((o * C + c) * s.kernelH + ky) * s.kernelW + kx]) *
                    sp[c];
            }
          }
          size_t idx = size_t(((n * OH + oy) * OW + ox) * OC + o);
          if (s.hasResidual)
            acc += residual[idx];
          out[idx] = acc;
        }
  stats.clear();
  if (!s.hasStats)
    return;
  const int64_t T = s.statsTileRows, tiles = s.statsTiles(), G = s.statsGroups;
  const int64_t Cg = OC / G;
  stats.assign(size_t(N * tiles * G * 3), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t g = 0; g < G; ++g) {
        int64_t y1 = std::min(OH, (t + 1) * T);
        double sum = 0, cnt = 0;
        for (int64_t y = t * T; y < y1; ++y)
          for (int64_t x = 0; x < OW; ++x)
            for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
              sum += out[size_t(((n * OH + y) * OW + x) * OC + c)];
              cnt += 1;
            }
        double mean = sum / cnt, m2 = 0;
        for (int64_t y = t * T; y < y1; ++y)
          for (int64_t x = 0; x < OW; ++x)
            for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
              double d = out[size_t(((n * OH + y) * OW + x) * OC + c)] - mean;
              m2 += d * d;
            }
        double *p = &stats[size_t(((n * tiles + t) * G + g) * 3)];
        p[0] = cnt;
        p[1] = mean;
        p[2] = m2;
      }
}

/// Group-norm scale/shift [n][2][c] of an activation [n][y][x][c].
inline std::vector<double> groupNormScaleShift(const TensorShape &sh,
                                               const float *in, int64_t groups,
                                               double eps, const float *gamma,
                                               const float *beta) {
  const int64_t Cg = sh.c / groups;
  std::vector<double> out(size_t(sh.n * 2 * sh.c));
  for (int64_t n = 0; n < sh.n; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      double sum = 0, cnt = 0;
      for (int64_t p = 0; p < sh.h * sh.w; ++p)
        for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
          sum += in[size_t((n * sh.h * sh.w + p) * sh.c + c)];
          cnt += 1;
        }
      double mean = sum / cnt, m2 = 0;
      for (int64_t p = 0; p < sh.h * sh.w; ++p)
        for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
          double d = in[size_t((n * sh.h * sh.w + p) * sh.c + c)] - mean;
          m2 += d * d;
        }
      double rstd = 1.0 / std::sqrt(m2 / cnt + eps);
      for (int64_t c = g * Cg; c < (g + 1) * Cg; ++c) {
        double scale = gamma[c] * rstd;
        out[size_t((n * 2 + 0) * sh.c + c)] = scale;
        out[size_t((n * 2 + 1) * sh.c + c)] = beta[c] - scale * mean;
      }
    }
  return out;
}

} // namespace bitc::kernels::ref

#endif // BITC_TEST_KERNELS_REFERENCE_H
