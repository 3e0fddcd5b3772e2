/*===- outputs_bench.c - Runs every output of a bitc model RUNS times -----===
 *
 * What docs/performance.md ("Outputs") times (bench/outputs_ab.sh runs the
 * two builds interleaved): a process that runs
 * <name>_forward_outputs_with_workspace RUNS times (after 2 untimed) on
 * one image (one workspace and one set of output buffers kept), the same
 * code for an object compiled with --outputs logits and one with every
 * output, so the difference is what the extra outputs cost.
 *
 *   cc -O2 -DBITC_MODEL=m -DBITC_MODEL_UPPER=M -include m.h \
 *      bench/outputs_bench.c m.o -o outputs_bench -lpthread -ldl -lm
 *   outputs_bench RUNS [THREADS=2]    prints the median milliseconds per call
 *
 *===----------------------------------------------------------------------===*/

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(fn) CAT(BITC_MODEL, fn)
#define MACRO(m) CAT(BITC_MODEL_UPPER, m)

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s RUNS [THREADS]\n", argv[0]);
    return 2;
  }
  int runs = atoi(argv[1]);
  API(_set_num_threads)(argc > 2 ? atoi(argv[2]) : 2);
  const size_t sizes[] = MACRO(_OUTPUT_SIZES);
  enum { K = MACRO(_NUM_OUTPUTS) };
  size_t in_count =
      (size_t)MACRO(_INPUT_CHANNELS) * MACRO(_INPUT_HEIGHT) * MACRO(_INPUT_WIDTH);
  float *pixels = (float *)malloc(in_count * sizeof(float));
  float *outputs[K];
  for (size_t i = 0; i < in_count; ++i)
    pixels[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
  for (int k = 0; k < K; ++k)
    outputs[k] = (float *)malloc(sizes[k] * sizeof(float));
  size_t bytes = API(_workspace_size)(1);
  void *workspace = aligned_alloc(MACRO(_WORKSPACE_ALIGNMENT),
                                  (bytes + 63) / 64 * 64);
  if (runs < 1)
    runs = 1;
  double *ms = (double *)malloc((size_t)runs * sizeof(double));
  for (int r = -2; r < runs; ++r) {
    double start = now_ms();
    if (API(_forward_outputs_with_workspace)(pixels, 1, outputs, workspace,
                                             bytes) != 0)
      return 1;
    if (r >= 0)
      ms[r] = now_ms() - start;
  }
  qsort(ms, (size_t)runs, sizeof(double), by_value);
  printf("%.3f ms (checksum %g)\n", ms[runs / 2], outputs[K - 1][0]);
  return 0;
}
