/*===- Preprocess.c - BitImageProcessor in C, bit-exact with PIL -----------===
 *
 * Linked (as LLVM bitcode, every symbol internal) into each object bitc
 * writes, behind <name>_preprocess_rgb8 and <name>_classify_rgb8.
 *
 * The Hugging Face processor resizes the 8-bit image with PIL, so this file
 * reproduces PIL's resampler (libImaging/Resample.c, Pillow 9.x) step by
 * step rather than approximating it:
 *  - coefficients per output pixel in double: center = (x + 0.5) * scale,
 *    support = filter support * max(scale, 1) (PIL antialiases when it
 *    shrinks), bounds rounded with (int)(v + 0.5), weights normalized to
 *    sum 1, then converted to fixed point with 22 fractional bits;
 *  - two separable passes, horizontal first, each accumulating in int32
 *    from 1 << 21 and clipping to uint8 (so the intermediate image is
 *    rounded to 8 bits, as in PIL);
 *  - NEAREST is PIL's affine scaling (source = floor of a coordinate
 *    advanced by a double step), not the filter path;
 *  - an image that keeps its size is copied unchanged.
 * Only the pixels that survive the center crop are computed: every output
 * pixel of either pass depends on its own coefficients only, so the values
 * are those of a full resize followed by the crop.
 *
 * Grayscale models (num_channels 1) get PIL's "L" conversion first:
 * L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16 (ITU-R 601-2).
 *
 * Each call allocates its scratch memory: thread-safe and reentrant.
 *
 *===----------------------------------------------------------------------===*/

#include "Preprocess.h"
#include "ModelRuntime.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/*--- PIL's filters (same expressions, same constants) ---------------------*/

static double box_filter(double x) {
  if (x > -0.5 && x <= 0.5)
    return 1.0;
  return 0.0;
}

static double bilinear_filter(double x) {
  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return 1.0 - x;
  return 0.0;
}

static double hamming_filter(double x) {
  if (x < 0.0)
    x = -x;
  if (x == 0.0)
    return 1.0;
  if (x >= 1.0)
    return 0.0;
  x = x * M_PI;
  return sin(x) / x * (0.54f + 0.46f * cos(x));
}

