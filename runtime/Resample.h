/*===- Resample.h - The two resizers behind the preprocessing -----*- C -*-===
 *
 * Internal to the runtime (Preprocess.c calls them): PIL's ImagingResample
 * (ResamplePil.c, what BitImageProcessor uses) and torchvision's tensor
 * resize (ResampleTorchvision.c, what BitImageProcessorFast uses), each
 * bit-exact with its original.
 *
 *===----------------------------------------------------------------------===*/

#ifndef BITC_RUNTIME_RESAMPLE_H
#define BITC_RUNTIME_RESAMPLE_H

#include "Preprocess.h"

#include <stddef.h>
#include <stdint.h>

/* A uint8 image with `nc` interleaved channels. */
typedef struct image8 {
  const uint8_t *data;
  int width, height, nc;
  size_t stride; /* bytes between rows */
} image8;

/* The input rows [*r0, *r1) that n output rows read, the i-th from first[i]
   for size[i] rows. */
static inline void bitc_rows_read(const int *first, const int *size, int n,
                                  int *r0, int *r1) {
  *r0 = first[0];
  *r1 = 0;
  for (int i = 0; i < n; ++i) {
    if (first[i] < *r0)
      *r0 = first[i];
    if (first[i] + size[i] > *r1)
      *r1 = first[i] + size[i];
  }
}

/* `src` resized to rw x rh with the `resample` filter (enum bitc_resample),
   but only output rows [y0, y1) and columns [x0, x1), written interleaved
   to `out` (`ostride` bytes per row). Return 0 when out of memory. */
int bitc_resize_pil(const image8 *src, int rw, int rh, int64_t resample, int y0,
                    int y1, int x0, int x1, uint8_t *out, size_t ostride);

/* The same contract; `resample` is BILINEAR or BICUBIC (what torchvision
   resizes tensors with when antialiasing), any other value means BILINEAR. */
int bitc_resize_torchvision(const image8 *src, int rw, int rh, int64_t resample,
                            int y0, int y1, int x0, int x1, uint8_t *out,
                            size_t ostride);

#endif /* BITC_RUNTIME_RESAMPLE_H */
