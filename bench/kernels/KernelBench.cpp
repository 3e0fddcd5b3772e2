//===- KernelBench.cpp - GFLOP/s of the conv kernels on R50x1 layers ------===//
//
// kernel-bench [--target=T] [--threads=2] [--reps=N] [--bare | --no-stats |
//               --no-residual | --no-prologue] [--preferred-tiles] [--asm=DIR]
//               [--small] [--winograd=2|4] [--image=224] [--cold[=MB]]
//               [--huge] [filter]
// JIT-compiles buildConv for every distinct conv of BiT-M R50x1 at 448x448,
// batch 1, with the fusions the compiler uses (prologue relu, residual, stats;
// --bare: none), and prints the median GFLOP/s over repeated timings and the
// share of the 178 GFLOP/s two-core FMA peak. The last line weights every
// layer by how often R50x1 uses it: estimated conv time of one forward.
// --winograd=M: the stride-1 3x3 layers use buildWinogradConv F(MxM, 3x3)
// (GFLOP figures stay those of the direct convolution's FLOPs).
// --image=224: the layers at 224x224 (every plane halved).
// --cold[=MB]: each call reads its weights from one of enough copies to fill
// MB (default 512) of memory, so they come from DRAM as inside a whole
// forward, not from the caches; --huge puts those copies in 2 MB pages.
// The kernels carry the next block's weight prefetches of a compiled model.
// Several threads run Halide's own pool (tasks handed out one at a time), not
// the model runtime's contiguous shares (runtime/SlotLoops.c), so there the
// block a task prefetches is often the other thread's next one.
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/Kernels.h"

#include <HalideBuffer.h>
#include <HalideRuntime.h>

#include <immintrin.h>
#include <malloc.h>
#include <sys/mman.h>
#include <thread>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

using namespace bitc::kernels;
using Halide::Buffer;

namespace {

struct Layer {
  std::string name;
  ConvSpec spec;
  int uses; // occurrences in R50x1
};

/// The layers are listed at 448; --image=224 halves every plane.
int64_t gImageScale = 1;

/// `name` with each plane size after '@' (and after its '->') divided by the
/// image scale.
std::string scaledName(const char *name) {
  std::string out;
  bool inPlane = false;
  for (const char *p = name; *p;) {
    if (*p == '@')
      inPlane = true;
    if (inPlane && std::isdigit(static_cast<unsigned char>(*p))) {
      char *end = nullptr;
      out += std::to_string(std::strtol(p, &end, 10) / gImageScale);
      p = end;
      continue;
    }
    if (*p == ' ')
      inPlane = false;
    out += *p++;
  }
  return out;
}

/// Prints how much of this process's memory the kernel gave 2 MB pages (the
/// madvise of --huge is only a request).
void reportHugePages() {
  if (std::FILE *f = std::fopen("/proc/self/smaps_rollup", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, "AnonHugePages:", 14) == 0)
        std::fprintf(stderr, "--huge: %s", line);
    std::fclose(f);
  }
}

ConvSpec conv(int64_t c, int64_t hw, int64_t oc, int64_t k, int64_t stride) {
  hw /= gImageScale;
  ConvSpec s;
  s.inC = c;
  s.inH = s.inW = hw;
  s.outC = oc;
  s.kernelH = s.kernelW = k;
  s.strideH = s.strideW = stride;
  const int64_t pad = ((stride - 1) + (k - 1)) / 2;
  s.padTop = s.padLeft = s.padBottom = s.padRight = pad;
  return s;
}

/// role: 0 = stem, 1 = conv1/conv2 (prologue + stats), 2 = conv3 (prologue +
/// residual + stats), 3 = downsample (prologue only).
bool gColdWeights = false, gHugePages = false;
/// --cold=MB: how much memory the rotated weight copies fill.
size_t gColdBytes = size_t(512) << 20;
bool gNoStats = false, gNoResidual = false, gNoPrologue = false,
     gPreferredTiles = false;