static double bicubic_filter(double x) {
  const double a = -0.5;
  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

static double sinc_filter(double x) {
  if (x == 0.0)
    return 1.0;
  x = x * M_PI;
  return sin(x) / x;
}

static double lanczos_filter(double x) {
  if (-3.0 <= x && x < 3.0)
    return sinc_filter(x) * sinc_filter(x / 3);
  return 0.0;
}

typedef struct filter {
  double (*fn)(double);
  double support;
} filter;

static const filter *filter_for(int64_t resample) {
  static const filter box = {box_filter, 0.5};
  static const filter bilinear = {bilinear_filter, 1.0};
  static const filter hamming = {hamming_filter, 1.0};
  static const filter bicubic = {bicubic_filter, 2.0};
  static const filter lanczos = {lanczos_filter, 3.0};
  switch (resample) {
  case BITC_RESAMPLE_LANCZOS:
    return &lanczos;
  case BITC_RESAMPLE_BILINEAR:
    return &bilinear;
  case BITC_RESAMPLE_BOX:
    return &box;
  case BITC_RESAMPLE_HAMMING:
    return &hamming;
  default:
    return &bicubic;
  }
}

/* 8 bits of result, 2 bits of headroom for filters with negative lobes. */
#define PRECISION_BITS (32 - 8 - 2)

static uint8_t clip8(int32_t in) {
  int32_t v = in >> PRECISION_BITS; /* arithmetic shift, as in PIL */
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* One pass's coefficients for output pixels [begin, end): for output pixel
   begin + i, `size[i]` taps starting at input pixel `first[i]`, weights
   k[i * ksize ...] in fixed point. */
typedef struct coeffs {
  int ksize, begin;
  int *first, *size;
  int32_t *k;
} coeffs;

static void free_coeffs(coeffs *c) {
  free(c->first);
  free(c->size);
  free(c->k);
}

/* PIL's precompute_coeffs + normalize_coeffs_8bpc for the box [0, in_size),
   only for the output pixels [begin, end) of out_size. */
static int precompute_coeffs(int in_size, int out_size, int begin, int end,
                             const filter *f, coeffs *c) {
  const float in0 = 0.0f, in1 = (float)in_size;
  double scale = (double)(in1 - in0) / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  double support = f->support * filterscale;
  int ksize = (int)ceil(support) * 2 + 1;
  c->ksize = ksize;
  c->begin = begin;
  c->first = (int *)malloc(sizeof(int) * (size_t)(end - begin));
  c->size = (int *)malloc(sizeof(int) * (size_t)(end - begin));
  c->k = (int32_t *)malloc(sizeof(int32_t) * (size_t)(end - begin) * ksize);
  double *w = (double *)malloc(sizeof(double) * (size_t)ksize);
  if (!c->first || !c->size || !c->k || !w) {
    free(w);
    free_coeffs(c);
    return 0;
  }
  for (int xx = begin; xx < end; ++xx) {
    double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    double ss = 1.0 / filterscale;
    int xmin = (int)(center - support + 0.5);
    if (xmin < 0)
      xmin = 0;
    int xmax = (int)(center + support + 0.5);
    if (xmax > in_size)
      xmax = in_size;
    xmax -= xmin;
    int x = 0;
    for (; x < xmax; ++x) {
      double v = f->fn((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    for (x = 0; x < xmax; ++x)
      if (ww != 0.0)
        w[x] /= ww;
    int32_t *k = &c->k[(size_t)(xx - begin) * ksize];
    for (x = 0; x < ksize; ++x) {
      double v = x < xmax ? w[x] : 0.0;
      k[x] = v < 0 ? (int32_t)(-0.5 + v * (1 << PRECISION_BITS))
                   : (int32_t)(0.5 + v * (1 << PRECISION_BITS));
    }
    c->first[xx - begin] = xmin;
    c->size[xx - begin] = xmax;
  }
  free(w);
  return 1;
}

/* A uint8 image with `nc` interleaved channels. */
typedef struct image8 {
  const uint8_t *data;
  int width, height, nc;
  size_t stride; /* bytes between rows */
} image8;

/* PIL's ImagingScaleAffine for NEAREST: source coordinates advance by a
   double step from half a step (so rounding matches PIL's, not a product). */
static int resize_nearest(const image8 *src, int rw, int rh, int y0, int y1,
                          int x0, int x1, uint8_t *out, size_t ostride) {
  int *xin = (int *)malloc(sizeof(int) * (size_t)rw);
  if (!xin)
    return 0;
  double ax = (double)((float)src->width - 0.0f) / rw;
  double ay = (double)((float)src->height - 0.0f) / rh;
  double xo = 0.0 + ax * 0.5;
  for (int x = 0; x < rw; ++x, xo += ax)
    xin[x] = xo < 0.0 ? -1 : (int)xo;
  double yo = 0.0 + ay * 0.5;
  const int nc = src->nc;
  for (int y = 0; y < y1; ++y, yo += ay) {
    if (y < y0)
      continue;
    int yi = yo < 0.0 ? -1 : (int)yo;
    uint8_t *row = out + (size_t)(y - y0) * ostride;
    for (int x = x0; x < x1; ++x)
      for (int ch = 0; ch < nc; ++ch) {
        int inside = yi >= 0 && yi < src->height && xin[x] >= 0 &&
                     xin[x] < src->width;
        row[(size_t)(x - x0) * nc + ch] =
            inside ? src->data[(size_t)yi * src->stride +
                               (size_t)xin[x] * nc + ch]
                   : 0;
      }
  }
  free(xin);
  return 1;
}

/* PIL's two-pass ImagingResample to rw x rh, restricted to output rows
   [y0, y1) and columns [x0, x1), written to `out`. */
static int resize_filtered(const image8 *src, int rw, int rh,
                           const filter *f, int y0, int y1, int x0, int x1,
                           uint8_t *out, size_t ostride) {
  const int nc = src->nc;
  const int need_h = rw != src->width;
  const int need_v = rh != src->height;
  coeffs h = {0}, v = {0};
  if (need_h && !precompute_coeffs(src->width, rw, x0, x1, f, &h))
    return 0;
  if (need_v && !precompute_coeffs(src->height, rh, y0, y1, f, &v)) {
    free_coeffs(&h);
    return 0;
  }
  /* Source rows the vertical pass reads (all output rows when it is off). */
  int r0 = y0, r1 = y1;
  if (need_v) {
    r0 = v.first[0];
    r1 = 0;
    for (int i = 0; i < y1 - y0; ++i) {
      if (v.first[i] < r0)
        r0 = v.first[i];
      if (v.first[i] + v.size[i] > r1)
        r1 = v.first[i] + v.size[i];
    }
  }
  /* Horizontal pass into a temporary image of rows [r0, r1), columns
     [x0, x1) (or the source itself when the width does not change). */
  image8 mid = *src;
  int mid_x0 = 0, mid_r0 = 0;
  uint8_t *temp = NULL;
  if (need_h) {
    size_t tstride = (size_t)(x1 - x0) * nc;
    temp = (uint8_t *)malloc(tstride * (size_t)(r1 - r0) + 1);
    if (!temp) {
      free_coeffs(&h);
      free_coeffs(&v);
      return 0;
    }
    for (int y = r0; y < r1; ++y) {
      const uint8_t *in = src->data + (size_t)y * src->stride;
      uint8_t *row = temp + (size_t)(y - r0) * tstride;
      for (int i = 0; i < x1 - x0; ++i) {
        const int32_t *k = &h.k[(size_t)i * h.ksize];
        const uint8_t *p = in + (size_t)h.first[i] * nc;
        const int taps = h.size[i];
        if (nc == 3) { /* the three channels in one sweep, as PIL does */
          int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
          for (int t = 0; t < taps; ++t, p += 3) {
            s0 += p[0] * k[t];
            s1 += p[1] * k[t];
            s2 += p[2] * k[t];
          }
          row[3 * i] = clip8(s0);
          row[3 * i + 1] = clip8(s1);
          row[3 * i + 2] = clip8(s2);
        } else {
          int32_t ss = 1 << (PRECISION_BITS - 1);
          for (int t = 0; t < taps; ++t)
            ss += p[t] * k[t];
          row[i] = clip8(ss);
        }
      }
    }
    mid.data = temp;
    mid.stride = tstride;
    mid.width = x1 - x0;
    mid.height = r1 - r0;
    mid_x0 = x0;
    mid_r0 = r0;
  }
  /* Vertical pass (or a copy of the rows). */
  int32_t *acc = (int32_t *)malloc(sizeof(int32_t) * (size_t)(x1 - x0) * nc);
  if (!acc) {
    free(temp);
    free_coeffs(&h);
    free_coeffs(&v);
    return 0;
  }
  for (int y = y0; y < y1; ++y) {
    uint8_t *row = out + (size_t)(y - y0) * ostride;
    if (!need_v) {
      const uint8_t *in = mid.data + (size_t)(y - mid_r0) * mid.stride;
      memcpy(row, in + (size_t)(x0 - mid_x0) * nc, (size_t)(x1 - x0) * nc);
      continue;
    }
    const int j = y - y0;
    const int32_t *k = &v.k[(size_t)j * v.ksize];
    const uint8_t *in = mid.data + (size_t)(v.first[j] - mid_r0) * mid.stride +
                        (size_t)(x0 - mid_x0) * nc;
    /* Tap by tap over the whole row (vectorizes, streams rows): integer
       sums, so the order does not change the result. */
    const int n = (x1 - x0) * nc;
    for (int i = 0; i < n; ++i)
      acc[i] = 1 << (PRECISION_BITS - 1);
    for (int t = 0; t < v.size[j]; ++t) {
      const uint8_t *line = in + (size_t)t * mid.stride;
      const int32_t kt = k[t];
      for (int i = 0; i < n; ++i)
        acc[i] += line[i] * kt;
    }
    for (int i = 0; i < n; ++i)
      row[i] = clip8(acc[i]);
  }
  free(acc);
  free(temp);
  free_coeffs(&h);
  free_coeffs(&v);
  return 1;
}

/* Resizing a 1 x 32768 image by its short side makes a very long one; only
   the crop window is computed, but the coefficients are per output pixel. */
#define BITC_MAX_RESIZED_SIDE (1 << 24)

/* Python's floor division by 2 (the crop offset is floored when negative). */
static int64_t floor_half(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

/* The image arguments; `rgb` is not NULL. */
static int check_image(const uint8_t *rgb, int width, int height,
                       int row_stride) {
  if (width < 1 || height < 1)
    return BITC_ERROR_BAD_IMAGE;
  /* Bounded first, so 3 * width cannot overflow. */
  if (width > BITC_MAX_IMAGE_SIDE || height > BITC_MAX_IMAGE_SIDE)
    return BITC_ERROR_IMAGE_TOO_LARGE;
  if (row_stride < 3 * width)
    return BITC_ERROR_BAD_STRIDE;
  /* At most 2^31 * 2^15 bytes: no size_t overflow on a 64-bit target, but
     the rows must not run past the end of the address space. */
  uint64_t bytes = (uint64_t)row_stride * (uint64_t)height;
  if (bytes > (uint64_t)PTRDIFF_MAX ||
      (uintptr_t)rgb > UINTPTR_MAX - (uintptr_t)bytes)
    return BITC_ERROR_IMAGE_TOO_LARGE;
  return BITC_OK;
}

int bitc_preprocess_rgb8(const bitc_preprocess *pre, const uint8_t *rgb,
                         int width, int height, int row_stride,
                         float *pixels) {
  if (!rgb || !pixels)
    return BITC_ERROR_NULL_ARGUMENT;
  int status = check_image(rgb, width, height, row_stride);
  if (status != BITC_OK)
    return status;
  if (!pre || (pre->channels != 1 && pre->channels != 3))
    return BITC_ERROR_PREPROCESS_SHAPE;

  /* The size after resizing. */
  int64_t rw = width, rh = height;
  if (pre->flags & BITC_PRE_RESIZE) {
    if (pre->flags & BITC_PRE_FIXED_SIZE) {
      rh = pre->resize_height;
      rw = pre->resize_width;
    } else {
      /* Short side -> shortest_edge, long side int(s * long / short). */
      int64_t s = pre->shortest_edge;
      int64_t shorter = width <= height ? width : height;
      int64_t longer = width <= height ? height : width;
      int64_t scaled = (int64_t)((double)(s * longer) / (double)shorter);
      rw = width <= height ? s : scaled;
      rh = width <= height ? scaled : s;
    }
    if (rw < 1 || rh < 1 || rw > BITC_MAX_RESIZED_SIDE ||
        rh > BITC_MAX_RESIZED_SIDE)
      return BITC_ERROR_PREPROCESS_SHAPE;
  }
  /* The window of the resized image that becomes the model input. */
  int64_t top = 0, left = 0;
  if (pre->flags & BITC_PRE_CENTER_CROP) {
    if (pre->crop_height != pre->height || pre->crop_width != pre->width)
      return BITC_ERROR_PREPROCESS_SHAPE;
    top = floor_half(rh - pre->crop_height);
    left = floor_half(rw - pre->crop_width);
  } else if (rh != pre->height || rw != pre->width) {
    return BITC_ERROR_PREPROCESS_SHAPE;
  }
  const int64_t oh = pre->height, ow = pre->width;
  const int y0 = (int)(top > 0 ? top : 0);
  const int y1 = (int)(top + oh < rh ? top + oh : rh);
  const int x0 = (int)(left > 0 ? left : 0);
  const int x1 = (int)(left + ow < rw ? left + ow : rw);

  const int nc = (int)pre->channels;
  image8 src = {rgb, width, height, 3, (size_t)row_stride};
  uint8_t *luma = NULL;
  if (nc == 1) {
    luma = (uint8_t *)malloc((size_t)width * height);
    if (!luma)
      return BITC_ERROR_OUT_OF_MEMORY;
    for (int y = 0; y < height; ++y) {
      const uint8_t *in = rgb + (size_t)y * row_stride;
      for (int x = 0; x < width; ++x, in += 3)
        luma[(size_t)y * width + x] =
            (uint8_t)((in[0] * 19595 + in[1] * 38470 + in[2] * 7471 +
                       0x8000) >> 16);
    }
    src.data = luma;
    src.nc = 1;
    src.stride = (size_t)width;
  }

  /* Resized pixels of the window (y1 - y0) x (x1 - x0), interleaved. */
  const size_t wstride = (size_t)(x1 - x0) * nc;
  uint8_t *window = (uint8_t *)malloc(wstride * (size_t)(y1 - y0) + 1);
  int ok = window != NULL;
  if (ok) {
    if (rw == width && rh == height) {
      for (int y = y0; y < y1; ++y)
        memcpy(window + (size_t)(y - y0) * wstride,
               src.data + (size_t)y * src.stride + (size_t)x0 * nc, wstride);
    } else if (pre->resample == BITC_RESAMPLE_NEAREST) {
      ok = resize_nearest(&src, (int)rw, (int)rh, y0, y1, x0, x1, window,
                          wstride);
    } else {
      ok = resize_filtered(&src, (int)rw, (int)rh, filter_for(pre->resample),
                           y0, y1, x0, x1, window, wstride);
    }
  }
  free(luma);
  if (!ok) {
    free(window);
    return BITC_ERROR_OUT_OF_MEMORY;
  }

  /* Crop (zero outside the resized image), rescale in double and store as
     float32, normalize in float32, CHW: the order of the Hugging Face code. */
  for (int c = 0; c < nc; ++c) {
    const float mean = (float)pre->mean[c];
    const float std = (float)pre->std[c];
    float table[256];
    for (int u = 0; u < 256; ++u) {
      float value = (pre->flags & BITC_PRE_RESCALE)
                        ? (float)((double)u * pre->rescale_factor)
                        : (float)u;
      if (pre->flags & BITC_PRE_NORMALIZE)
        value = (value - mean) / std;
      table[u] = value;
    }
    float *plane = pixels + (size_t)c * oh * ow;
    for (int64_t y = 0; y < oh; ++y) {
      const int64_t ry = y + top;
      float *line = plane + y * ow;
      if (ry < y0 || ry >= y1) {
        for (int64_t x = 0; x < ow; ++x)
          line[x] = table[0];
        continue;
      }
      const uint8_t *in = window + (size_t)(ry - y0) * wstride + c;
      for (int64_t x = 0; x < ow; ++x) {
        const int64_t rx = x + left;
        line[x] = rx >= x0 && rx < x1 ? table[in[(size_t)(rx - x0) * nc]]
                                      : table[0];
      }
    }
  }
  free(window);
  return BITC_OK;
}

int bitc_model_preprocess_rgb8(const bitc_model *model, const uint8_t *rgb,
                               int width, int height, int row_stride,
                               float *pixels) {
  return bitc_preprocess_rgb8(model->preprocess, rgb, width, height,
                              row_stride, pixels);
}

int bitc_model_classify_rgb8(const bitc_model *model, const uint8_t *rgb,
                             int width, int height, int row_stride,
                             float *logits) {
  if (!rgb || !logits)
    return BITC_ERROR_NULL_ARGUMENT;
  /* Before allocating: a bad image is not an out-of-memory error. */
  int status = check_image(rgb, width, height, row_stride);
  if (status != BITC_OK)
    return status;
  float *pixels =
      (float *)malloc(sizeof(float) * (size_t)model->input_floats);
  if (!pixels)
    return BITC_ERROR_OUT_OF_MEMORY;
  status = bitc_preprocess_rgb8(model->preprocess, rgb, width, height,
                                row_stride, pixels);
  if (status == BITC_OK)
    status = bitc_model_forward(model, pixels, 1, logits);
  free(pixels);
  return status;
}
