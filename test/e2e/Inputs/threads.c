/* Concurrency driver: runs <MODEL>_forward, <MODEL>_forward_with_workspace
 * and <MODEL>_classify_rgb8 from 4 pthreads at once, 5 rounds each, and
 * checks every result is bit-identical to a single-threaded run.
 *
 *   threads IMAGES input.f32 output.f32
 *
 * input.f32 holds IMAGES preprocessed images. Single-threaded, each image is
 * run alone (batch 1) and all of them together (batch IMAGES), and each of
 * IMAGES synthetic RGB images (a different size each, so preprocessing
 * resizes) is classified. Then threads 0 and 2 run one image per call (a
 * different image every round, so the threads work on the same and on
 * different inputs at the same time) and threads 1 and 3 the whole batch;
 * every round also runs the same input in the thread's own workspace and
 * classifies one RGB image. The batch-1 logits are written to output.f32
 * for the comparison with the reference. Exit 0 only when all 60 concurrent
 * calls succeed and match. Also built with -fsanitize=thread (tsan.test).
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h threads.c name.o */
#include "driver_io.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

enum { THREADS = 4, CALLS = 5 };

static int images;
static size_t image_floats, label_floats;
static const float *pixels;
static float *single;  /* [images][labels], one image per call */
static float *batched; /* [images][labels], one call */
static float *classified; /* [images][labels], classify_rgb8 of rgb_image */
static size_t workspace_bytes; /* enough for batch 1 and batch `images` */
static pthread_barrier_t start;

/* Synthetic RGB image `index`: (37 + 9 index) x (29 + 5 index) pixels,
   rows padded to a stride of 3 width + 5 bytes. */
static uint8_t *rgb_image(int index, int *width, int *height, int *stride) {
  uint8_t *rgb;
  int i;
  *width = 37 + 9 * index;
  *height = 29 + 5 * index;
  *stride = 3 * *width + 5;
  rgb = (uint8_t *)malloc((size_t)*stride * *height);
  if (!rgb) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  for (i = 0; i < *stride * *height; ++i)
    rgb[i] = (uint8_t)(i * 31 + index * 17 + (i >> 7));
  return rgb;
}

struct worker {
  int index;
  int mismatches;
  int failures;
};

static void *work(void *opaque) {
  struct worker *w = (struct worker *)opaque;
  float *out = alloc_floats((size_t)images * label_floats);
  void *workspace = aligned_alloc(64, workspace_bytes);
  int call, kind;
  if (!workspace) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  pthread_barrier_wait(&start);
  for (call = 0; call < CALLS; ++call) {
    int whole = w->index % 2 == 1;
    int image = (w->index / 2 + call) % images;
    int batch = whole ? images : 1;
    const float *in = whole ? pixels : pixels + (size_t)image * image_floats;
    const float *want = whole ? batched : single + (size_t)image * label_floats;
    static const char *const kinds[] = {"forward", "forward_with_workspace",
                                        "classify_rgb8"};
    for (kind = 0; kind < 3; ++kind) {
      int rc, width, height, stride;
      uint8_t *rgb = NULL;
      switch (kind) {
      case 0:
        rc = API(_forward)(in, batch, out);
        break;
      case 1:
        rc = API(_forward_with_workspace)(in, batch, out, workspace,
                                          workspace_bytes);
        break;
      default:
        rgb = rgb_image(image, &width, &height, &stride);
        rc = API(_classify_rgb8)(rgb, width, height, stride, out);
        free(rgb);
        batch = 1;
        want = classified + (size_t)image * label_floats;
      }
      if (rc != 0) {
        fprintf(stderr, "thread %d call %d: %s failed: %d (%s)\n", w->index,
                call, kinds[kind], rc, API(_error_string)(rc));
        ++w->failures;
      } else if (memcmp(out, want,
                        (size_t)batch * label_floats * sizeof(float))) {
        fprintf(stderr,
                "thread %d call %d (%s, batch %d, image %d): logits differ "
                "from the single-threaded run\n",
                w->index, call, kinds[kind], batch, image);
        ++w->mismatches;
      }
    }
  }
  free(workspace);
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
  classified = alloc_floats((size_t)images * label_floats);
  workspace_bytes = API(_workspace_size)(1);
  if (API(_workspace_size)(images) > workspace_bytes)
    workspace_bytes = API(_workspace_size)(images);
  for (i = 0; i < images; ++i) {
    int width, height, stride;
    uint8_t *rgb = rgb_image(i, &width, &height, &stride);
    if (API(_classify_rgb8)(rgb, width, height, stride,
                            classified + (size_t)i * label_floats) != 0) {
      fprintf(stderr, "single-threaded classify_rgb8 of image %d failed\n",
              i);
      return 1;
    }
    free(rgb);
  }
  for (i = 0; i < images; ++i)
    if (API(_forward)(pixels + (size_t)i * image_floats, 1,
                      single + (size_t)i * label_floats) != 0) {
      fprintf(stderr, "single-threaded forward of image %d failed\n", i);
      return 1;
    }
  /* Two pool threads, whatever the machine: the batch's chunks run in two
     slots at once (docs/performance.md, "Images in parallel"), and each
     image must still get the bits of its batch-1 call; so must a workspace
     with room for one slot, which runs the chunks one after another. */
  API(_set_num_threads)(2);
  if (API(_forward)(pixels, images, batched) != 0) {
    fprintf(stderr, "single-threaded forward of the batch failed\n");
    return 1;
  }
  {
    size_t one_slot = API(_workspace_size)(1);
    void *small = aligned_alloc(MACRO(_WORKSPACE_ALIGNMENT), one_slot);
    float *serial = alloc_floats((size_t)images * label_floats);
    size_t bytes = (size_t)images * label_floats * sizeof(float);
    if (!small || API(_forward_with_workspace)(pixels, images, serial, small,
                                               one_slot) != 0) {
      fprintf(stderr, "the batch in a one-slot workspace failed\n");
      return 1;
    }
    printf("batch %d on 2 threads: %s batch-1 calls; in a one-slot "
           "workspace: %s\n",
           images, memcmp(batched, single, bytes) ? "differs from" : "equals",
           memcmp(serial, batched, bytes) ? "differs" : "equal");
    /* The slots of the workspace: a group of up to BITC_CHUNK_GROUP per
       thread (the tests set it; by default 4 or 1 by the L2 size), whose
       chunks step through the network together (ModelRuntime.c,
       run_group), each with the bits of its batch-1 call. */
    printf("batch %d on 2 threads: %d slots\n", images,
           (int)(API(_workspace_size)(images) / one_slot));
    API(_set_num_threads)(1);
    if (API(_forward)(pixels, images, serial) != 0) {
      fprintf(stderr, "the batch on 1 thread failed\n");
      return 1;
    }
    printf("batch %d on 1 thread: %d slots, %s batch-1 calls\n", images,
           (int)(API(_workspace_size)(images) / one_slot),
           memcmp(serial, single, bytes) ? "differs from" : "equals");
    API(_set_num_threads)(2);
    free(small);
    free(serial);
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
  printf("%d threads x %d rounds x 3 calls: %d failed, %d differ\n", THREADS,
         CALLS, failures, mismatches);
  return failures || mismatches ? 1 : 0;
}
