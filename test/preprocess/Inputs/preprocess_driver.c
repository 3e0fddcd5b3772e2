/*===- preprocess_driver.c - Dump what the preprocessing makes of an image -===
 *
 *   driver FORMAT W H STRIDE in.raw out.f32 [TABLE...]
 *
 * FORMAT is rgb8, bgr8, rgba8, bgra8 or gray8; in.raw holds H rows of STRIDE
 * bytes (W pixels in FORMAT, then padding). out.f32 gets the float32 CHW
 * tensor. Built two ways:
 *  - with -DMODEL=<name> -include <name>.h: calls <name>_preprocess_<FORMAT>
 *    of a compiled model (and checks <name>_classify_<FORMAT> against
 *    forward);
 *  - without: links the runtime's preprocessing directly and takes the
 *    bitc_preprocess table from the command line (channels height width
 *    flags resample shortest_edge resize_h resize_w crop_h crop_w rescale
 *    mean0 mean1 mean2 std0 std1 std2 processor), to cover many
 *    configurations fast.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const formats[] = {"rgb8", "bgr8", "rgba8", "bgra8",
                                      "gray8"};

#ifdef MODEL
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(suffix) CAT(MODEL, suffix)
#define UP(suffix) CAT(MODEL_UPPER, suffix)
typedef int (*image_fn)(const uint8_t *, int, int, int, float *);
/* The model's functions for formats[i]. */
static const image_fn preprocess_fns[] = {
    API(_preprocess_rgb8), API(_preprocess_bgr8), API(_preprocess_rgba8),
    API(_preprocess_bgra8), API(_preprocess_gray8)};
static const image_fn classify_fns[] = {
    API(_classify_rgb8), API(_classify_bgr8), API(_classify_rgba8),
    API(_classify_bgra8), API(_classify_gray8)};
#else
#include "ModelRuntime.h"
/* Preprocess.c's classify and embed wrappers refer to it; never called
   here. */
int bitc_model_forward_some(const bitc_model *model, const float *pixels,
                            float *const *outputs) {
  (void)model, (void)pixels, (void)outputs;
  return BITC_ERROR_KERNEL_FAILED;
}
#endif

static void *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *data = malloc(n > 0 ? (size_t)n : 1);
  if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return data;
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s FORMAT W H STRIDE in.raw out.f32 [TABLE...]\n",
            argv[0]);
    return 2;
  }
  int format = 0;
  while (format < 5 && strcmp(argv[1], formats[format]) != 0)
    ++format;
  if (format == 5) {
    fprintf(stderr, "unknown format %s\n", argv[1]);
    return 2;
  }
  ++argv, --argc; /* the rest as before the format argument */
  int width = atoi(argv[1]), height = atoi(argv[2]), stride = atoi(argv[3]);
  size_t size = 0;
  uint8_t *rgb = (uint8_t *)read_file(argv[4], &size);
  if (!rgb || size < (size_t)stride * height) {
    fprintf(stderr, "%s: cannot read %d rows of %d bytes\n", argv[4], height,
            stride);
    return 2;
  }
#ifdef MODEL
  size_t floats =
      (size_t)UP(_INPUT_CHANNELS) * UP(_INPUT_HEIGHT) * UP(_INPUT_WIDTH);
  float *pixels = (float *)malloc(sizeof(float) * floats);
  int status = preprocess_fns[format](rgb, width, height, stride, pixels);
  if (status != 0) {
    fprintf(stderr, "preprocess_%s: %d %s\n", formats[format], status,
            API(_error_string)(status));
    return 1;
  }
  /* classify = forward(preprocess): the very same logits. */
  float a[UP(_NUM_LABELS)], b[UP(_NUM_LABELS)];
  if (classify_fns[format](rgb, width, height, stride, a) != 0 ||
      API(_forward)(pixels, 1, b) != 0 || memcmp(a, b, sizeof a) != 0) {
    fprintf(stderr, "classify_%s differs from forward(preprocess_%s)\n",
            formats[format], formats[format]);
    return 1;
  }
#else
  if (argc != 6 + 18) {
    fprintf(stderr, "expected 18 table values\n");
    return 2;
  }
  bitc_preprocess pre;
  int64_t *ints = &pre.channels;
  for (int i = 0; i < 10; ++i)
    ints[i] = atoll(argv[6 + i]);
  pre.rescale_factor = strtod(argv[16], NULL);
  for (int c = 0; c < 3; ++c) {
    pre.mean[c] = strtod(argv[17 + c], NULL);
    pre.std[c] = strtod(argv[20 + c], NULL);
  }
  pre.processor = atoll(argv[23]);
  size_t floats = (size_t)(pre.channels * pre.height * pre.width);
  float *pixels = (float *)malloc(sizeof(float) * floats);
  int status =
      bitc_preprocess_pixels(&pre, format, rgb, width, height, stride, pixels);
  if (status != 0) {
    fprintf(stderr, "bitc_preprocess_pixels: %d\n", status);
    return 1;
  }
#endif
  FILE *out = fopen(argv[5], "wb");
  if (!out || fwrite(pixels, sizeof(float), floats, out) != floats) {
    fprintf(stderr, "%s: cannot write\n", argv[5]);
    return 2;
  }
  fclose(out);
  free(pixels);
  free(rgb);
  return 0;
}