Layer layer(const char *name, ConvSpec s, int role, int uses, bool bare,
            const Halide::Target &t) {
  if (!bare && role != 0) {
    s.hasPrologue = true;
    s.prologueActivation = Activation::Relu;
    if (role == 1 || role == 2) {
      s.hasStats = true;
      s.statsGroups = 32;
      // The compiler's tiling (bit-tile-group-norm, tile-pixels 1024), or
      // the kernel's preferred band with --preferred-tiles.
      s.statsTileRows = gPreferredTiles
                            ? preferredStatsTileRows(s, t)
                            : std::clamp<int64_t>(1024 / s.outW(), 1, s.outH());
    }
    s.hasResidual = role == 2;
    s.hasStats = s.hasStats && !gNoStats;
    s.hasResidual = s.hasResidual && !gNoResidual;
    s.hasPrologue = !gNoPrologue;
  }
  return {scaledName(name), s, uses};
}

std::vector<Layer> r50Layers(bool bare, const Halide::Target &t) {
  std::vector<Layer> L;
  ConvSpec stem = conv(3, 448, 64, 7, 2);
  stem.inputNCHW = true;
  L.push_back(layer("stem 7x7 s2 3->64 @448", stem, 0, 1, bare, t));
  // stage 1 @112
  L.push_back(layer("s1 conv1 1x1 64->64 @112", conv(64, 112, 64, 1, 1), 1, 1,
                    bare, t));
  L.push_back(layer("s1 conv1 1x1 256->64 @112", conv(256, 112, 64, 1, 1), 1, 2,
                    bare, t));
  L.push_back(layer("s1 conv2 3x3 64->64 @112", conv(64, 112, 64, 3, 1), 1, 3,
                    bare, t));
  L.push_back(layer("s1 conv3 1x1 64->256 @112", conv(64, 112, 256, 1, 1), 2, 3,
                    bare, t));
  L.push_back(layer("s1 down 1x1 64->256 @112", conv(64, 112, 256, 1, 1), 3, 1,
                    bare, t));
  // stage 2
  L.push_back(layer("s2 conv1 1x1 256->128 @112", conv(256, 112, 128, 1, 1), 1,
                    1, bare, t));
  L.push_back(layer("s2 conv2 3x3 s2 128 @112->56", conv(128, 112, 128, 3, 2),
                    1, 1, bare, t));
  L.push_back(layer("s2 down 1x1 s2 256->512 @112", conv(256, 112, 512, 1, 2),
                    3, 1, bare, t));
  L.push_back(layer("s2 conv1 1x1 512->128 @56", conv(512, 56, 128, 1, 1), 1, 3,
                    bare, t));
  L.push_back(layer("s2 conv2 3x3 128->128 @56", conv(128, 56, 128, 3, 1), 1, 3,
                    bare, t));
  L.push_back(layer("s2 conv3 1x1 128->512 @56", conv(128, 56, 512, 1, 1), 2, 4,
                    bare, t));
  // stage 3
  L.push_back(layer("s3 conv1 1x1 512->256 @56", conv(512, 56, 256, 1, 1), 1, 1,
                    bare, t));
  L.push_back(layer("s3 conv2 3x3 s2 256 @56->28", conv(256, 56, 256, 3, 2), 1,
                    1, bare, t));
  L.push_back(layer("s3 down 1x1 s2 512->1024 @56", conv(512, 56, 1024, 1, 2),
                    3, 1, bare, t));
  L.push_back(layer("s3 conv1 1x1 1024->256 @28", conv(1024, 28, 256, 1, 1), 1,
                    5, bare, t));
  L.push_back(layer("s3 conv2 3x3 256->256 @28", conv(256, 28, 256, 3, 1), 1, 5,
                    bare, t));
  L.push_back(layer("s3 conv3 1x1 256->1024 @28", conv(256, 28, 1024, 1, 1), 2,
                    6, bare, t));
  // stage 4
  L.push_back(layer("s4 conv1 1x1 1024->512 @28", conv(1024, 28, 512, 1, 1), 1,
                    1, bare, t));
  L.push_back(layer("s4 conv2 3x3 s2 512 @28->14", conv(512, 28, 512, 3, 2), 1,
                    1, bare, t));
  L.push_back(layer("s4 down 1x1 s2 1024->2048 @28", conv(1024, 28, 2048, 1, 2),
                    3, 1, bare, t));
  L.push_back(layer("s4 conv1 1x1 2048->512 @14", conv(2048, 14, 512, 1, 1), 1,
                    2, bare, t));
  L.push_back(layer("s4 conv2 3x3 512->512 @14", conv(512, 14, 512, 3, 1), 1, 2,
                    bare, t));
  L.push_back(layer("s4 conv3 1x1 512->2048 @14", conv(512, 14, 2048, 1, 1), 2,
                    3, bare, t));
  return L;
}

double cpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// 12 independent FMA chains on 8-wide vectors: the per-core FMA peak.
__attribute__((target("avx2,fma"))) float fmaPeakLoop(long iters) {
  __m256 a[12];
  for (int i = 0; i < 12; ++i)
    a[i] = _mm256_set1_ps(float(i));
  const __m256 b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.001f);
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < 12; ++j)
      a[j] = _mm256_fmadd_ps(a[j], b, c);
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i)
    s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

/// The same with 16-wide AVX-512 vectors: 12 named chains (an array of
/// vectors gets interchanged into a latency-bound loop by GCC).
__attribute__((target("avx512f"))) float fmaPeakLoop512(long iters) {
  __m512 a0 = _mm512_set1_ps(0), a1 = _mm512_set1_ps(1), a2 = _mm512_set1_ps(2),
         a3 = _mm512_set1_ps(3), a4 = _mm512_set1_ps(4), a5 = _mm512_set1_ps(5),
         a6 = _mm512_set1_ps(6), a7 = _mm512_set1_ps(7), a8 = _mm512_set1_ps(8),
         a9 = _mm512_set1_ps(9), a10 = _mm512_set1_ps(10),
         a11 = _mm512_set1_ps(11);
  const __m512 b = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(0.001f);
  for (long i = 0; i < iters; ++i) {
    a0 = _mm512_fmadd_ps(a0, b, c);
    a1 = _mm512_fmadd_ps(a1, b, c);
    a2 = _mm512_fmadd_ps(a2, b, c);
    a3 = _mm512_fmadd_ps(a3, b, c);
    a4 = _mm512_fmadd_ps(a4, b, c);
    a5 = _mm512_fmadd_ps(a5, b, c);
    a6 = _mm512_fmadd_ps(a6, b, c);
    a7 = _mm512_fmadd_ps(a7, b, c);
    a8 = _mm512_fmadd_ps(a8, b, c);
    a9 = _mm512_fmadd_ps(a9, b, c);
    a10 = _mm512_fmadd_ps(a10, b, c);
    a11 = _mm512_fmadd_ps(a11, b, c);
  }
  __m512 s = _mm512_add_ps(
      _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
      _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(
      s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  float lanes[16];
  _mm512_storeu_ps(lanes, s);
  return lanes[0] + lanes[15];
}

/// GFLOP per CPU-second of the FMA loop on `threads` threads (and wall
/// GFLOP/s).
std::pair<double, double> measurePeak(int threads, bool avx512 = false) {
  const long iters = 20000000;
  double best = 0, bestWall = 0;
  for (int rep = 0; rep < 3; ++rep) {
    double c0 = cpuSeconds(), w0 = seconds();
    std::vector<std::thread> pool;
    volatile float sink = 0;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        sink = sink + (avx512 ? fmaPeakLoop512(iters / 2) : fmaPeakLoop(iters));
      });
    for (auto &th : pool)
      th.join();
    double flop = avx512 ? double(iters / 2) * 12 * 16 * 2 * threads
                         : double(iters) * 12 * 8 * 2 * threads;
    best = std::max(best, flop / (cpuSeconds() - c0) * 1e-9);
    bestWall = std::max(bestWall, flop / (seconds() - w0) * 1e-9);
  }
  return {best, bestWall};
}

