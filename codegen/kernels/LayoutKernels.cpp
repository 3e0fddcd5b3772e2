//===- LayoutKernels.cpp - Activations into the caller's NCHW buffers -----===//
//
// A feature map the caller asked for (bitc compile --outputs stage2, ...)
// lives in the workspace channels-innermost; the C API hands it out NCHW.
// The copy transposes vector-by-vector blocks in registers: whole vectors
// of channels are loaded, whole vectors of pixels stored.
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/KernelUtil.h"

using namespace Halide;

namespace bitc::kernels {
using namespace detail;

KernelPipeline buildToNCHW(const TensorShape &in, const Target &target) {
  const int vw = floatVectorWidth(target);
  KernelPipeline k;
  ImageParam input(Float(32), 4, "input");
  declareDense(input, {in.c, in.w, in.h, in.n});
  k.params = {input};
  Var x("x"), y("y"), c("c"), n("n");
  Func out("output");
  out(x, y, c, n) = input(c, x, y, n);
  declareDense(out.output_buffer(), {in.w, in.h, in.c, in.n});
  Var yn("yn");
  if (in.w >= vw && in.c >= vw) {
    Var xo("xo"), xi("xi"), co("co"), ci("ci");
    Func block = input.in();
    out.tile(x, c, xo, co, xi, ci, vw, vw, TailStrategy::ShiftInwards)
        .reorder(xi, ci, xo, co, y, n)
        .fuse(y, n, yn)
        .parallel(yn)
        .vectorize(xi)
        .unroll(ci);
    block.compute_at(out, xo).vectorize(_0).unroll(_1);
    finishPipeline(k, {out},
                   "rows parallel, vector x vector blocks transposed in "
                   "registers");
  } else if (in.c >= vw && in.c % vw == 0) {
    // Planes narrower than a vector (stage3 and stage4 of R50 at 224: 14, 7):
    // a block of one row's whole width by a vector of channels, loaded as
    // channel vectors and stored as rows; blocks of channels are parallel
    // too, as 7 rows would leave a thread idle.
    Var co("co"), ci("ci"), t("t");
    Func block = input.in();
    out.split(c, co, ci, vw)
        .reorder(x, ci, co, y, n)
        .fuse(y, n, yn)
        .fuse(co, yn, t)
        .parallel(t)
        .vectorize(x, static_cast<int>(in.w))
        .unroll(ci);
    block.compute_at(out, t).vectorize(_0, vw).unroll(_1);
    finishPipeline(k, {out},
                   "rows x channel blocks parallel, whole narrow rows "
                   "transposed in registers");
  } else {
    out.fuse(y, n, yn).parallel(yn);
    finishPipeline(k, {out}, "rows parallel");
  }
  return k;
}

} // namespace bitc::kernels
