/*===- Preprocess.c - Hugging Face's BiT image processors in C ------------===
 *
 * Linked (as LLVM bitcode, every symbol internal) into each object bitc
 * writes, behind <name>_preprocess_<format> and <name>_classify_<format>.
 *
 * Reproduces, bit for bit, either processor the checkpoint may be used with
 * (bitc_preprocess.processor):
 *  - BitImageProcessor: PIL resize of the 8-bit image (ResamplePil.c),
 *    center crop at floor((size - crop) / 2) with zero padding, rescale in
 *    double stored as float32, normalize in float32;
 *  - BitImageProcessorFast: torchvision's tensor resize (antialias=True,
 *    ResampleTorchvision.c), torchvision's center_crop (pad by
 *    (crop - size) // 2, else offset round-half-even((size - crop) / 2)),
 *    rescale fused into normalize: (x - mean * (1 / rescale_factor)) /
 *    (std * (1 / rescale_factor)) in float32.
 * Both resize to the same target size. Only the pixels that survive the
 * center crop are resized: every output pixel depends on its own
 * coefficients only, so the values are those of a full resize and a crop.
 *
 * Pixels arrive as RGB8, BGR8, RGBA8, BGRA8 or GRAY8 and are first made RGB
 * as PIL's Image.convert("RGB") does (alpha dropped, gray replicated).
 * Grayscale models (num_channels 1) then get PIL's "L" conversion:
 * L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16 (ITU-R 601-2).
 *
 * Each call allocates its scratch memory: thread-safe and reentrant.
 *
 *===----------------------------------------------------------------------===*/

#include "Preprocess.h"
#include "ModelRuntime.h"
#include "Resample.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Resizing a 1 x 32768 image by its short side makes a very long one; only
   the crop window is computed, but the coefficients are per output pixel. */
#define BITC_MAX_RESIZED_SIDE (1 << 24)

/* Python's floor division by 2 (the crop offset is floored when negative). */
static int64_t floor_half(int64_t v) {
  return v >= 0 ? v / 2 : -((-v + 1) / 2);
}

/* Bytes per pixel of an enum bitc_pixel_format, 0 for no format. */
static int pixel_bytes(int format) {
  switch (format) {
  case BITC_PIXELS_RGB8:
  case BITC_PIXELS_BGR8:
    return 3;
  case BITC_PIXELS_RGBA8:
  case BITC_PIXELS_BGRA8:
    return 4;
  case BITC_PIXELS_GRAY8:
    return 1;
  default:
    return 0;
  }
}

/* The image arguments; `data` is not NULL. */
static int check_image(int format, const uint8_t *data, int width, int height,
                       int row_stride) {
  const int bytes_per_pixel = pixel_bytes(format);
  if (width < 1 || height < 1 || !bytes_per_pixel)
    return BITC_ERROR_BAD_IMAGE;
  /* Bounded first, so 4 * width cannot overflow. */
  if (width > BITC_MAX_IMAGE_SIDE || height > BITC_MAX_IMAGE_SIDE)
    return BITC_ERROR_IMAGE_TOO_LARGE;
  if (row_stride < bytes_per_pixel * width)
    return BITC_ERROR_BAD_STRIDE;
  /* At most 2^31 * 2^15 bytes: no size_t overflow on a 64-bit target, but
     the rows must not run past the end of the address space. */
  uint64_t bytes = (uint64_t)row_stride * (uint64_t)height;
  if (bytes > (uint64_t)PTRDIFF_MAX ||
      (uintptr_t)data > UINTPTR_MAX - (uintptr_t)bytes)
    return BITC_ERROR_IMAGE_TOO_LARGE;
  return BITC_OK;
}

/* Where the crop window starts in a resized side of `size` pixels (negative:
   zero padding first). */
static int64_t crop_offset(int64_t size, int64_t crop, int64_t processor) {
  if (processor != BITC_PROCESSOR_TORCHVISION)
    return floor_half(size - crop);
  /* torchvision: pad (crop - size) // 2 before, else round half to even. */
  if (crop > size)
    return -((crop - size) / 2);
  const int64_t d = size - crop;
  return d / 2 + ((d & 1) && ((d / 2) & 1));
}

/* The model's channels of the image as an image8: the caller's rows when
   they are already RGB for an RGB model, else a packed copy in *buffer
   (RGB as Image.convert("RGB"), then "L" luma for one channel). */