/// Median wall seconds of realizing `k` into `outs` (inputs already set);
/// `bestCpu` receives the smallest CPU seconds of one call.
double timeKernel(KernelPipeline &k, std::vector<Buffer<void>> outs,
                  const Halide::Target &target, int reps, double &bestCpu) {
  Halide::Realization real(outs);
  k.pipeline.compile_jit(target);
  k.pipeline.realize(real, target);
  double t0 = seconds();
  k.pipeline.realize(real, target);
  double once = std::max(1e-6, seconds() - t0);
  int iters = std::max(1, int(0.02 / once));
  std::vector<double> times;
  bestCpu = 1e30;
  for (int r = 0; r < reps; ++r) {
    double a = seconds(), ca = cpuSeconds();
    for (int i = 0; i < iters; ++i)
      k.pipeline.realize(real, target);
    times.push_back((seconds() - a) / iters);
    bestCpu = std::min(bestCpu, (cpuSeconds() - ca) / iters);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// The memory-bound kernels at R50x1 @448 sizes: time and bytes moved.
void benchSmallKernels(const Halide::Target &target, int reps) {
  std::mt19937 gen(2);
  std::uniform_real_distribution<float> dist(-1, 1);
  auto fill = [&](std::vector<int> ext) {
    Buffer<float> b(ext);
    b.for_each_value([&](float &v) { v = dist(gen); });
    return b;
  };
  std::printf("\n| kernel | median ms | GB/s (bytes in + out) | best CPU ms "
              "(all threads) | schedule |\n"
              "|---|---|---|---|---|\n");
  auto report = [&](const char *name, KernelPipeline &k,
                    std::vector<Buffer<void>> outs, double bytes) {
    double cpu = 0;
    double t = timeKernel(k, outs, target, reps, cpu);
    std::printf("| %s | %.3f | %.1f | %.3f | %s |\n", name, t * 1e3,
                bytes / t * 1e-9, cpu * 1e3, k.scheduleNote.c_str());
    std::fflush(stdout);
  };
  {
    TensorShape sh{1, 64, 224, 224};
    KernelPipeline k = buildMaxPool(sh, 3, 2, 1, 1, 1, 1, target);
    k.params[0].set(fill({64, 224, 224, 1}));
    report("maxpool 3x3 s2 pad 1, 224x224x64", k,
           {Buffer<float>(64, 112, 112, 1)},
           4.0 * 64 * (224 * 224 + 112 * 112));
  }
  {
    TensorShape sh{1, 256, 112, 112};
    KernelPipeline k = buildGroupNormStats(sh, 32, 1e-5, target);
    k.params[0].set(fill({256, 112, 112, 1}));
    k.params[1].set(fill({256}));
    k.params[2].set(fill({256}));
    report("group_norm_stats 112x112x256 (two passes)", k,
           {Buffer<float>(256, 2, 1)}, 2.0 * 4 * 256 * 112 * 112);
  }
  {
    KernelPipeline k = buildGroupNormCombine(1, 256, 32, 14, 1e-5, target);
    Buffer<float> p(3, 32, 14, 1);
    p.for_each_element([&](int c, int g, int t, int n) {
      p(c, g, t, n) = c == 0 ? 896.0f : (c == 1 ? dist(gen) : 900.0f);
    });
    k.params[0].set(p);
    k.params[1].set(fill({256}));
    k.params[2].set(fill({256}));
    report("group_norm_combine 256 ch, 14 tiles", k, {Buffer<float>(256, 2, 1)},
           4.0 * 3 * 32 * 14);
  }
  {
    TensorShape sh{1, 256, 112, 112};
    KernelPipeline k = buildApplyNorm(sh, true, Activation::Relu, target);
    k.params[0].set(fill({256, 112, 112, 1}));
    k.params[1].set(fill({256, 2, 1}));
    k.params[2].set(fill({256, 112, 112, 1}));
    report("apply_norm relu +res 112x112x256", k,
           {Buffer<float>(256, 112, 112, 1)}, 3.0 * 4 * 256 * 112 * 112);
  }
  {
    TensorShape sh{1, 256, 112, 112};
    KernelPipeline k = buildAdd(sh, Activation::None, target);
    k.params[0].set(fill({256, 112, 112, 1}));
    k.params[1].set(fill({256, 112, 112, 1}));
    report("add 112x112x256", k, {Buffer<float>(256, 112, 112, 1)},
           3.0 * 4 * 256 * 112 * 112);
  }
  {
    TensorShape sh{1, 2048, 14, 14};
    KernelPipeline k = buildGlobalAvgPool(sh, true, Activation::Relu, target);
    k.params[0].set(fill({2048, 14, 14, 1}));
    k.params[1].set(fill({2048, 2, 1}));
    report("global_avg_pool gn+relu 14x14x2048", k, {Buffer<float>(2048, 1)},
           4.0 * 2048 * 14 * 14);
  }
  for (int batch : {1, 8}) {
    KernelPipeline k = buildLinear(batch, 2048, 1000, target);
    k.params[0].set(fill({2048, batch}));
    k.params[1].set(fill(packedLinearWeightShape(2048, 1000, target)));
    k.params[2].set(fill({1000}));
    std::string name = "linear 2048->1000 batch " + std::to_string(batch);
    report(name.c_str(), k, {Buffer<float>(1000, batch)}, 4.0 * 2048 * 1000);
  }
}

} // namespace

int main(int argc, char **argv) {
  // The kernels' own buffers (Winograd's V, staged inputs) come from malloc
  // on every call. Left to glibc's thresholds, a size that happens to be
  // unmapped or trimmed at every free pays page faults on every call (seen:
  // 20x slower F4 64->64 @56 with --no-stats); a forward call of a compiled
  // model pays none (its harness counts them), so neither may the bench.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  std::string targetString = "x86-64-linux-avx2-fma-f16c";
  std::string filter, asmDir;
  int threads = 2, reps = 9;
  bool bare = false, small = false;
  int winograd = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--target=", 0) == 0)
      targetString = a.substr(9);
    else if (a.rfind("--threads=", 0) == 0)
      threads = std::atoi(a.c_str() + 10);
    else if (a.rfind("--reps=", 0) == 0)
      reps = std::atoi(a.c_str() + 7);
    else if (a.rfind("--asm=", 0) == 0)
      asmDir = a.substr(6);
    else if (a.rfind("--winograd=", 0) == 0)
      winograd = std::atoi(a.c_str() + 11);
    else if (a.rfind("--image=", 0) == 0)
      gImageScale = 448 / std::atoi(a.c_str() + 8);
    else if (a == "--cold")
      gColdWeights = true;
    else if (a.rfind("--cold=", 0) == 0) {
      gColdWeights = true;
      gColdBytes = size_t(std::atol(a.c_str() + 7)) << 20;
    } else if (a == "--huge")
      gHugePages = true;
    else if (a == "--bare")
      bare = true;
    else if (a == "--small")
      small = true;
    else if (a == "--preferred-tiles")
      gPreferredTiles = true;
    else if (a == "--no-stats")
      gNoStats = true;
    else if (a == "--no-residual")
      gNoResidual = true;
    else if (a == "--no-prologue")
      gNoPrologue = true;
    else
      filter = a;
  }
  setenv("HL_NUM_THREADS", std::to_string(threads).c_str(), 1);
  Halide::Target target = targetString == "host" ? Halide::get_host_target()
                                                 : Halide::Target(targetString);
  target = target.with_feature(Halide::Target::NoAsserts)
               .with_feature(Halide::Target::NoBoundsQuery);
  const double peak = 178.0;
  const bool avx512 = target.has_feature(Halide::Target::AVX512);
  auto [corePeak, wallPeak] = measurePeak(threads, avx512);
  std::printf(
      "%s FMA loop now: %.1f GFLOP per CPU-second (one core's peak), %.1f "
      "GFLOP/s "
      "wall on %d threads (the machine is shared: wall numbers below are "
      "bounded by what the other processes leave)\n",
      avx512 ? "AVX-512" : "AVX2", corePeak, wallPeak, threads);
  std::printf("target %s, %d threads, %s\n", target.to_string().c_str(),
              threads,
              bare ? "bare convolutions"
                   : "with fusions (prologue relu, stats, residual)");
  std::printf("| layer | median GFLOP/s | %% of %.0f | best GFLOP/s | %% | %% "
              "of FMA loop wall now | GFLOP per CPU-s | %% of FMA loop per "
              "CPU-s | median ms | uses | schedule | best CPU ms |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|\n",
              peak);
  if (small) {
    benchSmallKernels(target, reps);
    return 0;
  }
  double totalMs = 0, totalFlop = 0;
  std::mt19937 gen(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (const Layer &L : r50Layers(bare, target)) {
    if (!filter.empty() && L.name.find(filter) == std::string::npos)
      continue;
    const ConvSpec &s = L.spec;
    const int m = winograd && winogradEligible(s) ? winograd : 0;
    KernelPipeline k =
        m ? buildWinogradConv(s, m, target) : buildConv(s, target);
    // The object code's lowering pass (the next block's weight prefetches),
    // so that --cold times and --asm show what a compiled model runs; the
    // JIT keeps Halide's `prefetchnta`, which objects keep only for `host`
    // on AMD CPUs (codegen/PrefetchHints.h).
    k.addObjectCodePass();
    if (!asmDir.empty()) {
      std::string file = asmDir + "/";
      for (char c : L.name)
        file += (isalnum(static_cast<unsigned char>(c)) ? c : '_');
      k.pipeline.compile_to_assembly(file + ".s", k.inputs, "conv", target);
      k.pipeline.compile_to_lowered_stmt(file + ".stmt", k.inputs, Halide::Text,
                                         target);
    }
    auto fill = [&](std::vector<int> ext) {
      Buffer<float> b(ext);
      b.for_each_value([&](float &v) { v = dist(gen); });
      return b;
    };
    size_t p = 0;
    if (s.inputNCHW)
      k.params[p++].set(
          fill({int(s.inW), int(s.inH), int(s.inC), int(s.batch)}));
    else
      k.params[p++].set(
          fill({int(s.inC), int(s.inW), int(s.inH), int(s.batch)}));
    const size_t weightParam = p;
    std::vector<Buffer<float>> weightCopies = {
        fill(m ? packedWinogradWeightShape(s, m, target)
               : packedConvWeightShape(s, target))};
    k.params[p++].set(weightCopies[0]);
    // --cold: rotate through copies of the weights filling more than the L3
    // MB), so every call reads its weights from memory, as inside a model.
    if (gColdWeights)
      while (weightCopies.size() * weightCopies[0].size_in_bytes() < gColdBytes)
        weightCopies.push_back(weightCopies[0].copy());
    // --huge: the copies in 2 MB pages (transparent huge pages, madvise).
    std::vector<void *> hugeRegions;
    if (gHugePages) {
      for (Buffer<float> &w : weightCopies) {
        size_t bytes =
            (w.size_in_bytes() + (2u << 20) - 1) / (2u << 20) * (2u << 20);
        void *mem = std::aligned_alloc(2u << 20, bytes);
        madvise(mem, bytes, MADV_HUGEPAGE);
        std::memcpy(mem, w.data(), w.size_in_bytes());
        std::vector<halide_dimension_t> dims(
            w.raw_buffer()->dim, w.raw_buffer()->dim + w.dimensions());
        w = Buffer<float>(static_cast<float *>(mem), w.dimensions(),
                          dims.data());
        hugeRegions.push_back(mem);
      }
      k.params[weightParam].set(weightCopies[0]);
      reportHugePages();
    }
    if (s.hasPrologue) {
      Buffer<float> pro = fill({int(s.inC), 2, int(s.batch)});
      k.params[p++].set(pro);
    }
    if (s.hasResidual)
      k.params[p++].set(
          fill({int(s.outC), int(s.outW()), int(s.outH()), int(s.batch)}));
    std::vector<Buffer<void>> outs = {
        Buffer<float>(int(s.outC), int(s.outW()), int(s.outH()), int(s.batch))};
    if (s.hasStats)
      outs.push_back(Buffer<float>(3, int(s.statsGroups), int(s.statsTiles()),
                                   int(s.batch)));
    Halide::Realization real(outs);
    k.pipeline.compile_jit(target);
    k.pipeline.realize(real, target); // warm up
    const double flop = 2.0 * double(s.macs());
    // Iterations per timing: about 50 ms worth.
    double t0 = seconds();
    k.pipeline.realize(real, target);
    double once = std::max(1e-6, seconds() - t0);
    int iters = std::max(1, int(0.02 / once));
    std::vector<double> times, cpuTimes;
    for (int r = 0; r < reps; ++r) {
      double a = seconds(), ca = cpuSeconds();
      for (int i = 0; i < iters; ++i) {
        if (weightCopies.size() > 1)
          k.params[weightParam].set(
              weightCopies[size_t(i) % weightCopies.size()]);
        k.pipeline.realize(real, target);
      }
      times.push_back((seconds() - a) / iters);
      cpuTimes.push_back((cpuSeconds() - ca) / iters);
    }
    std::sort(cpuTimes.begin(), cpuTimes.end());
    // Work efficiency independent of other load on the machine: FLOP per
    // CPU-second of this process, against one core's 89 GFLOP/s (178 / 2).
    // Best repetition: the one least disturbed by other processes.
    double perCore = flop / cpuTimes[0] * 1e-9;
    // What the machine gives an FMA loop right now (other processes share it).
    const double availableWall = measurePeak(threads, avx512).second;
    std::sort(times.begin(), times.end());
    // The machine is shared: report the median and the best repetition.
    double t = times[times.size() / 2], best = times[0];
    double gflops = flop / t * 1e-9, bestGflops = flop / best * 1e-9;
    std::printf("| %s | %.1f | %.0f%% | %.1f | %.0f%% | %.0f%% | %.1f | %.0f%% "
                "| %.3f | %d | %s | %.3f |\n",
                L.name.c_str(), gflops, 100.0 * gflops / peak, bestGflops,
                100.0 * bestGflops / peak, 100.0 * gflops / availableWall,
                perCore, 100.0 * perCore / corePeak, t * 1e3, L.uses,
                k.scheduleNote.c_str(), cpuTimes[0] * 1e3);
    std::fflush(stdout);
    for (void *mem : hugeRegions)
      std::free(mem);
    totalMs += t * 1e3 * L.uses;
    totalFlop += flop * L.uses;
  }
  std::printf(
      "R50x1 @%d convolutions (weighted by uses): %.1f ms, %.1f GFLOP/s, "
      "%.0f%% of peak\n",
      int(448 / gImageScale), totalMs, totalFlop / (totalMs * 1e-3) * 1e-9,
      100.0 * totalFlop / (totalMs * 1e-3) * 1e-9 / peak);
  return 0;
}
