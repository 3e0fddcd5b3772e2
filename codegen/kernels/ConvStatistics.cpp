//===- ConvStatistics.cpp - Group-norm partials of a conv's output --------===//
//
// One pass per tile with shifted data: per channel, K = the tile's first
// value of that channel, s1 = sum(x - K), s2 = sum((x - K)^2) in fp32 over at
// most one tile; mean_c = K + s1/n, M2_c = s2 - s1^2/n. K is a sample of the
// same data, so |mean - K| is of the order of the spread and the subtraction
// loses at most a few bits (unlike sum/sum-of-squares of unshifted values).
// Channels merge into groups exactly (Chan, equal counts):
// mean_g = avg mean_c, M2_g = sum M2_c + n sum (mean_c - mean_g)^2.
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/ConvStatistics.h"

#include "codegen/kernels/KernelUtil.h"

#include <sstream>

using namespace Halide;

namespace bitc::kernels::detail {

Func buildConvStatistics(const ConvSpec &s, Func val,
                         const ConvStatsPlacement &placement, int vw,
                         std::string &noteOut) {
  const int64_t N = s.batch;
  const int64_t OH = s.outH(), OW = s.outW(), OC = s.outC;
  const int64_t T = s.statsTileRows, tiles = s.statsTiles();
  const int64_t G = s.statsGroups, Cg = OC / G;
  Var c("c"), y("y"), n("n");
  Var g("g"), t("t"), kk("k");
  RDom rt(0, int(OW), 0, int(T), "rt");
  if (OH % T != 0)
    rt.where(t * int(T) + rt.y < int(OH));
  auto countOf = [&](Expr tile) {
    return cast<float>(min(int(T), int(OH) - tile * int(T)) * int(OW * Cg));
  };
  Expr yy = min(t * int(T) + rt.y, int(OH - 1)); // clamp: bounds only

  Expr pixels = cast<float>(min(int(T), int(OH) - t * int(T)) * int(OW));
  Func shiftK("shift_k"), sums("sums");
  shiftK(c, t, n) = val(c, 0, t * int(T), n);
  sums(c, t, n) = Tuple(0.0f, 0.0f);
  Expr dk = val(c, rt.x, yy, n) - shiftK(c, t, n);
  sums(c, t, n) = Tuple(sums(c, t, n)[0] + dk, sums(c, t, n)[1] + dk * dk);
  // Per-channel (mean, M2) of each tile.
  Func cstat("cstat");
  cstat(c, t, n) =
      Tuple(shiftK(c, t, n) + sums(c, t, n)[0] / pixels,
            sums(c, t, n)[1] - sums(c, t, n)[0] * sums(c, t, n)[0] / pixels);
  RDom rg(0, int(Cg), "rg");
  Func gmean("gmean"), gmeanN("gmean_n"), gm2("gm2");
  gmean(g, t, n) = 0.0f;
  gmean(g, t, n) += cstat(g * int(Cg) + rg, t, n)[0];
  gmeanN(g, t, n) = gmean(g, t, n) / float(Cg);
  gm2(g, t, n) = 0.0f;
  Expr dm = cstat(g * int(Cg) + rg, t, n)[0] - gmeanN(g, t, n);
  gm2(g, t, n) += cstat(g * int(Cg) + rg, t, n)[1] + pixels * dm * dm;

  // The tile dimension is named y and split like the output's rows:
  // compute_with matches the fused loops by their full names.
  Func stats("stats");
  stats(kk, g, y, n) = select(kk == 0, countOf(y), kk == 1, gmeanN(g, y, n),
                              gm2(g, y, n));
  declareDense(stats.output_buffer(), {3, G, tiles, N});

  Var tn("tn"), ti("ti");
  LoopLevel statsLevel;
  int64_t chunkChannels = OC; // channels one stats task reduces
  if (placement.fusedPerBand) {
    // One stats iteration per band: fused with the output's band loop so
    // the statistics read the band while it is hot.
    Var yb = placement.bandVar;
    const int64_t m = placement.bandRows / T;
    stats.compute_root()
        .split(y, yb, ti, int(m), TailStrategy::ShiftInwards)
        .reorder(kk, g, ti, yb, n)
        .parallel(yb)
        .unroll(kk, 3);
    stats.compute_with(placement.bandFunc, yb);
    statsLevel = LoopLevel(placement.bandFunc, yb);
  } else {
    // Second pass: parallel over (chunk of groups, tile, image), with
    // enough chunks for a few tasks per thread (a plane of one or two
    // tiles would otherwise be reduced by one thread).
    int64_t chunks = 1;
    for (int64_t q = 2; q <= 16 && tiles * N * chunks < 4 * kTunedThreads;
         q *= 2)
      if (G % q == 0 && (OC / q) % vw == 0)
        chunks = q;
    Var go("go"), gi("gi"), tg("tg");
    stats.compute_root()
        .split(g, go, gi, int(G / chunks), TailStrategy::RoundUp)
        .reorder(kk, gi, go, y, n)
        .fuse(go, y, tg)
        .fuse(tg, n, tn)
        .parallel(tn)
        .unroll(kk, 3);
    statsLevel = LoopLevel(stats, tn);
    chunkChannels = OC / chunks;
  }
  // The channel reductions keep a block of channels' sums in registers
  // while walking the tile's pixels (one pass, two FMAs-worth per vector).
  const int64_t CC = chunkChannels;
  const int cblock = CC % (4 * vw) == 0   ? 4 * vw
                     : CC % (2 * vw) == 0 ? 2 * vw
                                          : (CC % vw == 0 ? vw : 1);
  cstat.compute_at(statsLevel);
  if (cblock > 1) {
    Var cvo("cvo"), cvi("cvi");
    cstat.split(c, cvo, cvi, cblock).reorder(cvi, cvo, t, n).vectorize(cvi, vw);
    sums.compute_at(cstat, cvo)
        .bound_extent(c, cblock)
        .store_in(MemoryType::Register)
        .vectorize(c, vw)
        .unroll(c);
    sums.update().reorder(c, rt.x, rt.y).vectorize(c, vw).unroll(c);
    shiftK.compute_at(cstat, cvo).vectorize(c, vw).unroll(c);
  } else {
    sums.compute_at(statsLevel);
    shiftK.compute_at(statsLevel);
  }
  for (Func f : {gmean, gmeanN, gm2})
    f.compute_at(statsLevel);
  std::ostringstream note;
  note << ", stats tiles of " << T << " rows "
       << (placement.fusedPerBand ? "(fused per band)" : "(second pass)");
  noteOut += note.str();
  return stats;
}

} // namespace bitc::kernels::detail