static int model_channels(int format, const uint8_t *data, int width,
                          int height, int row_stride, int nc, image8 *out,
                          uint8_t **buffer) {
  *buffer = NULL;
  *out = (image8){data, width, height, 3, (size_t)row_stride};
  if (format == BITC_PIXELS_RGB8 && nc == 3)
    return 1;
  uint8_t *packed = (uint8_t *)malloc((size_t)width * height * nc);
  if (!packed)
    return 0;
  const int bytes = pixel_bytes(format);
  const int swap = format == BITC_PIXELS_BGR8 || format == BITC_PIXELS_BGRA8;
  const int gray = format == BITC_PIXELS_GRAY8;
  for (int y = 0; y < height; ++y) {
    const uint8_t *in = data + (size_t)y * row_stride;
    uint8_t *row = packed + (size_t)y * width * nc;
    for (int x = 0; x < width; ++x, in += bytes) {
      const uint8_t r = in[gray   ? 0
                           : swap ? 2
                                  : 0],
                    g = in[gray ? 0 : 1],
                    b = in[gray   ? 0
                           : swap ? 0
                                  : 2];
      if (nc == 1) {
        row[x] = (uint8_t)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
      } else {
        row[3 * x] = r;
        row[3 * x + 1] = g;
        row[3 * x + 2] = b;
      }
    }
  }
  *out = (image8){packed, width, height, nc, (size_t)width * nc};
  *buffer = packed;
  return 1;
}

/* The 256 values one channel's uint8 becomes after rescale and normalize,
   in each processor's float order. */
static void channel_table(const bitc_preprocess *pre, int c, float *table) {
  const int rescale = (pre->flags & BITC_PRE_RESCALE) != 0;
  const int normalize = (pre->flags & BITC_PRE_NORMALIZE) != 0;
  float mean = (float)pre->mean[c], std = (float)pre->std[c];
  if (pre->processor == BITC_PROCESSOR_TORCHVISION) {
    /* torch.tensor(mean) * (1.0 / rescale_factor): float32 times the
       factor rounded to float32; then F.normalize in float32. */
    if (rescale && normalize) {
      const float inverse = (float)(1.0 / pre->rescale_factor);
      mean *= inverse;
      std *= inverse;
    }
    for (int u = 0; u < 256; ++u)
      table[u] = normalize ? ((float)u - mean) / std
                 : rescale ? (float)u * (float)pre->rescale_factor
                           : (float)u;
    return;
  }
  /* numpy: the uint8 times the factor in double, stored as float32, then
     (x - mean) / std in float32. */
  for (int u = 0; u < 256; ++u) {
    float value = rescale ? (float)((double)u * pre->rescale_factor) : (float)u;
    table[u] = normalize ? (value - mean) / std : value;
  }
}

int bitc_preprocess_pixels(const bitc_preprocess *pre, int format,
                           const uint8_t *data, int width, int height,
                           int row_stride, float *pixels) {
  if (!data || !pixels)
    return BITC_ERROR_NULL_ARGUMENT;
  int status = check_image(format, data, width, height, row_stride);
  if (status != BITC_OK)
    return status;
  if (!pre || (pre->channels != 1 && pre->channels != 3))
    return BITC_ERROR_PREPROCESS_SHAPE;
  const int torchvision = pre->processor == BITC_PROCESSOR_TORCHVISION;
  if (torchvision && pre->resample != BITC_RESAMPLE_BILINEAR &&
      pre->resample != BITC_RESAMPLE_BICUBIC)
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
    top = crop_offset(rh, pre->crop_height, pre->processor);
    left = crop_offset(rw, pre->crop_width, pre->processor);
  } else if (rh != pre->height || rw != pre->width) {
    return BITC_ERROR_PREPROCESS_SHAPE;
  }
  const int64_t oh = pre->height, ow = pre->width;
  const int y0 = (int)(top > 0 ? top : 0);
  const int y1 = (int)(top + oh < rh ? top + oh : rh);
  const int x0 = (int)(left > 0 ? left : 0);
  const int x1 = (int)(left + ow < rw ? left + ow : rw);

  const int nc = (int)pre->channels;
  image8 src;
  uint8_t *converted;
  if (!model_channels(format, data, width, height, row_stride, nc, &src,
                      &converted))
    return BITC_ERROR_OUT_OF_MEMORY;

  /* Resized pixels of the window (y1 - y0) x (x1 - x0), interleaved. */
  const size_t wstride = (size_t)(x1 - x0) * nc;
  uint8_t *window = (uint8_t *)malloc(wstride * (size_t)(y1 - y0) + 1);
  int ok = window != NULL;
  if (ok) {
    if (rw == width && rh == height) {
      for (int y = y0; y < y1; ++y)
        memcpy(window + (size_t)(y - y0) * wstride,
               src.data + (size_t)y * src.stride + (size_t)x0 * nc, wstride);
    } else if (torchvision) {
      ok = bitc_resize_torchvision(&src, (int)rw, (int)rh, pre->resample, y0,
                                   y1, x0, x1, window, wstride);
    } else {
      ok = bitc_resize_pil(&src, (int)rw, (int)rh, pre->resample, y0, y1, x0,
                           x1, window, wstride);
    }
  }
  free(converted);
  if (!ok) {
    free(window);
    return BITC_ERROR_OUT_OF_MEMORY;
  }

  /* Crop (zero outside the resized image), rescale and normalize, CHW. */
  for (int c = 0; c < nc; ++c) {
    float table[256];
    channel_table(pre, c, table);
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
        line[x] =
            rx >= x0 && rx < x1 ? table[in[(size_t)(rx - x0) * nc]] : table[0];
      }
    }
  }
  free(window);
  return BITC_OK;
}

