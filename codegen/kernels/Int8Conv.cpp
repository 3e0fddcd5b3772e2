//===- Int8Conv.cpp - Direct convolution in 8-bit integers ----------------===//

#include "codegen/kernels/Int8Conv.h"
#include "codegen/kernels/DotPacking.h"
#include "codegen/kernels/KernelUtil.h"

#include <stdexcept>

using namespace Halide;

namespace bitc::kernels {

int int8ConvLanes(const Target &target) {
  if (target.has_feature(Target::AVX512))
    return 16;
  if (target.has_feature(Target::AVX2))
    return 8;
  return 4;
}

std::vector<int> packedInt8ConvWeightShape(const Int8ConvSpec &s,
                                           const Target &target) {
  return detail::dotWeightShape(s.inC, s.outC, s.kernel, int8ConvLanes(target),
                                4);
}

std::vector<int8_t> packInt8ConvWeights(const Int8ConvSpec &s,
                                        const Target &target,
                                        const int8_t *oihw) {
  return detail::packDotWeights(s.inC, s.outC, s.kernel, int8ConvLanes(target),
                                4, oihw);
}

KernelPipeline buildInt8Conv(const Int8ConvSpec &s, const Target &target) {
  const int lanes = int8ConvLanes(target);
  if (s.outC % lanes)
    throw std::invalid_argument("buildInt8Conv: outC not a multiple of " +
                                std::to_string(lanes));
  KernelPipeline k;
  ImageParam input(UInt(8), 3, "input"), weights(Int(8), 6, "weights"),
      scales(Float(32), 1, "scales");
  detail::declareDense(input, {s.inC4(), s.inW, s.inH});
  std::vector<int> wshape = packedInt8ConvWeightShape(s, target);
  detail::declareDense(weights,
                       std::vector<int64_t>(wshape.begin(), wshape.end()));
  detail::declareDense(scales, {s.outC});
  k.params = {input, weights, scales};

  Var c("c"), x("x"), y("y"), co("co"), ci("ci"), xo("xo"), xi("xi");
  Func padded("padded");
  padded = BoundaryConditions::constant_exterior(input, cast<uint8_t>(0));
  // r.x: the 4 bytes of one dot product, innermost (what vpdpbusd sums).
  RDom r(0, 4, 0, int(s.inC4() / 4), 0, int(s.kernel), 0, int(s.kernel));
  Expr inX = x * int(s.stride) + r[2] - int(s.padLeft);
  Expr inY = y * int(s.stride) + r[3] - int(s.padTop);
  Func acc("acc"), out("output");
  acc(c, x, y) = 0;
  acc(c, x, y) +=
      cast<int32_t>(padded(r[1] * 4 + r[0], inX, inY)) *
      cast<int32_t>(weights(r[0], c % lanes, r[1], r[2], r[3], c / lanes));
  out(c, x, y) = cast<float>(acc(c, x, y)) * scales(c);

  // Output: a vector of channels times kTileX pixels in registers, rows in
  // parallel; each weight vector loaded once per tile.
  constexpr int kTileX = 4;
  out.bound(c, 0, int(s.outC))
      .bound(x, 0, int(s.outW))
      .bound(y, 0, int(s.outH));
  out.split(c, co, ci, lanes)
      .split(x, xo, xi, kTileX, TailStrategy::GuardWithIf)
      .reorder(ci, xi, co, xo, y)
      .vectorize(ci)
      .unroll(xi)
      .parallel(y);
  acc.compute_at(out, co).bound_extent(c, lanes).vectorize(c).unroll(x);
  acc.update()
      .reorder(r[0], c, x, r[1], r[2], r[3], y)
      .atomic()
      .vectorize(r[0])
      .vectorize(c)
      .unroll(x);
  detail::finishPipeline(k, {out},
                         "int8 direct conv: " + std::to_string(lanes) +
                             " channels x " + std::to_string(kTileX) +
                             " pixels per tile, 4-byte dot products");
  return k;
}

} // namespace bitc::kernels
