//===- DotProductConv.cpp - The convs of --precision int8 and bf16 --------===//
//
// int8: out(c, x, y) = scales[c] * sum(u8(x) * i8(w)) (+ bias[c])
// (+ residual), where u8(x) = round(act(input * scale + shift) / input scale)
// + z clamped to 0..255; z, the zero point, is 0 after relu and relu6 (no
// bias then), otherwise the code of 0, and bias[c] = -scales[c] * z * sum(w);
// bf16: out(c, x, y) = sum(bf16(act(input * scale + shift)) * bf16(w))
// (+ residual), summed in fp32. The prologue of buildConv and the narrowing
// run once per input pixel of a strip of output rows (not once per tap).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/Bf16Conv.h"
#include "codegen/kernels/ConvStatistics.h"
#include "codegen/kernels/DotPacking.h"
#include "codegen/kernels/Int8Conv.h"
#include "codegen/kernels/KernelUtil.h"

#include <algorithm>
#include <stdexcept>

using namespace Halide;
using namespace Halide::Internal;

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

bool int8HasZeroPoint(const ConvSpec &s) {
  return s.hasPrologue && s.prologueActivation != mlir::bit::Activation::Relu &&
         s.prologueActivation != mlir::bit::Activation::Relu6;
}

bool int8SignedCodes(const Target &target) {
  return target.arch == Target::ARM && target.bits == 64 &&
         target.has_feature(Target::ARMDotProd);
}