int bitc_preprocess_rgb8(const bitc_preprocess *pre, const uint8_t *rgb,
                         int width, int height, int row_stride, float *pixels) {
  return bitc_preprocess_pixels(pre, BITC_PIXELS_RGB8, rgb, width, height,
                                row_stride, pixels);
}

/* bitc itself links this file for --calibration (driver/Calibration.cpp):
   it needs the preprocessing only, not the model entry points below. */
#ifndef BITC_PREPROCESS_ONLY
int bitc_model_preprocess(const bitc_model *model, int format,
                          const uint8_t *data, int width, int height,
                          int row_stride, float *pixels) {
  return bitc_preprocess_pixels(model->preprocess, format, data, width, height,
                                row_stride, pixels);
}

/* One image preprocessed, then one forward writing `output` (the model's
   output `index`; the others are dropped). */
static int preprocess_and_forward(const bitc_model *model, int format,
                                  const uint8_t *data, int width, int height,
                                  int row_stride, int64_t index,
                                  float *output) {
  if (!data || !output)
    return BITC_ERROR_NULL_ARGUMENT;
  /* Before allocating: a bad image is not an out-of-memory error. */
  int status = check_image(format, data, width, height, row_stride);
  if (status != BITC_OK)
    return status;
  float *pixels = (float *)malloc(sizeof(float) * (size_t)model->input_floats);
  if (!pixels)
    return BITC_ERROR_OUT_OF_MEMORY;
  status = bitc_preprocess_pixels(model->preprocess, format, data, width,
                                  height, row_stride, pixels);
  float *outputs[BITC_MAX_OUTPUTS] = {NULL};
  outputs[index] = output;
  if (status == BITC_OK)
    status = bitc_model_forward_some(model, pixels, outputs);
  free(pixels);
  return status;
}

int bitc_model_classify(const bitc_model *model, int format,
                        const uint8_t *data, int width, int height,
                        int row_stride, float *logits) {
  return preprocess_and_forward(model, format, data, width, height,
                                row_stride, 0, logits);
}

int bitc_model_embed(const bitc_model *model, int format, const uint8_t *data,
                     int width, int height, int row_stride,
                     float *embedding) {
  return preprocess_and_forward(model, format, data, width, height,
                                row_stride, model->embedding_output,
                                embedding);
}

int bitc_model_preprocess_rgb8(const bitc_model *model, const uint8_t *rgb,
                               int width, int height, int row_stride,
                               float *pixels) {
  return bitc_model_preprocess(model, BITC_PIXELS_RGB8, rgb, width, height,
                               row_stride, pixels);
}

int bitc_model_classify_rgb8(const bitc_model *model, const uint8_t *rgb,
                             int width, int height, int row_stride,
                             float *logits) {
  return bitc_model_classify(model, BITC_PIXELS_RGB8, rgb, width, height,
                             row_stride, logits);
}

int bitc_model_embed_rgb8(const bitc_model *model, const uint8_t *rgb,
                          int width, int height, int row_stride,
                          float *embedding) {
  return bitc_model_embed(model, BITC_PIXELS_RGB8, rgb, width, height,
                          row_stride, embedding);
}
#endif /* BITC_PREPROCESS_ONLY */
