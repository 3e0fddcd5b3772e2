/*===- ResamplePil.c - PIL's ImagingResample, bit-exact -------------------===
 *
 * BitImageProcessor resizes the 8-bit image with PIL, so this file
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
 *    advanced by a double step), not the filter path.
 * Only the requested window is computed: every output pixel of either pass
 * depends on its own coefficients only.
 *
 *===----------------------------------------------------------------------===*/

#include "Resample.h"

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
        int inside =
            yi >= 0 && yi < src->height && xin[x] >= 0 && xin[x] < src->width;
        row[(size_t)(x - x0) * nc + ch] =
            inside
                ? src->data[(size_t)yi * src->stride + (size_t)xin[x] * nc + ch]
                : 0;
      }
  }
  free(xin);
  return 1;
}

/* PIL's two-pass ImagingResample to rw x rh, restricted to output rows
   [y0, y1) and columns [x0, x1), written to `out`. */
static int resize_filtered(const image8 *src, int rw, int rh, const filter *f,
                           int y0, int y1, int x0, int x1, uint8_t *out,
                           size_t ostride) {
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
  if (need_v)
    bitc_rows_read(v.first, v.size, y1 - y0, &r0, &r1);
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

int bitc_resize_pil(const image8 *src, int rw, int rh, int64_t resample, int y0,
                    int y1, int x0, int x1, uint8_t *out, size_t ostride) {
  if (resample == BITC_RESAMPLE_NEAREST)
    return resize_nearest(src, rw, rh, y0, y1, x0, x1, out, ostride);
  return resize_filtered(src, rw, rh, filter_for(resample), y0, y1, x0, x1, out,
                         ostride);
}
