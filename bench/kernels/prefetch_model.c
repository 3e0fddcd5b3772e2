/*===- prefetch_model.c - Is the cold-weight stall a prefetch problem? -----===
 *
 * A C model of the direct kernel's loop on R50x1's 1x1 2048->512 @7x7 layer
 * (docs/performance.md, "An Intel Xeon machine"): 11 channel blocks of 48
 * outputs (3 AVX-512 vectors) outermost, 7 rows of 7 pixels, each row a
 * register tile of 21 accumulators reduced over 2048 input channels; weights
 * [block][ci][48], 384 KB per block. Cold: each call reads one of enough
 * weight copies to fill 512 MB, so the weights come from DRAM as in a whole
 * forward. The hint variants prefetch the next block's weights, spread over
 * rows 1..6 of the current block (one line every few input channels).
 *
 *   cc -O3 -march=native prefetch_model.c -o prefetch_model
 *   prefetch_model VARIANT COLD   # 0 none, 1 T1, 2 T0, 3 T2, 4 NTA; COLD 0|1
 *
 * Measured (Intel Xeon model 207, chrt -f 1, median of 200 calls):
 * none 0.67 ms hot / 1.04 cold; T1 0.61 / 0.70; NTA 1.01 / 1.32. Halide 14's
 * Func::prefetch emits only prefetchnta.
 *
 *===----------------------------------------------------------------------===*/

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { CI = 2048, BLOCKS = 11, ROWS = 7, PIXELS = 7, B = 48, CALLS = 200 };

static float in[ROWS][PIXELS][CI] __attribute__((aligned(64)));
static float out[BLOCKS][ROWS][PIXELS][B] __attribute__((aligned(64)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void prefetch(const char *p, int variant) {
  switch (variant) {
  case 1:
    _mm_prefetch(p, _MM_HINT_T1);
    break;
  case 2:
    _mm_prefetch(p, _MM_HINT_T0);
    break;
  case 3:
    _mm_prefetch(p, _MM_HINT_T2);
    break;
  default:
    _mm_prefetch(p, _MM_HINT_NTA);
    break;
  }
}

__attribute__((noinline)) static void conv(const float *w, int variant) {
  const size_t blockFloats = (size_t)CI * B;
  for (int b = 0; b < BLOCKS; ++b) {
    const float *wb = w + b * blockFloats;
    const char *next = (const char *)(wb + blockFloats);
    const size_t nextBytes = b + 1 < BLOCKS ? blockFloats * 4 : 0;
    for (int r = 0; r < ROWS; ++r) {
      __m512 acc[PIXELS][3];
      for (int p = 0; p < PIXELS; ++p)
        acc[p][0] = acc[p][1] = acc[p][2] = _mm512_setzero_ps();
      /* Rows 1..6 each prefetch a sixth of the next block. */
      const char *share = next + (r ? (r - 1) * nextBytes / 6 : 0);
      const size_t lines = r && variant ? nextBytes / 6 / 64 : 0;
      size_t k = 0;
      for (int ci = 0; ci < CI; ++ci) {
        const float *wc = wb + ci * B;
        __m512 w0 = _mm512_load_ps(wc), w1 = _mm512_load_ps(wc + 16),
               w2 = _mm512_load_ps(wc + 32);
        for (; k < lines && k * CI < (size_t)(ci + 1) * lines; ++k)
          prefetch(share + k * 64, variant);
        for (int p = 0; p < PIXELS; ++p) {
          __m512 x = _mm512_set1_ps(in[r][p][ci]);
          acc[p][0] = _mm512_fmadd_ps(x, w0, acc[p][0]);
          acc[p][1] = _mm512_fmadd_ps(x, w1, acc[p][1]);
          acc[p][2] = _mm512_fmadd_ps(x, w2, acc[p][2]);
        }
      }
      for (int p = 0; p < PIXELS; ++p)
        for (int v = 0; v < 3; ++v)
          _mm512_store_ps(out[b][r][p] + 16 * v, acc[p][v]);
    }
  }
}

static int byTime(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  const int variant = atoi(argv[1]), cold = atoi(argv[2]);
  const size_t bytes = (size_t)BLOCKS * CI * B * sizeof(float);
  const int copies = cold ? (int)(((size_t)512 << 20) / bytes) : 1;
  float **w = malloc(copies * sizeof *w);
  for (int c = 0; c < copies; ++c) {
    w[c] = aligned_alloc(64, bytes);
    for (size_t i = 0; i < bytes / sizeof(float); ++i)
      w[c][i] = (float)(i % 7) * 0.01f;
  }
  for (size_t i = 0; i < sizeof in / sizeof(float); ++i)
    ((float *)in)[i] = 0.5f;
  double times[CALLS];
  for (int call = 0; call < CALLS; ++call) {
    double t = now();
    conv(w[call % copies], variant);
    times[call] = now() - t;
  }
  qsort(times, CALLS, sizeof(double), byTime);
  printf("variant %d cold %d: median %.3f ms, min %.3f ms\n", variant, cold,
         times[CALLS / 2] * 1e3, times[0] * 1e3);
  return out[0][0][0][0] == 12345.0f;
}
