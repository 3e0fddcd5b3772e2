/*===- ResampleTorchvision.c - torchvision's tensor resize, bit-exact -----===
 *
 * BitImageProcessorFast resizes uint8 CHW tensors with torchvision's
 * F.resize(..., antialias=True). torchvision 0.14 (functional_tensor.py)
 * converts the tensor to float32, calls torch.nn.functional.interpolate,
 * clamps bicubic results to [0, 255], rounds half to even (torch.round) and
 * casts back to uint8. The interpolation is PyTorch 1.13's separable
 * antialiased kernel (aten/src/ATen/native/cpu/UpSampleKernel.cpp), whose
 * arithmetic this file reproduces, as measured against Debian's build:
 *  - per output pixel i of a pass, in float32 with the double temporaries
 *    of the C++ source: scale = (float)in / out; support = taps / 2 *
 *    max(scale, 1); center = scale * (i + 0.5); input pixels from
 *    (int64)(center - support + 0.5) to (int64)(center + support + 0.5),
 *    clamped; weight j = filter(((float)(xmin + j) - center + 0.5) /
 *    max(scale, 1)), divided by the float sum of the weights;
 *  - the width pass first, then the height pass, with a float32 (unrounded)
 *    intermediate image;
 *  - each output is t0 * w0 plus the other taps in order, as the AVX2 build
 *    that x86-64 machines run computes it: the products of taps 1 .. 4k
 *    (the largest multiple of 4 below the tap count) rounded before they
 *    are added, the remaining taps fused (fmaf). The bicubic filter's
 *    polynomials are fused the same way. (PyTorch's non-AVX2 build rounds
 *    every product, which moves a few pixels by 1/255; docs/preprocessing.md.)
 * Only bilinear and bicubic: torchvision 0.14 refuses antialias=True for
 * nearest and has no tensor lanczos, box or hamming.
 * The runtime is compiled with -ffp-contract=off, so every fused operation
 * here is an explicit fma/fmaf and every other one is rounded.
 *
 *===----------------------------------------------------------------------===*/

#include "Resample.h"

#include <math.h>
#include <stdlib.h>

/* torch's aa filters, with the C++ source's mix of float and double. */
static float bilinear_aa(float x) {
  if (x < 0.0f)
    x = -x;
  return x < 1.0f ? (float)(1.0 - (double)x) : 0.0f;
}

static float bicubic_aa(float x) {
  /* a = -0.5 (PIL's); ((a + 2.0) x - (a + 3.0)) x x + 1 in double, and
     (((x - 5) x + 8) x - 4) a in float, each multiply-add fused. */
  if (x < 0.0f)
    x = -x;
  if (x < 1.0f)
    return (float)fma(fma(1.5, x, -2.5) * x, x, 1.0);
  if (x < 2.0f)
    return fmaf(fmaf(x - 5.0f, x, 8.0f), x, -4.0f) * -0.5f;
  return 0.0f;
}

/* One pass's taps for output pixels [begin, end): output begin + i reads
   size[i] inputs from first[i] with weights w[i * ksize ...]. */
typedef struct taps {
  int ksize;
  int *first, *size;
  float *w;
} taps;

static void free_taps(taps *t) {
  free(t->first);
  free(t->size);
  free(t->w);
}

/* torch's _compute_indices_weights_aa for in_size -> out_size. */
static int compute_taps(int in_size, int out_size, int begin, int end,
                        int64_t resample, taps *t) {
  const int bicubic = resample == BITC_RESAMPLE_BICUBIC;
  const double half_taps = bicubic ? 2.0 : 1.0; /* interp_size * 0.5 */
  const float scale = (float)in_size / (float)out_size;
  const float support =
      scale >= 1.0f ? (float)(half_taps * (double)scale) : (float)half_taps;
  const float invscale = scale >= 1.0f ? (float)(1.0 / (double)scale) : 1.0f;
  const int ksize = (int)ceilf(support) * 2 + 1;
  const size_t n = (size_t)(end - begin);
  t->ksize = ksize;
  t->first = (int *)malloc(sizeof(int) * n);
  t->size = (int *)malloc(sizeof(int) * n);
  t->w = (float *)malloc(sizeof(float) * n * (size_t)ksize);
  if (!t->first || !t->size || !t->w) {
    free_taps(t);
    return 0;
  }
  for (int i = begin; i < end; ++i) {
    const float center = (float)((double)scale * (i + 0.5));
    int64_t xmin = (int64_t)((double)(center - support) + 0.5);
    if (xmin < 0)
      xmin = 0;
    int64_t xmax = (int64_t)((double)(center + support) + 0.5);
    if (xmax > in_size)
      xmax = in_size;
    float *w = &t->w[(size_t)(i - begin) * ksize];
    float total = 0.0f;
    const int count = (int)(xmax - xmin);
    for (int j = 0; j < count; ++j) {
      float x = (float)(((double)((float)(j + xmin) - center) + 0.5) *
                        (double)invscale);
      w[j] = bicubic ? bicubic_aa(x) : bilinear_aa(x);
      total += w[j];
    }
    if (total != 0.0f)
      for (int j = 0; j < count; ++j)
        w[j] /= total;
    t->first[i - begin] = (int)xmin;
    t->size[i - begin] = count;
  }
  return 1;
}

