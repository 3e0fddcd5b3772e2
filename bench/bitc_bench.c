/*===- bitc_bench.c - Times one bitc-generated model ------------------------===
 *
 * Built once per generated object, with the object's header forced in and its
 * symbol prefix given as BITC_MODEL (bench/run.sh does this):
 *
 *   cc -O2 -DBITC_MODEL=r224 -DBITC_MODEL_UPPER=R224 -include r224.h \
 *      bench/bitc_bench.c r224.o \
 *      -o bench_r224 -lpthread -ldl -lm
 *   bench_r224 INPUT.f32 BATCH RUNS WARMUP LOGITS.f32 [THREADS=2]
 *
 * INPUT.f32 holds at least BATCH images (NCHW float32); the logits of the last
 * timed run go to LOGITS.f32. Prints one line of JSON with the median and
 * minimum wall time per forward call and the median process CPU time per call
 * (all threads; includes the thread pool's spinning).
 *
 *===----------------------------------------------------------------------===*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if !defined(BITC_MODEL) || !defined(BITC_MODEL_UPPER)
#error "define BITC_MODEL (the --name of the object) and BITC_MODEL_UPPER"
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define API(suffix) CAT(BITC_MODEL, suffix)
#define MACRO(suffix) CAT(BITC_MODEL_UPPER, suffix)

static double now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6; /* ms */
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *values, int n) {
  qsort(values, (size_t)n, sizeof(double), compare_double);
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s INPUT.f32 BATCH RUNS WARMUP LOGITS.f32 "
                    "[THREADS]\n", argv[0]);
    return 2;
  }
  const int batch = atoi(argv[2]), runs = atoi(argv[3]),
            warmup = atoi(argv[4]);
  const int threads = argc > 6 ? atoi(argv[6]) : 2;
  if (batch < 1 || runs < 1 || warmup < 0) {
    fprintf(stderr, "bitc_bench: bad BATCH, RUNS or WARMUP\n");
    return 2;
  }
  const size_t image = (size_t)MACRO(_INPUT_CHANNELS) *
                       MACRO(_INPUT_HEIGHT) * MACRO(_INPUT_WIDTH);
  const size_t labels = (size_t)MACRO(_NUM_LABELS);
  float *pixels = malloc(image * batch * sizeof(float));
  float *logits = malloc(labels * batch * sizeof(float));
  if (!pixels || !logits) {
    fprintf(stderr, "bitc_bench: out of memory\n");
    return 1;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(pixels, sizeof(float), image * batch, f) != image * batch) {
    fprintf(stderr, "bitc_bench: %s: cannot read %zu floats\n", argv[1],
            image * batch);
    return 1;
  }
  fclose(f);

  API(_set_num_threads)(threads);
  for (int i = 0; i < warmup; ++i) {
    int rc = API(_forward)(pixels, batch, logits);
    if (rc != 0) {
      fprintf(stderr, "bitc_bench: forward failed: %s\n",
              API(_error_string)(rc));
      return 1;
    }
  }
  double *wall = malloc(sizeof(double) * runs);
  double *cpu = malloc(sizeof(double) * runs);
  for (int i = 0; i < runs; ++i) {
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    int rc = API(_forward)(pixels, batch, logits);
    cpu[i] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    wall[i] = now(CLOCK_MONOTONIC) - w0;
    if (rc != 0) {
      fprintf(stderr, "bitc_bench: forward failed: %s\n",
              API(_error_string)(rc));
      return 1;
    }
  }
  f = fopen(argv[5], "wb");
  if (!f || fwrite(logits, sizeof(float), labels * batch, f) !=
                labels * batch) {
    fprintf(stderr, "bitc_bench: %s: cannot write the logits\n", argv[5]);
    return 1;
  }
  fclose(f);
  double cpu_median = median(cpu, runs);
  double wall_median = median(wall, runs); /* sorts: wall[0] is the minimum */
  printf("{\"engine\":\"bitc\",\"batch\":%d,\"threads\":%d,\"runs\":%d,"
         "\"median_ms\":%.3f,\"min_ms\":%.3f,\"cpu_ms\":%.3f}\n",
         batch, threads, runs, wall_median, wall[0], cpu_median);
  return 0;
}
