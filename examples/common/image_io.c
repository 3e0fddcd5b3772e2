/*===- image_io.c - PNG, JPEG, PPM and PGM files as 8-bit RGB -------------===
 *
 * The decoders the examples share (libpng, libjpeg-turbo; PPM/PGM by hand).
 *
 *===----------------------------------------------------------------------===*/

#include "image_io.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which needs FILE and size_t */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

/* Prefix of the error messages (the program's name); NULL: not printed. */
static const char *program = "image";
/* The last error, "path: why" (image_error). */
static char last_error[1024];

static void report(const char *path, const char *why) {
  snprintf(last_error, sizeof last_error, "%s: %s", path, why);
  if (program)
    fprintf(stderr, "%s: %s\n", program, last_error);
}

const char *image_error(void) { return last_error; }

static int load_png(const char *path, image *img) {
  png_image png;
  memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path)) {
    report(path, png.message);
    return 0;
  }
  png.format = PNG_FORMAT_RGB; /* gray, palette and alpha become RGB */
  img->width = (int)png.width;
  img->height = (int)png.height;
  img->rgb = (unsigned char *)malloc(PNG_IMAGE_SIZE(png));
  if (!img->rgb || !png_image_finish_read(&png, NULL, img->rgb, 0, NULL)) {
    report(path, img->rgb ? png.message : "out of memory");
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

/* Without a program name nothing is printed, libjpeg's warnings (e.g.
   "Premature end of JPEG file") included. */
static void jpeg_quiet(j_common_ptr cinfo, int level) {
  (void)cinfo;
  (void)level;
}

static int load_jpeg(const char *path, image *img) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    report(path, strerror(errno));
    return 0;
  }
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  if (!program)
    err.mgr.emit_message = jpeg_quiet;
  img->rgb = NULL;
  if (setjmp(err.jump)) {
    char message[JMSG_LENGTH_MAX];
    err.mgr.format_message((j_common_ptr)&cinfo, message);
    report(path, message);
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
    report(path, strerror(errno));
    return 0;
  }
  char magic[2] = {0, 0};
  int ok = fread(magic, 1, 2, file) == 2 && magic[0] == 'P' &&
           (magic[1] == '6' || magic[1] == '5');
  long width = ok ? pnm_number(file) : -1;
  long height = ok ? pnm_number(file) : -1;
  long maxval = ok ? pnm_number(file) : -1;
  if (!ok || width < 1 || height < 1 || maxval < 1 || maxval > 65535) {
    report(path, "not a binary PPM/PGM (P6/P5) file");
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
    report(path, "truncated PPM/PGM data");
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

int load_image(const char *name, const char *path, image *img) {
  program = name;
  unsigned char magic[8] = {0};
  FILE *file = fopen(path, "rb");
  if (!file) {
    report(path, strerror(errno));
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
  report(path, "not a PNG, JPEG, PPM or PGM file");
  return 0;
}