/* sum_j in[j * step] * w[j] in the AVX2 build's order (file comment). */
static float weighted_sum(const float *in, size_t step, const float *w,
                          int count) {
  const int rounded = (count - 1) / 4 * 4;
  float acc = in[0] * w[0];
  int j = 1;
  for (; j <= rounded; ++j)
    acc += in[(size_t)j * step] * w[j];
  for (; j < count; ++j)
    acc = fmaf(in[(size_t)j * step], w[j], acc);
  return acc;
}

/* float -> uint8 as torchvision: clamp (bicubic only; bilinear cannot leave
   [0, 255]), round half to even, cast. */
static uint8_t to_uint8(float v) {
  v = v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v;
  return (uint8_t)rintf(v);
}

int bitc_resize_torchvision(const image8 *src, int rw, int rh, int64_t resample,
                            int y0, int y1, int x0, int x1, uint8_t *out,
                            size_t ostride) {
  const int nc = src->nc;
  const int need_h = rw != src->width, need_v = rh != src->height;
  taps h = {0}, v = {0};
  if (need_h && !compute_taps(src->width, rw, x0, x1, resample, &h))
    return 0;
  if (need_v && !compute_taps(src->height, rh, y0, y1, resample, &v)) {
    free_taps(&h);
    return 0;
  }
  /* Source rows the height pass reads. */
  int r0 = y0, r1 = y1;
  if (need_v)
    bitc_rows_read(v.first, v.size, y1 - y0, &r0, &r1);
  /* Width pass (or the rows as float) into mid: rows [r0, r1), columns
     [x0, x1), interleaved. */
  const size_t mstride = (size_t)(x1 - x0) * nc;
  float *mid = (float *)malloc(sizeof(float) * mstride * (size_t)(r1 - r0));
  float *line = (float *)malloc(sizeof(float) * (size_t)src->width * nc);
  if (!mid || !line) {
    free(mid);
    free(line);
    free_taps(&h);
    free_taps(&v);
    return 0;
  }
  for (int y = r0; y < r1; ++y) {
    const uint8_t *in = src->data + (size_t)y * src->stride;
    float *row = mid + (size_t)(y - r0) * mstride;
    if (!need_h) {
      for (size_t i = 0; i < mstride; ++i)
        row[i] = in[(size_t)x0 * nc + i];
      continue;
    }
    for (size_t i = 0; i < (size_t)src->width * nc; ++i)
      line[i] = in[i];
    for (int i = 0; i < x1 - x0; ++i)
      for (int c = 0; c < nc; ++c)
        row[(size_t)i * nc + c] =
            weighted_sum(line + (size_t)h.first[i] * nc + c, (size_t)nc,
                         &h.w[(size_t)i * h.ksize], h.size[i]);
  }
  /* Height pass (or a copy of the rows), then back to uint8. */
  for (int y = y0; y < y1; ++y) {
    uint8_t *row = out + (size_t)(y - y0) * ostride;
    if (!need_v) {
      const float *in = mid + (size_t)(y - r0) * mstride;
      for (size_t i = 0; i < mstride; ++i)
        row[i] = to_uint8(in[i]);
      continue;
    }
    const int j = y - y0;
    const float *in = mid + (size_t)(v.first[j] - r0) * mstride;
    for (size_t i = 0; i < mstride; ++i)
      row[i] = to_uint8(
          weighted_sum(in + i, mstride, &v.w[(size_t)j * v.ksize], v.size[j]));
  }
  free(mid);
  free(line);
  free_taps(&h);
  free_taps(&v);
  return 1;
}
