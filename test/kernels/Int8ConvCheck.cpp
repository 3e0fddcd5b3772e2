//===- Int8ConvCheck.cpp - The int8 convolution against integer loops -----===//
//
//   int8-conv-check [--target=T]      (default x86-64-linux-avx2-fma; host)
//
// Runs buildInt8Conv (JIT) on random u8 inputs and i8 weights for several
// shapes (1x1, 3x3 padded, strided, input channels not a multiple of 4,
// extreme values 255 x -128) and compares with a double-precision loop over
// the same integers: the sums are exact in int32, so the float32 outputs must
// equal float(sum) * scale to 1 ulp. Then reads the assembly Halide makes for
// x86-64 AVX-512 with and without avx512_sapphirerapids and for AVX2: the
// first must use vpdpbusd, the others must not (AVX2: vpmaddwd).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/Int8Conv.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace Halide;
using bitc::kernels::Int8ConvSpec;

namespace {

Int8ConvSpec makeSpec(int inC, int size, int outC, int kernel, int stride,
                      int pad) {
  Int8ConvSpec s;
  s.inC = inC, s.inH = s.inW = size, s.outC = outC;
  s.kernel = kernel, s.stride = stride, s.padTop = s.padLeft = pad;
  s.outH = s.outW = (size + 2 * pad - kernel) / stride + 1;
  return s;
}

/// Max relative error of the kernel against the loops; -1 on a crash.
double check(const Int8ConvSpec &s, const Target &target, unsigned seed,
             bool extremes) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> in(s.inC4() * s.inW * s.inH, 0);
  std::vector<int8_t> w(s.outC * s.inC * s.kernel * s.kernel);
  std::vector<float> scales(s.outC);
  for (int64_t y = 0; y < s.inH; ++y)
    for (int64_t x = 0; x < s.inW; ++x)
      for (int64_t c = 0; c < s.inC; ++c)
        in[c + s.inC4() * (x + s.inW * y)] =
            extremes ? 255 : uint8_t(rng() % 256);
  for (int8_t &v : w)
    v = extremes ? int8_t(-128) : int8_t(int(rng() % 255) - 127);
  for (float &v : scales)
    v = std::ldexp(1.0f + float(rng() % 1000) / 1000.0f, -14);
  std::vector<int8_t> packed = packInt8ConvWeights(s, target, w.data());
  bitc::kernels::KernelPipeline k = buildInt8Conv(s, target);
  Buffer<uint8_t> inBuf(in.data(), {int(s.inC4()), int(s.inW), int(s.inH)});
  std::vector<int> shape = packedInt8ConvWeightShape(s, target);
  Buffer<int8_t> wBuf(packed.data(), shape);
  Buffer<float> scaleBuf(scales.data(), {int(s.outC)});
  k.params[0].set(inBuf);
  k.params[1].set(wBuf);
  k.params[2].set(scaleBuf);
  Buffer<float> out(int(s.outC), int(s.outW), int(s.outH));
  k.pipeline.realize(out, target);
  double worst = 0;
  for (int64_t oy = 0; oy < s.outH; ++oy)
    for (int64_t ox = 0; ox < s.outW; ++ox)
      for (int64_t co = 0; co < s.outC; ++co) {
        double sum = 0;
        for (int64_t ky = 0; ky < s.kernel; ++ky)
          for (int64_t kx = 0; kx < s.kernel; ++kx) {
            int64_t iy = oy * s.stride + ky - s.padTop;
            int64_t ix = ox * s.stride + kx - s.padLeft;
            if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW)
              continue;
            for (int64_t ci = 0; ci < s.inC; ++ci)
              sum += double(in[ci + s.inC4() * (ix + s.inW * iy)]) *
                     w[((co * s.inC + ci) * s.kernel + ky) * s.kernel + kx];
          }
        double want = double(float(sum) * scales[co]);
        double got = out(int(co), int(ox), int(oy));
        double err = std::fabs(got - want) / std::max(1e-30, std::fabs(want));
        if (want == 0)
          err = std::fabs(got);
        worst = std::max(worst, err);
      }
  return worst;
}

int countInAssembly(const Int8ConvSpec &s, const std::string &targetString,
                    const std::string &instruction) {
  Target target(targetString);
  target = target.with_feature(Target::NoRuntime)
               .with_feature(Target::NoAsserts)
               .with_feature(Target::NoBoundsQuery);
  bitc::kernels::KernelPipeline k = buildInt8Conv(s, target);
  char path[] = "/tmp/int8-conv-check-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return -1;
  close(fd);
  k.pipeline.compile_to_assembly(path, k.inputs, "int8_conv", target);
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::remove(path);
  std::string body = text.str();
  int count = 0;
  for (size_t at = body.find(instruction); at != std::string::npos;
       at = body.find(instruction, at + 1))
    ++count;
  return count;
}

} // namespace

int main(int argc, char **argv) {
  std::string targetString = "x86-64-linux-avx2-fma";
  for (int i = 1; i < argc; ++i)
    if (!std::strncmp(argv[i], "--target=", 9))
      targetString = argv[i] + 9;
  Target target =
      targetString == "host" ? get_host_target() : Target(targetString);
  int lanes = bitc::kernels::int8ConvLanes(target);
  struct Case {
    const char *name;
    Int8ConvSpec spec;
    bool extremes;
  } cases[] = {
      {"1x1", makeSpec(32, 9, 2 * lanes, 1, 1, 0), false},
      {"3x3 pad 1", makeSpec(16, 10, lanes, 3, 1, 1), false},
      {"3x3 stride 2", makeSpec(24, 11, 2 * lanes, 3, 2, 1), false},
      {"inC 6 (padded to 8)", makeSpec(6, 7, lanes, 3, 1, 1), false},
      {"1x1 stride 2 (downsample)", makeSpec(20, 8, lanes, 1, 2, 0), false},
      {"255 x -128 (int32 range)", makeSpec(256, 5, lanes, 3, 1, 1), true},
  };
  int failures = 0;
  std::printf("target %s, %d channels per vector\n", target.to_string().c_str(),
              lanes);
  for (const Case &c : cases) {
    double err = check(c.spec, target, 7, c.extremes);
    bool ok = err <= 6e-8; // float(sum) * scale: one rounding, 1 ulp
    failures += !ok;
    std::printf("%-28s max rel err %.3g  %s\n", c.name, err,
                ok ? "ok" : "FAIL");
  }
  // What Halide 14 makes of the reduction on each x86 target.
  Int8ConvSpec asmSpec = makeSpec(32, 8, 16, 3, 1, 1);
  struct AsmCase {
    const char *target, *instruction;
    bool wanted;
  } asmCases[] = {
      {"x86-64-linux-avx512-avx512_skylake-avx512_cannonlake-avx512_"
       "sapphirerapids",
       "vpdpbusd", true},
      {"x86-64-linux-avx512-avx512_skylake", "vpdpbusd", false},
      {"x86-64-linux-avx2-fma", "vpdpbusd", false},
      {"x86-64-linux-avx2-fma", "vpmaddwd", true},
  };
  for (const AsmCase &a : asmCases) {
    Int8ConvSpec s = asmSpec;
    s.outC = 2 * bitc::kernels::int8ConvLanes(Target(a.target));
    int n = countInAssembly(s, a.target, a.instruction);
    bool ok = a.wanted ? n > 0 : n == 0;
    failures += !ok;
    std::printf("%s: %d x %s  %s\n", a.target, n, a.instruction,
                ok ? "ok" : "FAIL");
  }
  std::printf("%s\n", failures ? "FAILED" : "all ok");
  return failures ? 1 : 0;
}
