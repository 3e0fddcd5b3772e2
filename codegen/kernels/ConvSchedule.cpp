//===- ConvSchedule.cpp - Schedule of the direct convolution --------------===//
//
// Schedule (see docs/performance.md):
//  * a register tile of `channelVectors` vectors of output channels x
//    `pixelsX` x `pixelsY` output pixels (12 accumulators on 16-register
//    targets); the accumulator Func is computed per tile, fully unrolled, and
//    its update runs the reduction with input channels innermost (unrolled by
//    2), then kx, then ky: per input channel, `channelVectors` contiguous
//    weight loads and `pixels` broadcasts feed the FMAs;
//  * weights repacked to (co % B, ci, kx, ky, co / B): exactly the order the
//    inner loop reads them;
//  * output channel blocks are grouped so a group's weights stay in L2; one
//    parallel loop over (n, channel group, row band);
//  * the staged input is computed once per output row band (sliding window
//    over rows, folded storage) or once per task, never in the inner loop;
//  * statistics (ConvStatistics.cpp): fused per row band (large planes) or
//    a second pass over the finished output.
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/ConvSchedule.h"
#include "codegen/kernels/KernelUtil.h"
#include "codegen/kernels/TaskBalance.h"

#include <algorithm>
#include <cmath>
#include <sstream>

using namespace Halide;