bool int8KernelZeroPoint(const ConvSpec &s, const Target &target) {
  return int8HasZeroPoint(s) || int8SignedCodes(target);
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

namespace {

/// broadcast(f32(v), n) -> f32(broadcast(v, n)) for a bf16 vector v. The
/// product of a bf16 dot product has one side broadcast (a pair of input
/// channels for every output lane); Halide 14's x86 pattern for vdpbf16ps
/// narrows its operands with lossless_cast, which sees through a cast but
/// not a multi-lane broadcast of one, and would fall back to scalar calls.
class HoistBf16Widening : public IRMutator {
  using IRMutator::visit;
  Expr visit(const Broadcast *op) override {
    if (const auto *widen = op->value.as<Cast>())
      if (widen->type.is_float() && widen->value.type().is_bfloat())
        return Cast::make(op->type,
                          Broadcast::make(mutate(widen->value), op->lanes));
    return IRMutator::visit(op);
  }
};

} // namespace

KernelPipeline buildDotProductConv(const ConvSpec &s, const Target &target,
                                   DotArithmetic arithmetic) {
  const bool int8 = arithmetic == DotArithmetic::Int8;
  const bool zeroPoint = int8 && int8KernelZeroPoint(s, target);
  const bool signedCodes = int8 && int8SignedCodes(target);
  const int lanes = int8ConvLanes(target), group = dotGroup(arithmetic);
  const int64_t N = s.batch, C = s.inC, H = s.inH, W = s.inW;
  const int64_t OC = s.outC, OH = s.outH(), OW = s.outW();
  const int64_t groups = ceilDiv(C, group), paddedC = groups * group;
  const int K = int(s.kernelH), S = int(s.strideH);

  KernelPipeline k;
  Type element = int8 ? Int(8) : BFloat(16);
  Type code = signedCodes ? Int(8) : UInt(8);
  const float codeMin = signedCodes ? -128.0f : 0.0f;
  ImageParam input(Float(32), 4, "input"), weights(element, 6, "weights"),
      scales(Float(32), 1, "scales"), prologue(Float(32), 3, "prologue"),
      residual(Float(32), 4, "residual");
  declareDense(input, {C, W, H, N});
  std::vector<int> wshape = dotWeightShape(C, OC, K, lanes, group);
  declareDense(weights, std::vector<int64_t>(wshape.begin(), wshape.end()));
  k.params = {input, weights};
  if (int8) {
    declareDense(scales, {zeroPoint ? 2 * OC + 2 : OC + 1});
    k.params.push_back(scales);
  }
  if (s.hasPrologue) {
    declareDense(prologue, {C, 2, N});
    k.params.push_back(prologue);
  }
  if (s.hasResidual) {
    declareDense(residual, {OC, OW, OH, N});
    k.params.push_back(residual);
  }

  Var c("c"), x("x"), y("y"), n("n");
  // The narrowed input in padded coordinates; channels past C are the zeros
  // that fill the last dot product.
  Func staged("staged");
  {
    Expr cs = min(c, int(C - 1)), xs = clamp(x, 0, int(W - 1)),
         ys = clamp(y, 0, int(H - 1));
    Expr v = input(cs, xs, ys, n);
    if (s.hasPrologue)
      v = applyActivation(s.prologueActivation,
                          v * prologue(cs, 0, n) + prologue(cs, 1, n));
    // The zero point z (an integer) is the code of 0: the padding's value.
    Expr z = zeroPoint ? scales(int(OC + 1)) : Expr(0.0f);
    Expr narrow = int8 ? cast(code, clamp(round(v * scales(int(OC))) + z,
                                          codeMin, codeMin + 255.0f))
                       : cast(BFloat(16), v);
    Expr inside = x >= 0 && x < int(W) && y >= 0 && y < int(H);
    if (paddedC != C)
      inside = inside && c < int(C);
    staged(c, x, y, n) =
        select(inside, narrow,
               zeroPoint ? cast(code, z) : make_zero(narrow.type()));
  }
  // r.x: the `group` values of one dot product, innermost (what vpdpbusd or
  // vdpbf16ps sums).
  RDom r(0, group, 0, int(groups), 0, K, 0, K);
  Expr ix = x * S + r[2] - int(s.padLeft);
  Expr iy = y * S + r[3] - int(s.padTop);
  Expr a = staged(r[1] * group + r[0], ix, iy, n);
  Expr w = weights(r[0], c % lanes, r[1], r[2], r[3], c / lanes);
  Func acc("acc"), out("output");
  Expr v;
  if (int8) {
    acc(c, x, y, n) = 0;
    acc(c, x, y, n) += cast<int32_t>(a) * cast<int32_t>(w);
    v = cast<float>(acc(c, x, y, n)) * scales(c);
    if (zeroPoint)
      v += scales(c + int(OC + 2));
  } else {
    acc(c, x, y, n) = 0.0f;
    acc(c, x, y, n) += cast<float>(a) * cast<float>(w);
    v = acc(c, x, y, n);
  }
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
  const int stagedVector = paddedC % 16 == 0  ? 16
                           : paddedC % 8 == 0 ? 8
                           : paddedC % 4 == 0 ? 4
                                              : 2;
  staged.compute_at(out, yo).vectorize(c, stagedVector,
                                       TailStrategy::GuardWithIf);
  std::string note =
      std::string(int8 ? "int8" : "bf16") +
      " direct conv: " + (s.hasPrologue ? "GN prologue" : "input") +
      (int8 ? (signedCodes ? " quantized (signed codes, zero point)"
               : zeroPoint ? " quantized (zero point)"
                           : " quantized")
            : " rounded") +
      " per strip of " +
      std::to_string(rows) + " rows, " + std::to_string(vectors) + "x" +
      std::to_string(lanes) + " channels x " + std::to_string(pixels) +
      " pixels per tile, " + (int8 ? "4-byte" : "bf16-pair") + " dot products";
  std::vector<Func> outputs = {out};
  // Group-norm statistics of the fp32 output: the second pass of the
  // Winograd kernel (ConvStatistics.cpp).
  if (s.hasStats)
    outputs.push_back(buildConvStatistics(s, out, ConvStatsPlacement{},
                                          floatVectorWidth(target), note));
  finishPipeline(k, outputs, note);
  if (!int8)
    k.pipeline.add_custom_lowering_pass(new HoistBf16Widening);
  return k;
}

KernelPipeline buildInt8ModelConv(const ConvSpec &s, const Target &target) {
  if (!int8ConvSupports(s, target))
    throw std::invalid_argument("buildInt8ModelConv: unsupported conv");
  return buildDotProductConv(s, target, DotArithmetic::Int8);
}

bool bf16TargetSupported(const Target &target) {
  return target.arch == Target::X86 && target.bits == 64 &&
         target.has_feature(Target::AVX512) &&
         target.has_feature(Target::AVX512_SapphireRapids);
}

bool bf16ConvSupports(const ConvSpec &s, const Target &target) {
  return bf16TargetSupported(target) && !s.inputNCHW &&
         s.kernelH == s.kernelW && s.strideH == s.strideW && s.dilationH == 1 &&
         s.dilationW == 1 && s.outC % int8ConvLanes(target) == 0;
}

KernelPipeline buildBf16ModelConv(const ConvSpec &s, const Target &target) {
  if (!bf16ConvSupports(s, target))
    throw std::invalid_argument("buildBf16ModelConv: unsupported conv");
  return buildDotProductConv(s, target, DotArithmetic::Bf16);
}

} // namespace bitc::kernels
