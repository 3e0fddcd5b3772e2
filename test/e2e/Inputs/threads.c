/* Concurrency driver: runs <MODEL>_forward from 4 pthreads at once, 5 calls
 * each, and checks every result is bit-identical to a single-threaded run.
 *
 *   threads IMAGES input.f32 output.f32
 *
 * input.f32 holds IMAGES preprocessed images. Single-threaded, each image is
 * run alone (batch 1) and all of them together (batch IMAGES). Then threads 0
 * and 2 run one image per call (a different image every call, so the threads
 * work on the same and on different inputs at the same time) and threads 1
 * and 3 the whole batch. The batch-1 logits are written to output.f32 for the
 * comparison with the reference. Exit 0 only when all 20 concurrent calls
 * succeed and match.
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h threads.c name.o */
#include "driver_io.h"

#include <pthread.h>
#include <string.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

enum { THREADS = 4, CALLS = 5 };

static int images;
static size_t image_floats, label_floats;
static const float *pixels;
static float *single;  /* [images][labels], one image per call */
static float *batched; /* [images][labels], one call */
static pthread_barrier_t start;

struct worker {
  int index;
  int mismatches;
  int failures;
};

static void *work(void *opaque) {
  struct worker *w = (struct worker *)opaque;
  float *out = alloc_floats((size_t)images * label_floats);
  int call;
  pthread_barrier_wait(&start);
  for (call = 0; call < CALLS; ++call) {
    int whole = w->index % 2 == 1;
    int image = (w->index / 2 + call) % images;
    int batch = whole ? images : 1;
    const float *in = whole ? pixels : pixels + (size_t)image * image_floats;
    const float *want = whole ? batched : single + (size_t)image * label_floats;
    int rc = API(_forward)(in, batch, out);
    if (rc != 0) {
      fprintf(stderr, "thread %d call %d: forward failed: %d (%s)\n", w->index,
              call, rc, API(_error_string)(rc));
      ++w->failures;
    } else if (memcmp(out, want,
                      (size_t)batch * label_floats * sizeof(float))) {
      fprintf(stderr,
              "thread %d call %d (batch %d, image %d): logits differ "
              "from the single-threaded run\n",
              w->index, call, batch, image);
      ++w->mismatches;
    }
  }
  free(out);
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  int i, mismatches = 0, failures = 0;
  if (argc != 4 || (images = atoi(argv[1])) < 1) {
    fprintf(stderr, "usage: %s IMAGES input.f32 output.f32\n", argv[0]);
    return 2;
  }
  image_floats = (size_t)MACRO(_INPUT_CHANNELS) * MACRO(_INPUT_HEIGHT) *
                 MACRO(_INPUT_WIDTH);
  label_floats = MACRO(_NUM_LABELS);
  pixels = read_floats(argv[2], (size_t)images * image_floats);
  single = alloc_floats((size_t)images * label_floats);
  batched = alloc_floats((size_t)images * label_floats);
  for (i = 0; i < images; ++i)
    if (API(_forward)(pixels + (size_t)i * image_floats, 1,
                      single + (size_t)i * label_floats) != 0) {
      fprintf(stderr, "single-threaded forward of image %d failed\n", i);
      return 1;
    }
  if (API(_forward)(pixels, images, batched) != 0) {
    fprintf(stderr, "single-threaded forward of the batch failed\n");
    return 1;
  }
  write_floats(argv[3], single, (size_t)images * label_floats);

  pthread_barrier_init(&start, NULL, THREADS);
  for (i = 0; i < THREADS; ++i) {
    workers[i].index = i;
    workers[i].mismatches = workers[i].failures = 0;
    if (pthread_create(&threads[i], NULL, work, &workers[i])) {
      fprintf(stderr, "pthread_create failed\n");
      return 2;
    }
  }
  for (i = 0; i < THREADS; ++i) {
    pthread_join(threads[i], NULL);
    mismatches += workers[i].mismatches;
    failures += workers[i].failures;
  }
  pthread_barrier_destroy(&start);
  printf("%d threads x %d calls: %d failed, %d differ\n", THREADS, CALLS,
         failures, mismatches);
  return failures || mismatches ? 1 : 0;
}
