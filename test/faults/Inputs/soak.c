/* Long runs: many calls of two models (a.o --name a, b.o --name b) from
 * several threads at once, every result compared bit for bit with a
 * single-threaded run, and the resident set size measured after a warm-up
 * and at the end.
 *
 *   soak CALLS THREADS MAX_GROWTH_KB a-input.f32 b-input.f32
 *
 * Each input holds 3 preprocessed images. Single-threaded first: for each
 * model, every image alone (_forward, batch 1), and one synthetic RGB image
 * through _classify_rgb8. Then THREADS threads make CALLS calls in all,
 * cycling through a_forward, a_classify_rgb8, b_forward_with_workspace (a
 * per-thread workspace) and b_classify_rgb8 on changing images; the first
 * round of every thread is the warm-up (Halide's thread pool, malloc's
 * arenas), after which the RSS is read (/proc/self/statm); it is read again
 * at the end. Exits 1 if a call fails, a result differs, or the RSS grew by
 * more than MAX_GROWTH_KB. Also built with -fsanitize=thread against
 * host-tsan objects. */
#include "../../e2e/Inputs/driver_io.h"
#include "a.h"
#include "b.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

enum { IMAGES = 3, RGB_W = 45, RGB_H = 38, KINDS = 4 };
#define A_IMAGE (A_INPUT_CHANNELS * A_INPUT_HEIGHT * A_INPUT_WIDTH)
#define B_IMAGE (B_INPUT_CHANNELS * B_INPUT_HEIGHT * B_INPUT_WIDTH)

static const float *a_pixels, *b_pixels;
static float a_single[IMAGES][A_NUM_LABELS], b_single[IMAGES][B_NUM_LABELS];
static float a_rgb_logits[A_NUM_LABELS], b_rgb_logits[B_NUM_LABELS];
static uint8_t rgb[RGB_H * RGB_W * 3];
static long calls_per_thread;
static int threads;
static pthread_barrier_t warm, measured;

static long rss_kb(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2)
    resident = -1;
  if (f)
    fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct worker {
  int index;
  long failures, mismatches;
};

/* One call of kind `kind` on image `image`: 0 if it matched. */
static int one_call(int kind, int image, void *workspace, size_t bytes) {
  float a_out[A_NUM_LABELS], b_out[B_NUM_LABELS];
  switch (kind) {
  case 0:
    if (a_forward(a_pixels + (size_t)image * A_IMAGE, 1, a_out) != A_OK)
      return -1;
    return memcmp(a_out, a_single[image], sizeof(a_out)) != 0;
  case 1:
    if (a_classify_rgb8(rgb, RGB_W, RGB_H, 3 * RGB_W, a_out) != A_OK)
      return -1;
    return memcmp(a_out, a_rgb_logits, sizeof(a_out)) != 0;
  case 2:
    if (b_forward_with_workspace(b_pixels + (size_t)image * B_IMAGE, 1, b_out,
                                 workspace, bytes) != B_OK)
      return -1;
    return memcmp(b_out, b_single[image], sizeof(b_out)) != 0;
  default:
    if (b_classify_rgb8(rgb, RGB_W, RGB_H, 3 * RGB_W, b_out) != B_OK)
      return -1;
    return memcmp(b_out, b_rgb_logits, sizeof(b_out)) != 0;
  }
}

static void *work(void *opaque) {
  struct worker *w = (struct worker *)opaque;
  size_t bytes = b_workspace_size(1);
  void *workspace = aligned_alloc(B_WORKSPACE_ALIGNMENT, bytes);
  long call;
  if (!workspace) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  for (call = 0; call < calls_per_thread + KINDS * IMAGES; ++call) {
    int result;
    if (call == KINDS * IMAGES) {
      pthread_barrier_wait(&warm);     /* everyone warm: main reads RSS */
      pthread_barrier_wait(&measured); /* then the measured calls */
    }
    result =
        one_call((int)((call + w->index) % KINDS),
                 (int)((call / KINDS + w->index) % IMAGES), workspace, bytes);
    if (result < 0)
      ++w->failures;
    else if (result > 0)
      ++w->mismatches;
  }
  free(workspace);
  return NULL;
}

int main(int argc, char **argv) {
  struct worker workers[64];
  pthread_t ids[64];
  long max_growth, start_kb, end_kb, failures = 0, mismatches = 0;
  int i;
  if (argc != 6 || (threads = atoi(argv[2])) < 1 || threads > 64) {
    fprintf(stderr, "usage: %s CALLS THREADS MAX_GROWTH_KB a.f32 b.f32\n",
            argv[0]);
    return 2;
  }
  calls_per_thread = atol(argv[1]) / threads;
  max_growth = atol(argv[3]);
  a_pixels = read_floats(argv[4], (size_t)IMAGES * A_IMAGE);
  b_pixels = read_floats(argv[5], (size_t)IMAGES * B_IMAGE);
  for (i = 0; i < (int)sizeof(rgb); ++i)
    rgb[i] = (uint8_t)(i * 37 + (i >> 6));
  for (i = 0; i < IMAGES; ++i)
    if (a_forward(a_pixels + (size_t)i * A_IMAGE, 1, a_single[i]) != A_OK ||
        b_forward(b_pixels + (size_t)i * B_IMAGE, 1, b_single[i]) != B_OK)
      return 1;
  if (a_classify_rgb8(rgb, RGB_W, RGB_H, 3 * RGB_W, a_rgb_logits) != A_OK ||
      b_classify_rgb8(rgb, RGB_W, RGB_H, 3 * RGB_W, b_rgb_logits) != B_OK)
    return 1;
  pthread_barrier_init(&warm, NULL, (unsigned)threads + 1);
  pthread_barrier_init(&measured, NULL, (unsigned)threads + 1);
  for (i = 0; i < threads; ++i) {
    workers[i].index = i;
    workers[i].failures = workers[i].mismatches = 0;
    if (pthread_create(&ids[i], NULL, work, &workers[i]))
      return 2;
  }
  pthread_barrier_wait(&warm);
  start_kb = rss_kb();
  pthread_barrier_wait(&measured);
  for (i = 0; i < threads; ++i) {
    pthread_join(ids[i], NULL);
    failures += workers[i].failures;
    mismatches += workers[i].mismatches;
  }
  end_kb = rss_kb();
  printf("%ld calls in %d threads: %ld failed, %ld differ\n",
         calls_per_thread * threads, threads, failures, mismatches);
  fprintf(stderr, "rss after warm-up %ld KB, at the end %ld KB (%+ld KB)\n",
          start_kb, end_kb, end_kb - start_kb);
  if (end_kb - start_kb > max_growth) {
    printf("FAIL: RSS grew by %ld KB (limit %ld KB)\n", end_kb - start_kb,
           max_growth);
    return 1;
  }
  printf("rss growth within %ld KB\n", max_growth);
  return failures || mismatches;
}