namespace bitc::kernels {
using namespace detail;

namespace {

/// Rough time of a decomposition into `work` (each task's share, in order):
/// FMA time including the threads' idle time at the end, plus the traffic of
/// re-reading a group's weights per band and a band's (staged) input per
/// group.
double decompositionCost(const ConvSpec &s, int64_t weightBytes, int64_t groups,
                         int64_t bands, int64_t bandRows,
                         const std::vector<double> &work) {
  const int threads = kTunedThreads;
  const double flop = 2.0 * double(s.macs());
  const int64_t tasks = int64_t(work.size());
  double t = flop / (threads * 90e9) / shareBalance(work);
  // Input rows a band reads, halo included.
  const double inRowBytes = double(s.inW * s.inC * 4);
  const double bandInRows = double(std::min<int64_t>(
      s.inH, bandRows * s.strideH + (s.kernelH - 1) * s.dilationH));
  const double traffic =
      double(s.batch) *
      (double(bands) * double(weightBytes) +
       double(groups) * double(bands) * bandInRows * inRowBytes);
  t += traffic / 20e9;
  // Fewer than 4 tasks per thread leaves the pool no slack when the other
  // core is busy: mild penalty.
  if (tasks < 4 * threads)
    t *= 1.0 + 0.02 * double(4 * threads - tasks);
  return t;
}

/// Each task's share of the direct mode's work in Halide's task order (the
/// image outermost, then row bands, channel groups innermost): channel blocks
/// x rows of register tiles, the last group and band holding the remainder.
std::vector<double> directTasks(int64_t images, int64_t blocks,
                                int64_t groupBlocks, int64_t yTiles,
                                int64_t bandTiles) {
  std::vector<double> work;
  for (int64_t n = 0; n < images; ++n)
    for (int64_t b = 0; b < yTiles; b += bandTiles)
      for (int64_t g = 0; g < blocks; g += groupBlocks)
        work.push_back(double(std::min(groupBlocks, blocks - g) *
                              std::min(bandTiles, yTiles - b)));
  return work;
}

} // namespace

namespace detail {

ConvPlan planConv(const ConvSpec &s, const Target &target) {
  ConvPlan p;
  p.tile = chooseConvTile(s, target);
  const int64_t B = p.tile.blockChannels();
  p.blocks = ceilDiv(s.outC, B);
  const bool padded = s.padTop || s.padLeft || s.padBottom || s.padRight;
  p.stage = s.hasPrologue || padded || s.inputNCHW;
  p.stageOnOutputGrid = p.stage && !padded && s.kernelH == 1 &&
                        s.kernelW == 1 && (s.strideH > 1 || s.strideW > 1);

  const int64_t OH = s.outH(), OW = s.outW();
  const int64_t weightBytes = s.inC * s.kernelH * s.kernelW * p.blocks * B * 4;
  const int64_t outBytes = OH * OW * s.outC * 4;
  // Statistics are fused per band only for very large planes. A second pass
  // (parallel over tiles and channel chunks) after the direct schedule, which
  // writes the output straight from the register tiles, was faster for every
  // stats layer of R50x1 up to 448x448 (outputs up to 12.8 MB) with the
  // compiler's ~1024-pixel statistics tiles: the band buffer of such a tile
  // (1-2 MB at 256-512 channels) does not stay in L2, its copy costs a pass
  // of its own, and 56x56 planes give only 4 bands (AVX-512, CPU time:
  // 1x1 128->512 +residual +stats @56 ~1.35x faster, @112 64->256 ~1.1x).
  p.banded = s.hasStats && outBytes > 16 * 1024 * 1024;

  const int64_t PY = p.tile.pixelsY;
  double best = 1e30;
  if (p.banded) {
    const int64_t T = s.statsTileRows, tiles = s.statsTiles();
    // The band buffer (all channels of a band) must stay in L2 while the
    // statistics re-read it.
    const int64_t bandBudget = 384 * 1024;
    for (int64_t m = 1; m <= tiles; ++m) {
      const int64_t bands = ceilDiv(tiles, m);
      if (m > 1 && ceilDiv(tiles, m - 1) == bands)
        continue;
      if (m > 1 && std::min(OH, m * T) * OW * s.outC * 4 > bandBudget)
        break;
      double c = decompositionCost(
          s, weightBytes, 1, bands, m * T,
          std::vector<double>(size_t(bands * s.batch), 1)); // equal bands
      if (c < best) {
        best = c;
        p.bandRows = std::min(OH, m * T);
      }
    }
    p.groupBlocks = p.blocks;
  } else {
    const int64_t yTiles = ceilDiv(OH, PY);
    for (int64_t groups = 1; groups <= p.blocks; ++groups) {
      const int64_t gb = ceilDiv(p.blocks, groups);
      if (groups > 1 && ceilDiv(p.blocks, groups - 1) == gb)
        continue;
      for (int64_t bands = 1; bands <= yTiles; ++bands) {
        const int64_t bt = ceilDiv(yTiles, bands);
        if (bands > 1 && ceilDiv(yTiles, bands - 1) == bt)
          continue;
        double c = decompositionCost(
            s, weightBytes, ceilDiv(p.blocks, gb), ceilDiv(yTiles, bt), bt * PY,
            directTasks(s.batch, p.blocks, gb, yTiles, bt));
        if (c < best) {
          best = c;
          p.groupBlocks = gb;
          p.bandRows = bt * PY;
        }
      }
    }
  }
  // A task's weights that do not stay in L2 across its rows: walk the rows
  // inside each channel block instead (the block's weights stay in L1/L2).
  const int64_t taskWeightBytes = weightBytes / p.blocks * p.groupBlocks;
  p.blocksOuter = taskWeightBytes > 256 * 1024;
  (void)OW;
  return p;
}

Var scheduleConv(const ConvSpec &s, const ConvPlan &plan, const ConvFuncs &f) {
  const ConvTile &tile = plan.tile;
  const int vw = tile.vectorWidth;
  const int B = tile.blockChannels();
  const int64_t C = s.inC, OC = s.outC;
  Var c = f.c, x = f.x, y = f.y, n = f.n;
  Func staged = f.staged, acc = f.acc, out = f.out, core = f.core;
  RDom r = f.r;

  Var co("co"), ci("ci"), xo("xo"), xi("xi"), yo("yo"), yi("yi");
  Var cog("cog"), coi("coi"), yb("yb"), yr("yr"), task("task");
  // Loop level inside a task where one row of register tiles starts (the
  // staged input slides along it).
  LoopLevel rowLevel, taskLevel;
  if (!plan.banded) {
    out.split(c, co, ci, B, TailStrategy::GuardWithIf)
        .split(x, xo, xi, tile.pixelsX, TailStrategy::ShiftInwards)
        .split(y, yo, yi, tile.pixelsY, TailStrategy::ShiftInwards)
        .split(co, cog, coi, int(plan.groupBlocks), TailStrategy::GuardWithIf)
        .split(yo, yb, yr, int(plan.bandRows / tile.pixelsY),
               TailStrategy::GuardWithIf);
    if (plan.blocksOuter)
      out.reorder(ci, xi, yi, xo, yr, coi, cog, yb, n);
    else
      out.reorder(ci, xi, yi, xo, coi, yr, cog, yb, n);
    out.fuse(cog, yb, task).fuse(task, n, task).parallel(task);
    out.vectorize(ci, vw).unroll(ci).unroll(xi).unroll(yi);
    taskLevel = LoopLevel(out, task);
    rowLevel = LoopLevel(out, yr);
  } else {
    // The band buffer has all channels of plan.bandRows rows; RoundUp over
    // channels is safe there (internal allocation), ShiftInwards over pixels.
    Var yin("yin"), cv("cv");
    // ShiftInwards: the last band overlaps the previous one instead of
    // running past the image (its producers would read beyond the input).
    // n stays a separate outer loop: fusing it with the band loop makes
    // compute_with's bounds inference give up (whole image per band).
    out.split(y, yb, yin, int(plan.bandRows), TailStrategy::ShiftInwards)
        .reorder(c, x, yin, yb, n)
        .parallel(yb);
    if (OC >= vw)
      out.vectorize(c, vw, TailStrategy::ShiftInwards);
    core.compute_at(out, yb)
        .split(c, co, ci, B, TailStrategy::RoundUp)
        .split(x, xo, xi, tile.pixelsX, TailStrategy::ShiftInwards)
        .split(y, yo, yi, tile.pixelsY, TailStrategy::ShiftInwards);
    if (plan.blocksOuter)
      core.reorder(ci, xi, yi, xo, yo, co, n);
    else
      core.reorder(ci, xi, yi, xo, co, yo, n);
    core.vectorize(ci, vw).unroll(ci).unroll(xi).unroll(yi);
    taskLevel = LoopLevel(out, yb);
    rowLevel = LoopLevel(core, yo);
  }

  acc.compute_at(core, xo)
      .bound_extent(c, B)
      .bound_extent(x, tile.pixelsX)
      .bound_extent(y, tile.pixelsY)
      .store_in(MemoryType::Register);
  acc.vectorize(c, vw).unroll(c).unroll(x).unroll(y);
  {
    Stage u = acc.update();
    RVar rci("rci"), rco("rco");
    // Emit the FMAs so that the operand kind with fewer values stays live:
    // more weight vectors than pixels -> broadcast the pixels once and
    // stream the weight vectors (acc + pixels + 1 registers), else the
    // reverse (acc + weight vectors + 1).
    Var cvo("cvo"), cvi("cvi");
    u.split(c, cvo, cvi, vw);
    const bool pixelsInner = tile.channelVectors > tile.pixelsX * tile.pixelsY;
    std::vector<VarOrRVar> order;
    if (pixelsInner)
      order = {cvi, x, y, cvo};
    else
      order = {cvi, cvo, x, y};
    if (C % 2 == 0 && C >= 4) {
      u.split(r.x, rco, rci, 2);
      order.insert(order.end(), {rci, rco, r.y, r.z, n});
      u.reorder(order).unroll(rci);
    } else {
      order.insert(order.end(), {r.x, r.y, r.z, n});
      u.reorder(order);
      if (C <= 4)
        u.unroll(r.x);
    }
    u.vectorize(cvi).unroll(cvo).unroll(x).unroll(y);
  }

  if (plan.stage) {
    if (plan.blocksOuter)
      staged.compute_at(taskLevel);
    else
      staged.store_at(taskLevel).compute_at(rowLevel);
    if (C >= vw) {
      staged.vectorize(c, vw);
    } else if (s.inputNCHW) {
      staged.reorder(x, c, y, n).vectorize(x, vw).unroll(c);
    }
  }

  return yb;
}

std::string describeConvSchedule(const ConvPlan &plan) {
  const ConvTile &tile = plan.tile;
  const int vw = tile.vectorWidth;
  std::ostringstream note;
  note << "tile " << tile.channelVectors << "x" << vw << "ch x " << tile.pixelsX
       << "x" << tile.pixelsY << "px, " << plan.blocks << " blocks";
  if (!plan.banded)
    note << " in groups of " << plan.groupBlocks;
  note << ", bands of " << plan.bandRows << " rows, "
       << (plan.blocksOuter ? "blocks outer" : "rows outer")
       << (plan.stage ? (plan.stageOnOutputGrid ? ", staged (output grid)"
                                                : ", staged")
                      : "");

  return note.str();
}

} // namespace detail

ConvTile chooseConvTile(const ConvSpec &s, const Target &target) {
  const int vw = floatVectorWidth(target);
  const int regs = registerCount(target);
  // 16 registers: 12 accumulators; 32: 24 (28 made LLVM spill address
  // registers in some inner loops).
  const int maxAcc = regs == 16 ? 12 : regs - 8;
  const int64_t OH = s.outH(), OW = s.outW();
  ConvTile best;
  best.vectorWidth = vw;
  // AVX-512, spatial kernels on planes 7k pixels wide: 2 vectors x (7x2)
  // pixels = 28 accumulators (+2 weight vectors +1 broadcast = 31 of 32
  // registers). Each weight vector feeds 14 pixels, so the 3x3 layers' large
  // weight blocks are streamed half as often as with 4 x (3x2); measured
  // 3-17% faster on every 3x3 layer of R50x1 at 224 and 448 (stride 1 and 2),
  // and no better for 1x1 layers. Odd heights take 1-row tiles (14
  // accumulators): a last 2-row tile shifted inwards broke the staged
  // input's sliding window (wrong results on the 7x7 layers of R50x1 at
  // 224), and against the cost model's 3 x (7x1) pixels (11 channel blocks
  // of 48 for 512 channels) the 16 blocks of 32 split evenly over 2 threads:
  // R50x1 224, 3x3/2 512->512 @7 (`--profile`, 3 processes each) 0.85-0.92
  // -> 0.76-0.80 ms on 2 threads, 1.42 -> 1.35 on 1.
  if (regs == 32 && vw == 16 && s.kernelH * s.kernelW > 1 && !s.inputNCHW &&
      OW % 7 == 0 && s.outC % (2 * vw) == 0) {
    best.channelVectors = 2;
    best.pixelsX = 7;
    best.pixelsY = OH % 2 == 0 ? 2 : 1;
    return best;
  }
  // AVX-512, 1x1 kernels that reduce the channels, on planes 7k pixels wide:
  // 2 vectors x 7 pixels = 14 accumulators, no padded channels or columns
  // (the cost below prefers 24 accumulators, 4 x (3x2) pixels, which pads 14
  // and 28 columns to 15 and 30, or 3 x (7x1), 11 blocks of 48 for 512
  // channels). Measured (R50x1 at 224, AMD EPYC, `--profile`, best of 3-4
  // processes per kernel): 1024->256 @14, 512->128 @28, 512->256 @28 and
  // 1024->512 @14 3.5-5.5% faster on 1 and 2 threads, 2048->512 @7 8% on 2
  // threads (16 blocks split evenly), 1% on 1; at 448 the reducing 1x1
  // layers 2-6% on 1 thread. Bit-identical. Not for the expanding ones with
  // their residual: 64->256 @56 6-13% and 256->1024 @14 5-9% slower in the
  // model (faster alone, weights hot).
  if (regs == 32 && vw == 16 && s.kernelH == 1 && s.kernelW == 1 &&
      !s.inputNCHW && OW % 7 == 0 && s.outC <= s.inC &&
      s.outC % (2 * vw) == 0) {
    best.channelVectors = 2;
    best.pixelsX = 7;
    best.pixelsY = 1;
    return best;
  }
  double bestCost = 1e30;
  for (int cv = 1; cv <= 6; ++cv)
    for (int py = 1; py <= 2; ++py)
      for (int px = 1; px <= 12; ++px) {
        const int acc = cv * px * py;
        const int pixels = px * py;
        if (acc > maxAcc || acc < 8 || acc + std::min(cv, pixels) + 1 > regs)
          continue;
        if (px > OW || py > OH)
          continue;
        const int64_t B = int64_t(cv) * vw;
        const double wasteC = double(ceilDiv(s.outC, B) * B) / double(s.outC);
        const double wasteX = double(ceilDiv(OW, px) * px) / double(OW);
        const double wasteY = double(ceilDiv(OH, py) * py) / double(OH);
        // Loads per FMA (weights + broadcasts), and fewer accumulators than
        // the register file allows hide less FMA latency.
        const double loads = double(cv + pixels) / double(acc);
        double cost = wasteC * wasteX * wasteY * (1.0 + 0.35 * loads) *
                      std::pow(double(maxAcc) / acc, 0.3);
        // 2-row tiles read two input rows per step: slight preference for 1.
        if (py > 1)
          cost *= 1.01;
        if (cost < bestCost) {
          bestCost = cost;
          best.channelVectors = cv;
          best.pixelsX = px;
          best.pixelsY = py;
        }
      }
  if (bestCost == 1e30) { // tiny outputs: a single pixel per tile
    best.channelVectors = 3;
    best.pixelsX = 1;
    best.pixelsY = 1;
  }
  return best;
}

int64_t preferredStatsTileRows(const ConvSpec &s, const Target &target) {
  // Plan with statistics over 1-row tiles (any band height allowed) and
  // return the band height chosen: tiles of that height are fused 1:1 with
  // the bands. When the plan would not fuse, the statistics run as a second
  // pass whose tile height does not matter much: return the band anyway.
  ConvSpec probe = s;
  probe.hasStats = true;
  probe.statsGroups = s.statsGroups > 0 ? s.statsGroups : 1;
  probe.statsTileRows = 1;
  ConvPlan p = planConv(probe, target);
  return std::max<int64_t>(1, p.bandRows);
}

} // namespace bitc::kernels
