//===- AotGen.cpp - Emit AOT objects for the smoke test --------------------===//
//
// kernel-aot-gen DIR: compiles two kernels the way the compiler will
// (Pipeline::compile_to_object with NoRuntime, NoAsserts, NoBoundsQuery) plus
// one standalone Halide runtime, and writes their inputs and the JIT results
// as raw float files, so AotSmoke.c can link the objects into a plain C
// program, fill halide_buffer_t by hand and compare.
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/Kernels.h"

#include <HalideBuffer.h>

#include <cstdio>
#include <random>
#include <string>

using namespace bitc::kernels;
using Halide::Buffer;

namespace {

void writeRaw(const std::string &path, const float *data, size_t count) {
  FILE *f = std::fopen(path.c_str(), "wb");
  std::fwrite(data, sizeof(float), count, f);
  std::fclose(f);
}

/// Manifest line: file name, dimensions, extents (Halide order).
void manifest(FILE *m, const std::string &dir, const std::string &name,
              const Buffer<float> &b) {
  writeRaw(dir + "/" + name, b.data(), b.number_of_elements());
  std::fprintf(m, "%s %d", name.c_str(), b.dimensions());
  for (int i = 0; i < b.dimensions(); ++i)
    std::fprintf(m, " %d", b.dim(i).extent());
  std::fprintf(m, "\n");
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: kernel-aot-gen DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  Halide::Target target("x86-64-linux-avx2-fma-f16c");
  Halide::Target aot = target.with_feature(Halide::Target::NoRuntime)
                           .with_feature(Halide::Target::NoAsserts)
                           .with_feature(Halide::Target::NoBoundsQuery);
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> dist(-1, 1);
  auto fill = [&](std::vector<int> ext) {
    Buffer<float> b(ext);
    b.for_each_value([&](float &v) { v = dist(gen); });
    return b;
  };

  // A fused conv: 3x3, gelu prologue, residual, stats (the shape AotSmoke.c
  // hard-codes: 32x20x18 -> 64, pad 1, 16 groups, 4-row tiles).
  ConvSpec s;
  s.inC = 32, s.inH = 20, s.inW = 18, s.outC = 64;
  s.kernelH = s.kernelW = 3;
  s.padTop = s.padLeft = s.padBottom = s.padRight = 1;
  s.hasPrologue = true, s.prologueActivation = Activation::Gelu;
  s.hasResidual = true;
  s.hasStats = true, s.statsGroups = 16, s.statsTileRows = 4;
  KernelPipeline conv = buildConv(s, target);
  Buffer<float> in = fill({32, 18, 20, 1});
  Buffer<float> w = fill(packedConvWeightShape(s, target));
  Buffer<float> pro = fill({32, 2, 1});
  Buffer<float> res = fill({64, 18, 20, 1});
  conv.params[0].set(in);
  conv.params[1].set(w);
  conv.params[2].set(pro);
  conv.params[3].set(res);
  Buffer<float> out(64, 18, 20, 1), stats(3, 16, 5, 1);
  conv.pipeline.realize(Halide::Realization({out, stats}), target);
  conv.pipeline.compile_to_object(dir + "/conv.o", conv.inputs, "smoke_conv", aot);
  conv.pipeline.compile_to_header(dir + "/conv.h", conv.inputs, "smoke_conv", aot);
  // Argument order: inputs then outputs (the outputs' files hold the JIT
  // results to compare with).
  FILE *m = std::fopen((dir + "/conv.manifest").c_str(), "w");
  manifest(m, dir, "conv_in.f32", in);
  manifest(m, dir, "conv_w.f32", w);
  manifest(m, dir, "conv_pro.f32", pro);
  manifest(m, dir, "conv_res.f32", res);
  manifest(m, dir, "conv_out.f32", out);
  manifest(m, dir, "conv_stats.f32", stats);
  std::fclose(m);

  // The head: linear 64 -> 10, batch 2.
  KernelPipeline lin = buildLinear(2, 64, 10, target);
  Buffer<float> x = fill({64, 2});
  Buffer<float> lw = fill(packedLinearWeightShape(64, 10, target));
  Buffer<float> lb = fill({10});
  lin.params[0].set(x);
  lin.params[1].set(lw);
  lin.params[2].set(lb);
  Buffer<float> logits(10, 2);
  lin.pipeline.realize(logits, target);
  lin.pipeline.compile_to_object(dir + "/linear.o", lin.inputs, "smoke_linear", aot);
  m = std::fopen((dir + "/linear.manifest").c_str(), "w");
  manifest(m, dir, "lin_x.f32", x);
  manifest(m, dir, "lin_w.f32", lw);
  manifest(m, dir, "lin_b.f32", lb);
  manifest(m, dir, "lin_out.f32", logits);
  std::fclose(m);

  Halide::compile_standalone_runtime(dir + "/halide_runtime.o", target);
  return 0;
}
