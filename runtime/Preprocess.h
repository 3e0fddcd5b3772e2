/*===- Preprocess.h - Image processor settings of a generated model -*- C -*-===
 *
 * bitc emits one `bitc_preprocess` table per object (codegen/EntryPoint.cpp,
 * from preprocessor_config.json and --preprocessing) and points
 * `bitc_model.preprocess` at it. Every field is 8 bytes wide, like the rest
 * of the runtime tables.
 *
 *===----------------------------------------------------------------------===*/

#ifndef BITC_RUNTIME_PREPROCESS_H
#define BITC_RUNTIME_PREPROCESS_H

#include <stdint.h>

/* bitc_preprocess.flags */
#define BITC_PRE_RESIZE 1      /* do_resize */
#define BITC_PRE_CENTER_CROP 2 /* do_center_crop */
#define BITC_PRE_RESCALE 4     /* do_rescale */
#define BITC_PRE_NORMALIZE 8   /* do_normalize */
#define BITC_PRE_FIXED_SIZE 16 /* size = {height, width}, not shortest_edge */

/* PIL's filter numbers, as Hugging Face's `resample`. */
enum bitc_resample {
  BITC_RESAMPLE_NEAREST = 0,
  BITC_RESAMPLE_LANCZOS = 1,
  BITC_RESAMPLE_BILINEAR = 2,
  BITC_RESAMPLE_BICUBIC = 3,
  BITC_RESAMPLE_BOX = 4,
  BITC_RESAMPLE_HAMMING = 5
};

/* bitc_preprocess.processor: the Hugging Face processor reproduced. */
enum bitc_processor {
  BITC_PROCESSOR_PIL = 0,        /* BitImageProcessor: PIL + numpy */
  BITC_PROCESSOR_TORCHVISION = 1 /* BitImageProcessorFast: torchvision */
};

/* The pixel layouts the preprocessing accepts; each is converted to RGB as
   PIL's Image.convert("RGB") does (alpha dropped, gray replicated). */
enum bitc_pixel_format {
  BITC_PIXELS_RGB8 = 0,
  BITC_PIXELS_BGR8 = 1,
  BITC_PIXELS_RGBA8 = 2,
  BITC_PIXELS_BGRA8 = 3,
  BITC_PIXELS_GRAY8 = 4
};

typedef struct bitc_preprocess {
  int64_t channels, height, width; /* the model input (1 = PIL "L" luma) */
  int64_t flags;
  int64_t resample;
  int64_t shortest_edge;
  int64_t resize_height, resize_width; /* with BITC_PRE_FIXED_SIZE */
  int64_t crop_height, crop_width;
  double rescale_factor;
  double mean[3];
  double std[3];
  int64_t processor; /* enum bitc_processor */
} bitc_preprocess;

/* Largest accepted image side (pixels). */
#define BITC_MAX_IMAGE_SIDE (1 << 15)

/* 8-bit rows in `format` (enum bitc_pixel_format; `row_stride` bytes
   apart) -> [channels][height][width] float32 as the processor produces
   them. */
int bitc_preprocess_pixels(const bitc_preprocess *pre, int format,
                           const uint8_t *data, int width, int height,
                           int row_stride, float *pixels);

/* bitc_preprocess_pixels of BITC_PIXELS_RGB8. */
int bitc_preprocess_rgb8(const bitc_preprocess *pre, const uint8_t *rgb,
                         int width, int height, int row_stride, float *pixels);

#endif /* BITC_RUNTIME_PREPROCESS_H */
