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
 * timed run go to LOGITS.f32. Times the two ways to call the model,
 * alternating run by run so both see the same machine load:
 * <name>_forward (allocates and frees its workspace every call) and
 * <name>_forward_with_workspace (one workspace kept for all calls), whose
 * logits go to LOGITS.f32.ws.f32 (bench/report.py checks both against
 * PyTorch; they should be bit-identical, a warning on stderr says when they
 * are not). Prints one line of JSON: per API the median and
 * minimum wall time per call, the median process CPU time per call (all
 * threads; includes the thread pool's spinning) and the minor page faults
 * per call (getrusage) -- `_forward`'s fields plain, the other's prefixed
 * with "ws_".
 *
 *===----------------------------------------------------------------------===*/

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

static long minor_faults(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

/* One timed call of either API; exits when it fails. */
typedef struct timing {
  double *wall, *cpu;
  long faults;
} timing;

static void *workspace;
static size_t workspace_size;

static void call(int own_workspace, const float *pixels, int batch,
                 float *logits, timing *t, int run) {
  double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
  long f0 = minor_faults();
  int rc = own_workspace
               ? API(_forward_with_workspace)(pixels, batch, logits,
                                              workspace, workspace_size)
               : API(_forward)(pixels, batch, logits);
  if (t) {
    t->faults += minor_faults() - f0;
    t->cpu[run] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    t->wall[run] = now(CLOCK_MONOTONIC) - w0;
  }
  if (rc != 0) {
    fprintf(stderr, "bitc_bench: %s failed: %s\n",
            own_workspace ? "forward_with_workspace" : "forward",
            API(_error_string)(rc));
    exit(1);
  }
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
  float *ws_logits = malloc(labels * batch * sizeof(float));
  workspace_size = API(_workspace_size)(batch);
  workspace = workspace_size
                  ? aligned_alloc(MACRO(_WORKSPACE_ALIGNMENT), workspace_size)
                  : NULL;
  if (!pixels || !logits || !ws_logits || !workspace) {
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
    call(0, pixels, batch, logits, NULL, 0);
    call(1, pixels, batch, ws_logits, NULL, 0);
  }
  timing plain = {malloc(sizeof(double) * runs), malloc(sizeof(double) * runs),
                  0};
  timing own = {malloc(sizeof(double) * runs), malloc(sizeof(double) * runs),
                0};
  for (int i = 0; i < runs; ++i) {
    call(0, pixels, batch, logits, &plain, i);
    call(1, pixels, batch, ws_logits, &own, i);
  }
  const int differ =
      memcmp(logits, ws_logits, labels * batch * sizeof(float)) != 0;
  if (differ)
    fprintf(stderr, "bitc_bench: warning: forward and forward_with_workspace "
                    "give different logits\n");
  char ws_path[4096];
  snprintf(ws_path, sizeof ws_path, "%s.ws.f32", argv[5]);
  const char *paths[2] = {argv[5], ws_path};
  const float *outputs[2] = {logits, ws_logits};
  for (int i = 0; i < 2; ++i) {
    f = fopen(paths[i], "wb");
    if (!f || fwrite(outputs[i], sizeof(float), labels * batch, f) !=
                  labels * batch ||
        fclose(f)) {
      fprintf(stderr, "bitc_bench: %s: cannot write the logits\n", paths[i]);
      return 1;
    }
  }
  /* median() sorts: wall[0] is then the minimum. */
  double cpu_median = median(plain.cpu, runs);
  double wall_median = median(plain.wall, runs);
  double ws_cpu_median = median(own.cpu, runs);
  double ws_wall_median = median(own.wall, runs);
  printf("{\"engine\":\"bitc\",\"batch\":%d,\"threads\":%d,\"runs\":%d,"
         "\"median_ms\":%.3f,\"min_ms\":%.3f,\"cpu_ms\":%.3f,"
         "\"faults\":%.1f,\"ws_median_ms\":%.3f,\"ws_min_ms\":%.3f,"
         "\"ws_cpu_ms\":%.3f,\"ws_faults\":%.1f,\"workspace_bytes\":%zu,"
         "\"ws_logits\":\"%s\",\"apis_differ\":%s}\n",
         batch, threads, runs, wall_median, plain.wall[0], cpu_median,
         (double)plain.faults / runs, ws_wall_median, own.wall[0],
         ws_cpu_median, (double)own.faults / runs, workspace_size, ws_path,
         differ ? "true" : "false");
  return 0;
}
