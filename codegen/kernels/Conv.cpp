//===- Conv.cpp - Register-blocked direct convolution ---------------------===//
//
// out(c, x, y, n) = sum_{ci, kx, ky} W[c][ci][ky][kx] *
//                   staged(ci, x*sx + kx*dx - padLeft, y*sy + ky*dy - padTop,
//                   n)
//                   (+ residual(c, x, y, n))
// staged = zero-bordered act(input * scale + shift) (or the raw input).
//
// The loop structure and its schedule are in ConvSchedule.cpp.
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/ConvSchedule.h"
#include "codegen/kernels/ConvStatistics.h"
#include "codegen/kernels/KernelUtil.h"
#include "codegen/kernels/WeightPrefetch.h"

using namespace Halide;
using Halide::Internal::const_true;
using Halide::Internal::is_const_one;

namespace bitc::kernels {
using namespace detail;

namespace {

/// The algorithm: staged input (prologue, zero border), the register-tile
/// accumulation over (ci, kx, ky), the residual; `out` declared dense.
ConvFuncs defineConv(const ConvSpec &s, const ConvPlan &plan,
                     const ConvParams &params) {
  const int B = plan.tile.blockChannels();
  const int64_t N = s.batch, C = s.inC, H = s.inH, W = s.inW;
  const int64_t OH = s.outH(), OW = s.outW(), OC = s.outC;
  const int64_t KH = s.kernelH, KW = s.kernelW;
  ImageParam input = params.input, weights = params.weights,
             prologue = params.prologue, residual = params.residual;

  Var c("c"), x("x"), y("y"), n("n");

  // The input as the convolution sees it, in padded coordinates.
  Func staged("staged");
  {
    Expr xs = x, ys = y;
    Expr inside = const_true();
    if (s.padLeft) {
      inside = inside && x >= 0;
      xs = max(xs, 0);
    }
    if (s.padRight) {
      inside = inside && x < int(W);
      xs = min(xs, int(W - 1));
    }
    if (s.padTop) {
      inside = inside && y >= 0;
      ys = max(ys, 0);
    }
    if (s.padBottom) {
      inside = inside && y < int(H);
      ys = min(ys, int(H - 1));
    } else if (plan.banded) {
      // Banded: compute_with's bounds may run the last band past the image
      // (rows that are never stored); keep those reads in bounds.
      ys = min(ys, int(H - 1));
    }
    if (plan.stageOnOutputGrid) {
      // 1x1 unpadded strided conv: stage only the pixels it reads.
      xs = x * int(s.strideW);
      ys = y * int(s.strideH);
    }
    Expr v = s.inputNCHW ? input(xs, ys, c, n) : input(c, xs, ys, n);
    if (s.hasPrologue)
      v = applyActivation(s.prologueActivation,
                          v * prologue(c, 0, n) + prologue(c, 1, n));
    if (!is_const_one(inside))
      v = select(inside, v, 0.0f);
    staged(c, x, y, n) = v;
  }

  RDom r(0, int(C), 0, int(KW), 0, int(KH), "r");
  Func acc("acc");
  acc(c, x, y, n) = 0.0f;
  Expr ix = x * int(s.strideW) + r.y * int(s.dilationW) - int(s.padLeft);
  Expr iy = y * int(s.strideH) + r.z * int(s.dilationH) - int(s.padTop);
  if (plan.stageOnOutputGrid) {
    ix = x;
    iy = y;
  }
  Func src = plan.stage ? staged : Func(input);
  if (!plan.stage && plan.banded) {
    Func clamped("clamped_input");
    clamped(c, x, y, n) = input(c, x, min(y, int(H - 1)), n);
    src = clamped;
  }
  acc(c, x, y, n) += weights(c % B, r.x, r.y, r.z, c / B) * src(r.x, ix, iy, n);

  // `core` is the register-tiled Func: the output itself (direct mode) or the
  // per-band buffer the output and the statistics read (banded mode).
  Func out("output");
  Func core = plan.banded ? Func("final") : out;
  {
    Expr v = acc(c, x, y, n);
    if (s.hasResidual)
      v = v + residual(c, x, plan.banded ? min(y, int(OH - 1)) : Expr(y), n);
    core(c, x, y, n) = v;
    if (plan.banded)
      out(c, x, y, n) = core(c, x, y, n);
  }
  declareDense(out.output_buffer(), {OC, OW, OH, N});

  return ConvFuncs{c, x, y, n, staged, acc, out, core, r};
}

} // namespace

std::vector<int> packedConvWeightShape(const ConvSpec &s,
                                       const Target &target) {
  const int64_t B = chooseConvTile(s, target).blockChannels();
  return {int(B), int(s.inC), int(s.kernelW), int(s.kernelH),
          int(ceilDiv(s.outC, B))};
}

std::vector<float> packConvWeights(const ConvSpec &s, const Target &target,
                                   const float *oihw) {
  const int64_t B = chooseConvTile(s, target).blockChannels();
  const int64_t blocks = ceilDiv(s.outC, B);
  const int64_t C = s.inC, KH = s.kernelH, KW = s.kernelW;
  std::vector<float> packed(size_t(blocks * KH * KW * C * B), 0.0f);
  for (int64_t o = 0; o < s.outC; ++o)
    for (int64_t i = 0; i < C; ++i)
      for (int64_t ky = 0; ky < KH; ++ky)
        for (int64_t kx = 0; kx < KW; ++kx) {
          const float w = oihw[((o * C + i) * KH + ky) * KW + kx];
          const int64_t idx =
              (((o / B) * KH + ky) * KW + kx) * C * B + i * B + o % B;
          packed[size_t(idx)] = w;
        }
  return packed;
}

std::vector<float> packConvWeights(const ConvSpec &s, const float *oihw) {
  return packConvWeights(s, get_host_target(), oihw);
}

KernelPipeline buildConv(const ConvSpec &s, const Target &target) {
  const ConvPlan plan = planConv(s, target);
  const int vw = plan.tile.vectorWidth;
  const int B = plan.tile.blockChannels();
  const int64_t N = s.batch, C = s.inC, H = s.inH, W = s.inW;
  const int64_t KH = s.kernelH, KW = s.kernelW;

  KernelPipeline k;
  const ConvParams params =
      declareConvParams(s,
                        s.inputNCHW ? std::vector<int64_t>{W, H, C, N}
                                    : std::vector<int64_t>{C, W, H, N},
                        {B, C, KW, KH, plan.blocks}, k);
  const ConvFuncs f = defineConv(s, plan, params);
  Var yb = scheduleConv(s, plan, f);
  Func out = f.out, core = f.core;
  std::string noteText = describeConvSchedule(plan);

  std::vector<Func> outputs = {out};
  if (s.hasStats) {
    ConvStatsPlacement placement;
    placement.fusedPerBand = plan.banded;
    placement.bandRows = plan.bandRows;
    placement.bandFunc = out;
    placement.bandVar = yb;
    // Banded: read the hot band buffer; otherwise the finished output.
    outputs.push_back(buildConvStatistics(s, plan.banded ? core : out,
                                          placement, vw, noteText));
  }

  finishPipeline(k, outputs, noteText);
  // Blocks outer: the next block's weights can stream in while this block
  // runs its other rows (WeightPrefetch.h); x86 only (PrefetchHints.h).
  if (plan.blocksOuter && !plan.banded && target.arch == Target::X86)
    k.objectCodePass = std::make_shared<NextBlockWeightPrefetch>(
        WeightReuseLoops{f.acc.name(),
                         f.out.name() + ".s0.y.yo.yr",
                         {f.out.name() + ".s0.x.xo",
                          f.acc.name() + ".s1." + f.r.z.name(),
                          f.acc.name() + ".s1." + f.r.y.name()},
                         /*prefetchDuringFirst=*/false},
        params.weights.name(), B * C * KH * KW);
  return k;
}

} // namespace bitc::kernels
