/*===- image_io.h - PNG, JPEG, PPM and PGM files as 8-bit RGB -*- C -*-===
 *
 * The decoders the examples share: link image_io.c with -lpng -ljpeg.
 *
 *===----------------------------------------------------------------------===*/

#ifndef BITC_EXAMPLES_IMAGE_IO_H
#define BITC_EXAMPLES_IMAGE_IO_H

typedef struct image {
  int width, height;
  unsigned char *rgb; /* height rows of 3 * width bytes */
} image;

/* Decodes `path` by its content, not its extension (PNG, JPEG, binary
   PPM/PGM; gray, palette and alpha become RGB) into `img` (img->rgb is
   malloc'ed); 0 after printing `program: path: why` on stderr (nothing when
   `program` is NULL). */
int load_image(const char *program, const char *path, image *img);

/* The last failure of load_image as "path: why" (also when `program` was
   NULL, which prints nothing: bitc's calibration reports it itself). */
const char *image_error(void);

#endif /* BITC_EXAMPLES_IMAGE_IO_H */
