/*===- fma_peak.c - The machine's fp32 FMA peak, measured -------------------===
 *
 * Each thread runs an unrolled loop of 12 independent accumulator chains of
 * 8-lane fp32 FMAs (AVX2; 16-lane with -DBITC_PEAK_AVX512), enough chains to
 * cover the FMA latency on both FMA pipes, and nothing else: no loads, no
 * stores. Prints one line of JSON:
 *   {"threads":2,"lanes":8,"gflops":...,"gflops_per_cpu_s":...,"gflops_unloaded":...}
 * `gflops` is wall-clock (what the threads got while other processes ran);
 * `gflops_per_cpu_s` divides by the CPU time the threads consumed: the peak of
 * one core while it runs this code, much less sensitive to a loaded machine;
 * `gflops_unloaded` is that times the thread count (an idle machine's peak).
 *
 *   cc -O2 -mavx2 -mfma bench/fma_peak.c -o fma_peak -lpthread
 *   ./fma_peak [threads=2] [seconds=0.5]
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef BITC_PEAK_AVX512
typedef __m512 vec;
#define LANES 16
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SET1(x) _mm512_set1_ps(x)
#define ADD(a, b) _mm512_add_ps(a, b)
static float sum_lanes(vec v) { return _mm512_reduce_add_ps(v); }
#else
typedef __m256 vec;
#define LANES 8
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SET1(x) _mm256_set1_ps(x)
#define ADD(a, b) _mm256_add_ps(a, b)
static float sum_lanes(vec v) {
  float f[8];
  _mm256_storeu_ps(f, v);
  return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#endif

#define CHAINS 12
#define INNER 1000 /* iterations of 12 FMAs between clock checks */

typedef struct {
  double seconds; /* how long to run */
  long iterations;
  double cpu_seconds;
  float sink;
} job;

static double now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *run(void *arg) {
  job *j = (job *)arg;
  /* a*x + b with a slightly below 1 keeps the values bounded and normal. */
  const vec a = SET1(0.999999f), b = SET1(1e-6f);
  /* Twelve named accumulators (an array plus a memory clobber would send
     them through the stack). */
  vec c0 = SET1(1.000f), c1 = SET1(1.001f), c2 = SET1(1.002f),
      c3 = SET1(1.003f), c4 = SET1(1.004f), c5 = SET1(1.005f),
      c6 = SET1(1.006f), c7 = SET1(1.007f), c8 = SET1(1.008f),
      c9 = SET1(1.009f), c10 = SET1(1.010f), c11 = SET1(1.011f);
  double cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
  double start = now(CLOCK_MONOTONIC);
  long iterations = 0;
  do {
    for (int i = 0; i < INNER; ++i) {
      c0 = FMA(c0, a, b);
      c1 = FMA(c1, a, b);
      c2 = FMA(c2, a, b);
      c3 = FMA(c3, a, b);
      c4 = FMA(c4, a, b);
      c5 = FMA(c5, a, b);
      c6 = FMA(c6, a, b);
      c7 = FMA(c7, a, b);
      c8 = FMA(c8, a, b);
      c9 = FMA(c9, a, b);
      c10 = FMA(c10, a, b);
      c11 = FMA(c11, a, b);
    }
    iterations += INNER;
  } while (now(CLOCK_MONOTONIC) - start < j->seconds);
  j->cpu_seconds = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  vec total = ADD(ADD(ADD(c0, c1), ADD(c2, c3)), ADD(ADD(c4, c5), ADD(c6, c7)));
  total = ADD(total, ADD(ADD(c8, c9), ADD(c10, c11)));
  j->sink = sum_lanes(total);
  j->iterations = iterations;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  double seconds = argc > 2 ? atof(argv[2]) : 0.5;
  if (threads < 1 || threads > 256 || seconds <= 0) {
    fprintf(stderr, "usage: fma_peak [threads] [seconds]\n");
    return 2;
  }
  job jobs[256];
  pthread_t ids[256];
  double start = now(CLOCK_MONOTONIC);
  for (int t = 0; t < threads; ++t) {
    jobs[t].seconds = seconds;
    pthread_create(&ids[t], NULL, run, &jobs[t]);
  }
  double flop = 0, cpu = 0, sink = 0;
  for (int t = 0; t < threads; ++t) {
    pthread_join(ids[t], NULL);
    flop += (double)jobs[t].iterations * CHAINS * LANES * 2;
    cpu += jobs[t].cpu_seconds;
    sink += jobs[t].sink;
  }
  double wall = now(CLOCK_MONOTONIC) - start;
  printf("{\"threads\":%d,\"lanes\":%d,\"seconds\":%.3f,\"gflops\":%.2f,"
         "\"gflops_per_cpu_s\":%.2f,\"gflops_unloaded\":%.2f,\"sink\":%.3g}\n",
         threads, LANES, wall, flop / wall * 1e-9,
         cpu > 0 ? flop / cpu * 1e-9 : 0.0,
         cpu > 0 ? flop / cpu * 1e-9 * threads : 0.0, sink);
  return 0;
}
