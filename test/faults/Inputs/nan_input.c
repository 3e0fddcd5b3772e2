/* NaN and infinite pixels through <MODEL>_forward and
 * _forward_with_workspace (batch 3).
 *
 *   nan_input input.f32
 *
 * Image 1 gets one NaN at its first, a middle and its last pixel in turn:
 * image 1's logits must be all NaN, images 0 and 2 unchanged bit for bit.
 * All-NaN, +Inf, -Inf and 3e38 images must return OK or an error, not
 * crash. Exits 1 on a violation. (The kernels' max pool and ReLU alone would
 * drop a single NaN: fuzz/corpus/model-api/nan-pixel-finite-logits.)
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h nan_input.c
 *        name.o */
#include "../../e2e/Inputs/driver_io.h"

#include <math.h>
#include <string.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

enum { IMAGES = 3 };

int main(int argc, char **argv) {
  size_t image = (size_t)MACRO(_INPUT_CHANNELS) * MACRO(_INPUT_HEIGHT) *
                 MACRO(_INPUT_WIDTH);
  size_t labels = MACRO(_NUM_LABELS), i;
  float *pixels, *clean = alloc_floats(IMAGES * labels);
  float *got = alloc_floats(IMAGES * labels);
  size_t workspace_bytes = API(_workspace_size)(IMAGES);
  void *workspace = aligned_alloc(MACRO(_WORKSPACE_ALIGNMENT), workspace_bytes);
  const size_t where[] = {0, image / 2 + 17, image - 1};
  const float specials[] = {INFINITY, -INFINITY, 3e38f, NAN};
  int w, s, entry;
  if (argc != 2 || !workspace)
    return 2;
  pixels = read_floats(argv[1], IMAGES * image);
  if (API(_forward)(pixels, IMAGES, clean) != MACRO(_OK))
    return 1;
  for (entry = 0; entry < 2; ++entry)
    for (w = 0; w < 3; ++w) {
      float saved = pixels[image + where[w]];
      int status;
      pixels[image + where[w]] = NAN;
      status = entry == 0
                   ? API(_forward)(pixels, IMAGES, got)
                   : API(_forward_with_workspace)(pixels, IMAGES, got,
                                                  workspace, workspace_bytes);
      pixels[image + where[w]] = saved;
      if (status != MACRO(_OK)) {
        printf("FAIL: NaN at %lu: status %d\n", (unsigned long)where[w],
               status);
        return 1;
      }
      for (i = 0; i < labels; ++i)
        if (!isnan(got[labels + i])) {
          printf("FAIL: NaN at %lu (entry %d): logit %lu is %g\n",
                 (unsigned long)where[w], entry, (unsigned long)i,
                 got[labels + i]);
          return 1;
        }
      if (memcmp(got, clean, labels * sizeof(float)) ||
          memcmp(got + 2 * labels, clean + 2 * labels,
                 labels * sizeof(float))) {
        printf("FAIL: NaN at %lu changed the other images\n",
               (unsigned long)where[w]);
        return 1;
      }
    }
  printf("one NaN pixel: NaN logits for its image, others unchanged\n");
  for (s = 0; s < 4; ++s) {
    int status;
    for (i = 0; i < image; ++i)
      pixels[image + i] = specials[s];
    status = API(_forward)(pixels, IMAGES, got);
    if (status != MACRO(_OK) && status != MACRO(_ERROR_KERNEL_FAILED)) {
      printf("FAIL: image of %g: status %d\n", specials[s], status);
      return 1;
    }
    if (s == 3 && status == MACRO(_OK) && !isnan(got[labels])) {
      printf("FAIL: all-NaN image: finite logits\n");
      return 1;
    }
  }
  printf("images of +inf, -inf, 3e38, NaN: no crash\n");
  return 0;
}
