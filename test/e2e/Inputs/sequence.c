/* Back-to-back driver: runs <MODEL>_forward several times in one process, on
 * different images, so every call after the first finds the memory of the
 * previous call (kept workspaces, freed and reused heap blocks) holding that
 * call's activations instead of fresh zero pages.
 *
 *   sequence IMAGES input.f32 output.f32 CALL...
 *
 * input.f32 holds IMAGES preprocessed images. Each CALL is `I` (image I alone,
 * batch 1) or `I:N` (images I..I+N-1 in one call of batch N); the calls run
 * in order and output.f32 gets their logits one after the other.
 *
 * With BITC_TEST_REVERSE_TASKS=1 in the environment, every parallel loop of
 * the kernels runs its tasks one after the other, last task first (through
 * the Halide runtime's halide_set_custom_do_par_for, which bitc objects
 * export): a legal schedule of any parallel loop whose tasks are independent,
 * and the order in which a task that overwrites what a later task still reads
 * goes wrong every time instead of once in a few hundred calls.
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h sequence.c name.o */
#include "driver_io.h"

#include <string.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

typedef int (*halide_task)(void *user_context, int index, unsigned char *closure);
typedef int (*halide_par_for)(void *user_context, halide_task task, int min,
                              int size, unsigned char *closure);
extern halide_par_for halide_set_custom_do_par_for(halide_par_for par_for);

static long reversed_tasks;

static int par_for_reversed(void *user_context, halide_task task, int min,
                            int size, unsigned char *closure) {
  int i;
  for (i = min + size - 1; i >= min; --i) {
    int rc = task(user_context, i, closure);
    if (rc)
      return rc;
    ++reversed_tasks;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s IMAGES input.f32 output.f32 CALL...\n", argv[0]);
    return 2;
  }
  int images = atoi(argv[1]);
  size_t image_floats = (size_t)MACRO(_INPUT_CHANNELS) * MACRO(_INPUT_HEIGHT) *
                        MACRO(_INPUT_WIDTH);
  size_t label_floats = (size_t)MACRO(_NUM_LABELS);
  const float *pixels = read_floats(argv[2], (size_t)images * image_floats);

  int calls = argc - 4, total = 0, i;
  int *first = (int *)malloc(sizeof(int) * calls);
  int *count = (int *)malloc(sizeof(int) * calls);
  for (i = 0; i < calls; ++i) {
    const char *colon = strchr(argv[4 + i], ':');
    first[i] = atoi(argv[4 + i]);
    count[i] = colon ? atoi(colon + 1) : 1;
    if (first[i] < 0 || count[i] < 1 || first[i] + count[i] > images) {
      fprintf(stderr, "bad call '%s' for %d images\n", argv[4 + i], images);
      return 2;
    }
    total += count[i];
  }

  const char *reverse = getenv("BITC_TEST_REVERSE_TASKS");
  if (reverse && strcmp(reverse, "1") == 0)
    halide_set_custom_do_par_for(par_for_reversed);

  float *out = alloc_floats((size_t)total * label_floats);
  float *next = out;
  for (i = 0; i < calls; ++i) {
    int rc = API(_forward)(pixels + (size_t)first[i] * image_floats, count[i],
                           next);
    if (rc != 0) {
      fprintf(stderr, "call %d failed: %d (%s)\n", i, rc, API(_error_string)(rc));
      return 1;
    }
    next += (size_t)count[i] * label_floats;
  }
  write_floats(argv[3], out, (size_t)total * label_floats);
  printf("calls %d, images %d%s\n", calls, total,
         reversed_tasks ? ", parallel tasks reversed" : "");
  return 0;
}
