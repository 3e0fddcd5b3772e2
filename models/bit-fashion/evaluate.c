/*===- evaluate.c - Fashion-MNIST test accuracy of a bitc-compiled model ---===
 *
 *   evaluate IMAGES.idx3-ubyte.gz LABELS.idx1-ubyte.gz [PREDICTIONS_OUT]
 *
 * Links an object compiled with `bitc compile models/bit-fashion --name model`
 * (evaluate.sh does that), classifies every image of the idx file through
 * model_classify_rgb8 (the model's own preprocessing: each 28x28 grayscale
 * image as the 8-bit RGB picture a user would pass, gray replicated), and
 * prints the accuracy; PREDICTIONS_OUT gets one predicted label per line.
 *
 *===----------------------------------------------------------------------===*/

#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

/* The whole decompressed idx file; its header is a 4-byte magic (the last byte
 * the number of dimensions) and one big-endian 32-bit size per dimension. */
static unsigned char *read_idx(const char *path, int ndim, unsigned dims[3]) {
  gzFile f = gzopen(path, "rb");
  if (!f) {
    fprintf(stderr, "evaluate: %s: cannot open\n", path);
    exit(1);
  }
  unsigned char head[16];
  int head_size = 4 + 4 * ndim;
  if (gzread(f, head, head_size) != head_size || head[3] != ndim) {
    fprintf(stderr, "evaluate: %s: not an idx file with %d dimensions\n", path,
            ndim);
    exit(1);
  }
  size_t total = 1;
  for (int d = 0; d < ndim; ++d) {
    const unsigned char *p = head + 4 + 4 * d;
    dims[d] = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 |
              (unsigned)p[2] << 8 | p[3];
    total *= dims[d];
  }
  unsigned char *data = (unsigned char *)malloc(total);
  if (!data || gzread(f, data, (unsigned)total) != (int)total) {
    fprintf(stderr, "evaluate: %s: truncated\n", path);
    exit(1);
  }
  gzclose(f);
  return data;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: evaluate IMAGES.gz LABELS.gz [PREDICTIONS_OUT]\n");
    return 2;
  }
  unsigned image_dims[3], label_dims[3];
  unsigned char *images = read_idx(argv[1], 3, image_dims);
  unsigned char *labels = read_idx(argv[2], 1, label_dims);
  unsigned count = image_dims[0], height = image_dims[1], width = image_dims[2];
  if (label_dims[0] != count) {
    fprintf(stderr, "evaluate: %u images but %u labels\n", count,
            label_dims[0]);
    return 1;
  }
  FILE *out = argc == 4 ? fopen(argv[3], "w") : NULL;
  if (argc == 4 && !out) {
    fprintf(stderr, "evaluate: %s: cannot write\n", argv[3]);
    return 1;
  }
  unsigned char *rgb = (unsigned char *)malloc(3 * (size_t)width * height);
  unsigned correct = 0;
  for (unsigned i = 0; i < count; ++i) {
    const unsigned char *gray = images + (size_t)i * width * height;
    for (size_t p = 0; p < (size_t)width * height; ++p)
      rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = gray[p];
    float logits[MODEL_NUM_LABELS];
    int rc = model_classify_rgb8(rgb, (int)width, (int)height, 3 * (int)width,
                                 logits);
    if (rc != MODEL_OK) {
      fprintf(stderr, "evaluate: image %u: %s\n", i, model_error_string(rc));
      return 1;
    }
    int best = 0;
    for (int k = 1; k < MODEL_NUM_LABELS; ++k)
      if (logits[k] > logits[best])
        best = k;
    correct += best == labels[i];
    if (out)
      fprintf(out, "%d\n", best);
  }
  if (out && fclose(out) != 0) {
    fprintf(stderr, "evaluate: %s: cannot write\n", argv[3]);
    return 1;
  }
  printf("accuracy %.2f %% (%u / %u)\n", 100.0 * correct / count, correct,
         count);
  free(rgb);
  free(images);
  free(labels);
  return 0;
}
