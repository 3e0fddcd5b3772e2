/*===- classify.c - Classify image files with a bitc-compiled model --------===
 *
 *   classify [--top K] [--threads N] [--bench [RUNS]] image.(png|jpg|ppm|pgm)...
 *
 * Links a model compiled with `bitc compile MODEL_DIR -o model.o --name model`
 * (this directory's CMakeLists.txt or Makefile does that), decodes each
 * image with libpng / libjpeg-turbo (PPM/PGM by hand), runs the model's own
 * preprocessing and forward pass (model_classify_rgb8), and prints the top-K
 * labels with softmax probabilities and logits. --bench also times
 * model_classify_rgb8 and model_forward and prints the median latency.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L

#include "model.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which needs FILE and size_t */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <png.h>

typedef struct image {
  int width, height;
  unsigned char *rgb; /* height rows of 3 * width bytes */
} image;

/*--- decoders ---------------------------------------------------------------*/

static int load_png(const char *path, image *img) {
  png_image png;
  memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path)) {
    fprintf(stderr, "classify: %s: %s\n", path, png.message);
    return 0;
  }
  png.format = PNG_FORMAT_RGB; /* gray, palette and alpha become RGB */
  img->width = (int)png.width;
  img->height = (int)png.height;
  img->rgb = (unsigned char *)malloc(PNG_IMAGE_SIZE(png));
  if (!img->rgb ||
      !png_image_finish_read(&png, NULL, img->rgb, 0, NULL)) {
    fprintf(stderr, "classify: %s: %s\n", path,
            img->rgb ? png.message : "out of memory");
    png_image_free(&png);
    free(img->rgb);
    return 0;
  }
  return 1;
}

struct jpeg_error {
  struct jpeg_error_mgr mgr;
  jmp_buf jump;
};

static void jpeg_fail(j_common_ptr cinfo) {
  struct jpeg_error *err = (struct jpeg_error *)cinfo->err;
  longjmp(err->jump, 1);
}

static int load_jpeg(const char *path, image *img) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    perror(path);
    return 0;
  }
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  img->rgb = NULL;
  if (setjmp(err.jump)) {
    char message[JMSG_LENGTH_MAX];
    err.mgr.format_message((j_common_ptr)&cinfo, message);
    fprintf(stderr, "classify: %s: %s\n", path, message);
    jpeg_destroy_decompress(&cinfo);
    fclose(file);
    free(img->rgb);
    return 0;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, file);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB; /* grayscale and YCbCr alike */
  jpeg_start_decompress(&cinfo);
  img->width = (int)cinfo.output_width;
  img->height = (int)cinfo.output_height;
  size_t stride = (size_t)img->width * 3;
  img->rgb = (unsigned char *)malloc(stride * img->height);
  if (!img->rgb)
    longjmp(err.jump, 1);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = img->rgb + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  fclose(file);
  return 1;
}

/* Next header number of a PNM file, skipping whitespace and # comments. */
static long pnm_number(FILE *file) {
  int c = fgetc(file);
  while (c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
    if (c == '#')
      while (c != '\n' && c != EOF)
        c = fgetc(file);
    c = fgetc(file);
  }
  long value = -1;
  while (c >= '0' && c <= '9') {
    value = (value < 0 ? 0 : value * 10) + (c - '0');
    if (value > (1L << 20))
      return -1;
    c = fgetc(file);
  }
  return value; /* the single whitespace after the number is consumed */
}

/* Binary PPM (P6) and PGM (P5), maxval up to 65535 (scaled to 8 bits). */
static int load_pnm(const char *path, image *img) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    perror(path);
    return 0;
  }
  char magic[2] = {0, 0};
  int ok = fread(magic, 1, 2, file) == 2 && magic[0] == 'P' &&
           (magic[1] == '6' || magic[1] == '5');
  long width = ok ? pnm_number(file) : -1;
  long height = ok ? pnm_number(file) : -1;
  long maxval = ok ? pnm_number(file) : -1;
  if (!ok || width < 1 || height < 1 || maxval < 1 || maxval > 65535) {
    fprintf(stderr, "classify: %s: not a binary PPM/PGM (P6/P5) file\n", path);
    fclose(file);
    return 0;
  }
  int channels = magic[1] == '6' ? 3 : 1;
  int bytes = maxval > 255 ? 2 : 1;
  size_t samples = (size_t)width * height * channels;
  unsigned char *raw = (unsigned char *)malloc(samples * bytes);
  img->width = (int)width;
  img->height = (int)height;
  img->rgb = (unsigned char *)malloc((size_t)width * height * 3);
  if (!raw || !img->rgb || fread(raw, bytes, samples, file) != samples) {
    fprintf(stderr, "classify: %s: truncated PPM/PGM data\n", path);
    free(raw);
    free(img->rgb);
    fclose(file);
    return 0;
  }
  fclose(file);
  for (size_t i = 0; i < (size_t)width * height; ++i)
    for (int c = 0; c < 3; ++c) {
      size_t s = i * channels + (channels == 3 ? c : 0);
      long v = bytes == 2 ? (raw[2 * s] << 8) | raw[2 * s + 1] : raw[s];
      img->rgb[i * 3 + c] = (unsigned char)((v * 255 + maxval / 2) / maxval);
    }
  free(raw);
  return 1;
}

/* By content, not by extension. */
static int load_image(const char *path, image *img) {
  unsigned char magic[8] = {0};
  FILE *file = fopen(path, "rb");
  if (!file) {
    perror(path);
    return 0;
  }
  size_t n = fread(magic, 1, sizeof magic, file);
  fclose(file);
  if (n >= 8 && !png_sig_cmp(magic, 0, 8))
    return load_png(path, img);
  if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
    return load_jpeg(path, img);
  if (n >= 2 && magic[0] == 'P' && (magic[1] == '6' || magic[1] == '5'))
    return load_pnm(path, img);
  fprintf(stderr, "classify: %s: not a PNG, JPEG, PPM or PGM file\n", path);
  return 0;
}

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
    if (!load_image(argv[i], &img)) {
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
