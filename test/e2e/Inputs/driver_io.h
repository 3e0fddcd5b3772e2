/* Shared helpers of the e2e test drivers: raw little-endian float32 files.
 * Every driver exits 2 on a usage or I/O error and 1 when a check fails. */
#ifndef BITC_E2E_DRIVER_IO_H
#define BITC_E2E_DRIVER_IO_H

#include <stdio.h>
#include <stdlib.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

/* Reads exactly `count` floats from `path` into a new buffer, or exits. */
static float *read_floats(const char *path, size_t count) {
  float *data = (float *)malloc(count * sizeof(float) + 1);
  FILE *f = fopen(path, "rb");
  if (!data || !f || fread(data, sizeof(float), count, f) != count) {
    fprintf(stderr, "cannot read %lu floats from %s\n", (unsigned long)count,
            path);
    exit(2);
  }
  fclose(f);
  return data;
}

static void write_floats(const char *path, const float *data, size_t count) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, sizeof(float), count, f) != count || fclose(f)) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
}

static float *alloc_floats(size_t count) {
  float *data = (float *)malloc(count * sizeof(float) + 1);
  if (!data) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return data;
}

#endif /* BITC_E2E_DRIVER_IO_H */
