//===- Int8ModelConv.cpp - The int8 conv of --precision int8 --------------===//
//
// out(c, x, y) = scales[c] * sum(u8(x) * i8(w)) (+ residual), where
// u8(x) = round(act(input * scale + shift) / input scale) clamped to 0..255:
// the prologue of buildConv followed by the quantization, computed once per
// input pixel of a strip of output rows (not once per tap).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/ConvStatistics.h"
#include "codegen/kernels/Int8Conv.h"
#include "codegen/kernels/KernelUtil.h"

#include <algorithm>
#include <stdexcept>

using namespace Halide;

namespace bitc::kernels {
using namespace detail;

bool int8ConvSupports(const ConvSpec &s, const Target &target) {
  const bool arch =
      (target.arch == Target::X86 || target.arch == Target::ARM) &&
      target.bits == 64;
  return arch && !s.inputNCHW && s.hasPrologue && s.kernelH == s.kernelW &&
         s.strideH == s.strideW && s.dilationH == 1 && s.dilationW == 1 &&
         s.outC % int8ConvLanes(target) == 0;
}

Int8ConvSpec int8SpecOf(const ConvSpec &s) {
  Int8ConvSpec q;
  q.inC = s.inC;
  q.inH = s.inH;
  q.inW = s.inW;
  q.outC = s.outC;
  q.kernel = s.kernelH;
  q.stride = s.strideH;
  q.padTop = s.padTop;
  q.padLeft = s.padLeft;
  q.outH = s.outH();
  q.outW = s.outW();
  return q;
}

KernelPipeline buildInt8ModelConv(const ConvSpec &s, const Target &target) {
  if (!int8ConvSupports(s, target))
    throw std::invalid_argument("buildInt8ModelConv: unsupported conv");
  const int lanes = int8ConvLanes(target);
  const Int8ConvSpec q = int8SpecOf(s);
  const int64_t N = s.batch, C = s.inC, H = s.inH, W = s.inW;
  const int64_t OC = s.outC, OH = s.outH(), OW = s.outW();
  const int K = int(q.kernel), S = int(q.stride);

  KernelPipeline k;
  ImageParam input(Float(32), 4, "input"), weights(Int(8), 6, "weights"),
      scales(Float(32), 1, "scales"), prologue(Float(32), 3, "prologue"),
      residual(Float(32), 4, "residual");
  declareDense(input, {C, W, H, N});
  std::vector<int> wshape = packedInt8ConvWeightShape(q, target);
  declareDense(weights, std::vector<int64_t>(wshape.begin(), wshape.end()));
  declareDense(scales, {OC + 1});
  declareDense(prologue, {C, 2, N});
  k.params = {input, weights, scales, prologue};
  if (s.hasResidual) {
    declareDense(residual, {OC, OW, OH, N});
    k.params.push_back(residual);
  }

  Var c("c"), x("x"), y("y"), n("n");
  // The quantized input in padded coordinates; channels past C are the
  // zero bytes that fill the last 4-byte dot product.
  Func staged("staged");
  {
    Expr cs = min(c, int(C - 1)), xs = clamp(x, 0, int(W - 1)),
         ys = clamp(y, 0, int(H - 1));
    Expr v = applyActivation(s.prologueActivation,
                             input(cs, xs, ys, n) * prologue(cs, 0, n) +
                                 prologue(cs, 1, n));
    Expr u8 = cast<uint8_t>(clamp(round(v * scales(int(OC))), 0.0f, 255.0f));
    Expr inside = x >= 0 && x < int(W) && y >= 0 && y < int(H);
    if (q.inC4() != C)
      inside = inside && c < int(C);
    staged(c, x, y, n) = select(inside, u8, cast<uint8_t>(0));
  }
  // r.x: the 4 bytes of one dot product, innermost (what vpdpbusd sums).
  RDom r(0, 4, 0, int(q.inC4() / 4), 0, K, 0, K);
  Expr ix = x * S + r[2] - int(s.padLeft);
  Expr iy = y * S + r[3] - int(s.padTop);
  Func acc("acc"), out("output");
  acc(c, x, y, n) = 0;
  acc(c, x, y, n) +=
      cast<int32_t>(staged(r[1] * 4 + r[0], ix, iy, n)) *
      cast<int32_t>(weights(r[0], c % lanes, r[1], r[2], r[3], c / lanes));
  Expr v = cast<float>(acc(c, x, y, n)) * scales(c);
  if (s.hasResidual)
    v += residual(c, x, y, n);
  out(c, x, y, n) = v;
  declareDense(out.output_buffer(), {OC, OW, OH, N});

  // Register tile: `vectors` vectors of output channels x `pixels` output
  // pixels of int32 accumulators; per reduction step `vectors` weight loads
  // and `pixels` 4-byte broadcasts feed vectors * pixels vpdpbusd. With
  // AVX-512 (32 registers) 2 x up to 8 (16 accumulators); elsewhere 1 x 4.
  // Strips of rows run in parallel, each staging its input rows once.
  // GuardWithIf, never ShiftInwards: the output may overwrite its residual
  // in place.
  const bool wide = target.has_feature(Target::AVX512);
  const int vectors = wide && OC % (2 * lanes) == 0 ? 2 : 1;
  int pixels = 4;
  if (wide) {
    // The widest tile up to 8 that divides the row (7 for 7/14/28), else 8.
    pixels = int(std::min<int64_t>(OW, 8));
    for (int p = 8; p >= 5; --p)
      if (OW % p == 0) {
        pixels = p;
        break;
      }
  }
  const int rows = int(std::min<int64_t>(OH, 4));
  Var co("co"), ci("ci"), xo("xo"), xi("xi"), yo("yo"), yi("yi"), cv("cv"),
      cl("cl");
  out.split(c, co, ci, lanes * vectors)
      .split(x, xo, xi, pixels, TailStrategy::GuardWithIf)
      .split(y, yo, yi, rows, TailStrategy::GuardWithIf)
      .reorder(ci, xi, co, xo, yi, yo, n)
      .vectorize(ci, lanes)
      .unroll(ci)
      .unroll(xi)
      .parallel(yo);
  acc.compute_at(out, co)
      .bound_extent(c, lanes * vectors)
      .split(c, cv, cl, lanes)
      .vectorize(cl)
      .unroll(cv)
      .unroll(x);
  acc.update()
      .split(c, cv, cl, lanes)
      .reorder(r[0], cl, x, cv, r[1], r[2], r[3], y, n)
      .atomic()
      .vectorize(r[0])
      .vectorize(cl)
      .unroll(x)
      .unroll(cv);
  const int stagedVector = q.inC4() % 16 == 0 ? 16 : q.inC4() % 8 == 0 ? 8 : 4;
  staged.compute_at(out, yo).vectorize(c, stagedVector,
                                       TailStrategy::GuardWithIf);
  std::string note = "int8 direct conv: GN prologue quantized per strip of " +
                     std::to_string(rows) + " rows, " +
                     std::to_string(vectors) + "x" + std::to_string(lanes) +
                     " channels x " + std::to_string(pixels) +
                     " pixels per tile, 4-byte dot products";
  std::vector<Func> outputs = {out};
  // Group-norm statistics of the fp32 output: the second pass of the
  // Winograd kernel (ConvStatistics.cpp).
  if (s.hasStats)
    outputs.push_back(buildConvStatistics(s, out, ConvStatsPlacement{},
                                          floatVectorWidth(target), note));
  finishPipeline(k, outputs, note);
  return k;
}

} // namespace bitc::kernels
