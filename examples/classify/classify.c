/*===- classify.c - Classify image files with a bitc-compiled model --------===
 *
 *   classify [--top K] [--threads N] [--bench [RUNS]] image.(png|jpg|ppm|pgm)...
 *
 * Links a model compiled with `bitc compile MODEL_DIR -o model.o --name model`
 * (this directory's CMakeLists.txt or Makefile does that), decodes each
 * image (../common/image_io.c: libpng, libjpeg-turbo, PPM/PGM), runs the
 * model's own preprocessing and forward pass (model_classify_rgb8), and
 * prints the top-K labels with softmax probabilities and logits. --bench also
 * times model_classify_rgb8 and model_forward and prints the median latency.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "image_io.h"
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*--- timing -------------------------------------------------------------------*/

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, compare_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void bench(const image *img, int runs) {
  static float pixels[MODEL_INPUT_CHANNELS * MODEL_INPUT_HEIGHT *
                      MODEL_INPUT_WIDTH];
  float logits[MODEL_NUM_LABELS];
  double *classify = (double *)malloc(sizeof(double) * runs);
  double *forward = (double *)malloc(sizeof(double) * runs);
  double *prep = (double *)malloc(sizeof(double) * runs);
  if (!classify || !forward || !prep)
    exit(1);
  model_classify_rgb8(img->rgb, img->width, img->height, img->width * 3,
                      logits); /* warm-up: thread pool, caches */
  for (int r = 0; r < runs; ++r) {
    double t0 = now_ms();
    model_preprocess_rgb8(img->rgb, img->width, img->height, img->width * 3,
                          pixels);
    double t1 = now_ms();
    model_forward(pixels, 1, logits);
    double t2 = now_ms();
    model_classify_rgb8(img->rgb, img->width, img->height, img->width * 3,
                        logits);
    double t3 = now_ms();
    prep[r] = t1 - t0;
    forward[r] = t2 - t1;
    classify[r] = t3 - t2;
  }
  printf("  latency over %d runs (median): classify_rgb8 %.3f ms = "
         "preprocess_rgb8 %.3f ms + forward %.3f ms\n",
         runs, median(classify, runs), median(prep, runs),
         median(forward, runs));
  free(classify);
  free(forward);
  free(prep);
}

/*--- main ---------------------------------------------------------------------*/

static void usage(void) {
  fprintf(stderr,
          "usage: classify [--top K] [--threads N] [--bench [RUNS]] "
          "IMAGE...\n"
          "Classifies PNG, JPEG, PPM and PGM images with the linked model "
          "(%d labels, input %dx%dx%d).\n",
          MODEL_NUM_LABELS, MODEL_INPUT_CHANNELS, MODEL_INPUT_HEIGHT,
          MODEL_INPUT_WIDTH);
}

int main(int argc, char **argv) {
  int top = 5, runs = 0, first = 1, failures = 0;
  for (; first < argc && argv[first][0] == '-' && argv[first][1] == '-';
       ++first) {
    const char *arg = argv[first];
    if (!strcmp(arg, "--top") && first + 1 < argc) {
      top = atoi(argv[++first]);
    } else if (!strcmp(arg, "--threads") && first + 1 < argc) {
      model_set_num_threads(atoi(argv[++first]));
    } else if (!strcmp(arg, "--bench")) {
      runs = 50;
      if (first + 1 < argc && atoi(argv[first + 1]) > 0)
        runs = atoi(argv[++first]);
    } else if (!strcmp(arg, "--help")) {
      usage();
      return 0;
    } else {
      usage();
      return 2;
    }
  }
  if (first == argc || top < 1) {
    usage();
    return 2;
  }
  if (top > MODEL_NUM_LABELS)
    top = MODEL_NUM_LABELS;

  for (int i = first; i < argc; ++i) {
    image img;
    if (!load_image("classify", argv[i], &img)) {
      ++failures;
      continue;
    }
    float logits[MODEL_NUM_LABELS];
    int status = model_classify_rgb8(img.rgb, img.width, img.height,
                                     img.width * 3, logits);
    if (status != MODEL_OK) {
      fprintf(stderr, "classify: %s: %s\n", argv[i],
              model_error_string(status));
      free(img.rgb);
      ++failures;
      continue;
    }
    /* Softmax in double, max subtracted. */
    double maxLogit = logits[0], sum = 0.0, prob[MODEL_NUM_LABELS];
    for (int k = 1; k < MODEL_NUM_LABELS; ++k)
      if (logits[k] > maxLogit)
        maxLogit = logits[k];
    for (int k = 0; k < MODEL_NUM_LABELS; ++k)
      sum += prob[k] = exp((double)logits[k] - maxLogit);
    int order[MODEL_NUM_LABELS];
    for (int k = 0; k < MODEL_NUM_LABELS; ++k)
      order[k] = k;
    for (int a = 0; a < top; ++a) /* partial selection sort: K is small */
      for (int b = a + 1; b < MODEL_NUM_LABELS; ++b)
        if (logits[order[b]] > logits[order[a]]) {
          int t = order[a];
          order[a] = order[b];
          order[b] = t;
        }
    printf("%s (%dx%d)\n", argv[i], img.width, img.height);
    for (int a = 0; a < top; ++a) {
      const char *label = model_label(order[a]);
      printf("  %d. %7.3f %%  logit %9.5f  %s\n", a + 1,
             100.0 * prob[order[a]] / sum, logits[order[a]],
             label ? label : "?");
    }
    if (runs > 0)
      bench(&img, runs);
    free(img.rgb);
  }
  return failures ? 1 : 0;
}
