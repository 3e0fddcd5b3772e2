/*===- embed_layouts.c - _embed_<layout> equals _embed_rgb8 of the same RGB -===
 * Built with -DMODEL=<name> -DMODEL_UPPER=<NAME> -include <name>.h for a
 * model with pooler_output. A seeded W x H RGB image is handed over as BGR8,
 * RGBA8 and BGRA8 (random alpha, padded rows) and, replicated from its first
 * channel, as GRAY8; each _embed_<layout> must give the bytes _embed_rgb8
 * gives for the RGB image PIL's convert("RGB") makes of it (alpha dropped,
 * gray replicated), and so must _classify_<layout> against _classify_rgb8.
 * (That _preprocess_<layout> equals PIL's conversion is checked against PIL
 * by model-api.test.) Prints one line per layout.
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(suffix) CAT(MODEL, suffix)
#define UP(suffix) CAT(MODEL_UPPER, suffix)

enum { W = 45, H = 37, PAD = 3 };
typedef int (*image_fn)(const uint8_t *, int, int, int, float *);

static uint32_t state = 12345;
static uint8_t next_byte(void) {
  state = state * 1664525u + 1013904223u;
  return (uint8_t)(state >> 24);
}

/* fn(data) vs reference(rgb): the same floats? */
static int same(image_fn fn, const uint8_t *data, int stride,
                image_fn reference, const uint8_t *rgb, size_t floats) {
  float *a = (float *)malloc(sizeof(float) * floats);
  float *b = (float *)malloc(sizeof(float) * floats);
  int ok = a && b && fn(data, W, H, stride, a) == 0 &&
           reference(rgb, W, H, 3 * W, b) == 0 &&
           memcmp(a, b, sizeof(float) * floats) == 0;
  free(a);
  free(b);
  return ok;
}

int main(void) {
  static uint8_t rgb[H][3 * W], gray_rgb[H][3 * W];
  static uint8_t bgr[H][3 * W + PAD], rgba[H][4 * W + PAD],
      bgra[H][4 * W + PAD], gray[H][W + PAD];
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      uint8_t r = next_byte(), g = next_byte(), b = next_byte(),
              alpha = next_byte();
      uint8_t *p = &rgb[y][3 * x];
      p[0] = r, p[1] = g, p[2] = b;
      bgr[y][3 * x] = b, bgr[y][3 * x + 1] = g, bgr[y][3 * x + 2] = r;
      uint8_t *q = &rgba[y][4 * x];
      q[0] = r, q[1] = g, q[2] = b, q[3] = alpha;
      q = &bgra[y][4 * x];
      q[0] = b, q[1] = g, q[2] = r, q[3] = (uint8_t)~alpha;
      gray[y][x] = r;
      memset(&gray_rgb[y][3 * x], r, 3);
    }
  const size_t embed_floats = UP(_OUTPUT_POOLER_OUTPUT_SIZE);
  static const int sizes[] = UP(_OUTPUT_SIZES);
  const size_t logits_floats = (size_t)sizes[0];
  struct {
    const char *name;
    const uint8_t *data;
    int stride;
    image_fn embed, classify;
    const uint8_t *rgb;
  } layouts[] = {
      {"bgr8", &bgr[0][0], 3 * W + PAD, API(_embed_bgr8), API(_classify_bgr8),
       &rgb[0][0]},
      {"rgba8", &rgba[0][0], 4 * W + PAD, API(_embed_rgba8),
       API(_classify_rgba8), &rgb[0][0]},
      {"bgra8", &bgra[0][0], 4 * W + PAD, API(_embed_bgra8),
       API(_classify_bgra8), &rgb[0][0]},
      {"gray8", &gray[0][0], W + PAD, API(_embed_gray8), API(_classify_gray8),
       &gray_rgb[0][0]},
  };
  int failures = 0;
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; ++i) {
    int embed = same(layouts[i].embed, layouts[i].data, layouts[i].stride,
                     API(_embed_rgb8), layouts[i].rgb, embed_floats);
    int classify = same(layouts[i].classify, layouts[i].data, layouts[i].stride,
                        API(_classify_rgb8), layouts[i].rgb, logits_floats);
    printf("%s: embed %s, classify %s\n", layouts[i].name,
           embed ? "same" : "DIFFERENT", classify ? "same" : "DIFFERENT");
    failures += !embed + !classify;
  }
  return failures != 0;
}
