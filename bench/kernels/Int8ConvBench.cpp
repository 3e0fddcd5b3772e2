//===- Int8ConvBench.cpp - int8 vs fp32 direct convolution, one shape -----===//
//
//   int8-conv-bench C SIZE K REPS [TARGET]
//
// C -> C channels, SIZE x SIZE pixels, K x K kernel (padding K/2), JIT for
// TARGET (default host). Runs the fp32 direct convolution (buildConv) and the
// int8 one (buildInt8Conv) in turn REPS times and prints the best time of each
// and their ratio. MODE=fp32 or MODE=int8 in the environment: only that
// kernel, REPS times, nothing printed (for a whole-process A/B of two runs).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/Int8Conv.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace Halide;
using namespace bitc::kernels;

static double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char **argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: int8-conv-bench C SIZE K REPS [TARGET]\n");
    return 2;
  }
  int c = std::atoi(argv[1]), size = std::atoi(argv[2]);
  int k = std::atoi(argv[3]), reps = std::atoi(argv[4]);
  Target target = argc > 5 ? Target(argv[5]) : get_host_target();

  ConvSpec f;
  f.inC = f.outC = c, f.inH = f.inW = size, f.kernelH = f.kernelW = k;
  f.padTop = f.padLeft = f.padBottom = f.padRight = k / 2;
  std::vector<float> w(size_t(c) * c * k * k, 0.01f),
      in(size_t(c) * size * size, 0.5f);
  std::vector<float> packed = packConvWeights(f, target, w.data());
  KernelPipeline fp32 = buildConv(f, target);
  fp32.params[0].set(Buffer<float>(in.data(), {c, size, size, 1}));
  fp32.params[1].set(
      Buffer<float>(packed.data(), packedConvWeightShape(f, target)));
  Buffer<float> fp32Out(c, int(f.outW()), int(f.outH()), 1);

  Int8ConvSpec q;
  q.inC = q.outC = c, q.inH = q.inW = q.outH = q.outW = size, q.kernel = k;
  q.padTop = q.padLeft = k / 2;
  std::vector<int8_t> wq(size_t(c) * c * k * k, 3);
  std::vector<uint8_t> inq(size_t(q.inC4()) * size * size, 7);
  std::vector<float> scales(c, 1e-3f);
  std::vector<int8_t> packedq = packInt8ConvWeights(q, target, wq.data());
  KernelPipeline int8 = buildInt8Conv(q, target);
  int8.params[0].set(Buffer<uint8_t>(inq.data(), {int(q.inC4()), size, size}));
  int8.params[1].set(
      Buffer<int8_t>(packedq.data(), packedInt8ConvWeightShape(q, target)));
  int8.params[2].set(Buffer<float>(scales.data(), {c}));
  Buffer<float> int8Out(c, size, size);

  if (const char *mode = std::getenv("MODE")) {
    bool useInt8 = !std::strcmp(mode, "int8");
    KernelPipeline &kernel = useInt8 ? int8 : fp32;
    Buffer<float> &out = useInt8 ? int8Out : fp32Out;
    kernel.pipeline.compile_jit(target);
    for (int r = 0; r < reps; ++r)
      kernel.pipeline.realize(out, target);
    return 0;
  }
  fp32.pipeline.compile_jit(target);
  int8.pipeline.compile_jit(target);
  fp32.pipeline.realize(fp32Out, target);
  int8.pipeline.realize(int8Out, target);
  double bestFp32 = 1e9, bestInt8 = 1e9;
  for (int r = 0; r < reps; ++r) {
    double t0 = seconds();
    fp32.pipeline.realize(fp32Out, target);
    double t1 = seconds();
    int8.pipeline.realize(int8Out, target);
    double t2 = seconds();
    bestFp32 = std::min(bestFp32, t1 - t0);
    bestInt8 = std::min(bestInt8, t2 - t1);
  }
  double macs = double(c) * c * k * k * size * size;
  std::printf("%s %dx%d %dx%d %d->%d: fp32 %.3f ms (%.1f GMAC/s), int8 %.3f ms "
              "(%.1f GMAC/s), int8 %.2fx faster\n",
              target.to_string().c_str(), size, size, k, k, c, c,
              bestFp32 * 1e3, macs / bestFp32 / 1e9, bestInt8 * 1e3,
              macs / bestInt8 / 1e9, bestFp32 / bestInt8);
  return 0;
}
