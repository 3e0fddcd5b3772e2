/*===- api_errors.c - Argument checks of <name>_preprocess/classify_* -----===
 * Built with -DMODEL=<name> -DMODEL_UPPER=<NAME> -include <name>.h.
 * Bad arguments are checked in order: pointers, image size, stride, then
 * whether the rows fit in the address space (never dereferenced then).
 *===----------------------------------------------------------------------===*/
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(suffix) CAT(MODEL, suffix)
#define UP(suffix) CAT(MODEL_UPPER, suffix)

static float pixels[UP(_INPUT_CHANNELS) * UP(_INPUT_HEIGHT) * UP(_INPUT_WIDTH)];
static float logits[UP(_NUM_LABELS)];
static uint8_t rgb[4 * 40000];

static void report(const char *what, int code) {
  printf("%s: %d %s\n", what, code, API(_error_string)(code));
}

int main(void) {
  for (size_t i = 0; i < sizeof rgb; ++i)
    rgb[i] = (uint8_t)(i * 7);
  report("null rgb", API(_preprocess_rgb8)(NULL, 4, 4, 12, pixels));
  report("null pixels", API(_preprocess_rgb8)(rgb, 4, 4, 12, NULL));
  report("null logits", API(_classify_rgb8)(rgb, 4, 4, 12, NULL));
  report("width 0", API(_preprocess_rgb8)(rgb, 0, 4, 12, pixels));
  report("height -1", API(_classify_rgb8)(rgb, 4, -1, 12, logits));
  report("width 32769",
         API(_preprocess_rgb8)(rgb, 32769, 1, 3 * 32769, pixels));
  report("width INT_MAX",
         API(_classify_rgb8)(rgb, INT_MAX, 1, INT_MAX, logits));
  report("height INT_MAX", API(_preprocess_rgb8)(rgb, 1, INT_MAX, 3, pixels));
  report("stride 11", API(_preprocess_rgb8)(rgb, 4, 4, 11, pixels));
  report("stride -3", API(_classify_rgb8)(rgb, 4, 4, -3, logits));
  /* 3 * 32768 fits, stride * height wraps past the end of memory. */
  report("rows past the end of memory",
         API(_preprocess_rgb8)((const uint8_t *)(~(uintptr_t)0 - 4095), 32768,
                               32768, INT_MAX, pixels));
  report("null rgb, width 0", API(_classify_rgb8)(NULL, 0, 4, 12, logits));
  report("1x1", API(_preprocess_rgb8)(rgb, 1, 1, 3, pixels));
  report("32768x1", API(_preprocess_rgb8)(rgb, 32768, 1, 3 * 32768, pixels));
  report("1x32768", API(_classify_rgb8)(rgb, 1, 32768, 3, logits));
  report("odd stride", API(_classify_rgb8)(rgb, 5, 7, 17, logits));
  /* The other pixel layouts: row_stride counts their bytes per pixel. */
  report("bgr8 stride 11", API(_preprocess_bgr8)(rgb, 4, 4, 11, pixels));
  report("rgba8 stride 15", API(_classify_rgba8)(rgb, 4, 4, 15, logits));
  report("bgra8 stride 16", API(_preprocess_bgra8)(rgb, 4, 4, 16, pixels));
  report("gray8 stride 3", API(_classify_gray8)(rgb, 4, 4, 3, logits));
  report("gray8 stride 4", API(_preprocess_gray8)(rgb, 4, 4, 4, pixels));
  report("null gray", API(_classify_gray8)(NULL, 4, 4, 4, logits));
  report("rgba8 32768x1",
         API(_preprocess_rgba8)(rgb, 32768, 1, 4 * 32768, pixels));
  report("gray8 width 32769",
         API(_preprocess_gray8)(rgb, 32769, 1, 32769, pixels));
  return 0;
}
