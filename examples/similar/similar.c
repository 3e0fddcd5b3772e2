/*===- similar.c - Nearest neighbours among images by BiT embeddings ------===
 *
 *   similar [--top K] DIR|image...
 *
 * Links a model compiled with
 *   bitc compile MODEL_DIR -o model.o --name model --outputs pooler_output
 * (this directory's CMakeLists.txt or Makefile does that). Every image (the
 * PNG, JPEG, PPM and PGM files of each DIR, in name order, and every image
 * named) is embedded with model_embed_rgb8 (the model's own preprocessing,
 * then BitModel's pooler_output: the pooled features); then each image's K
 * nearest neighbours by cosine similarity are printed, most similar first.
 *
 *===----------------------------------------------------------------------===*/

#define _DEFAULT_SOURCE /* DT_REG, strcasecmp */

#include "image_io.h"
#include "model.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum { DIM = MODEL_OUTPUT_POOLER_OUTPUT_SIZE };

typedef struct list {
  char **paths;
  int count, capacity;
} list;

static int add_path(list *l, const char *path) {
  if (l->count == l->capacity) {
    int capacity = l->capacity ? 2 * l->capacity : 16;
    char **paths = (char **)realloc(l->paths, capacity * sizeof(char *));
    if (!paths)
      return 0;
    l->paths = paths;
    l->capacity = capacity;
  }
  return (l->paths[l->count++] = strdup(path)) != NULL;
}

static int compare_strings(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_image_name(const char *name) {
  const char *dot = strrchr(name, '.');
  static const char *const known[] = {".png", ".jpg", ".jpeg", ".ppm", ".pgm"};
  for (size_t i = 0; dot && i < sizeof known / sizeof *known; ++i)
    if (!strcasecmp(dot, known[i]))
      return 1;
  return 0;
}

/* The image files of `dir`, sorted by name. */
static int add_directory(list *l, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    perror(dir);
    return 0;
  }
  int first = l->count, ok = 1;
  for (struct dirent *e; ok && (e = readdir(d));) {
    if (!is_image_name(e->d_name))
      continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *path = (char *)malloc(n);
    if (!path)
      break;
    snprintf(path, n, "%s/%s", dir, e->d_name);
    ok = add_path(l, path);
    free(path);
  }
  closedir(d);
  qsort(l->paths + first, l->count - first, sizeof(char *), compare_strings);
  return ok;
}

/* `v` scaled to unit length (left as is when it is zero). */
static void normalize(float *v) {
  double sum = 0;
  for (int i = 0; i < DIM; ++i)
    sum += (double)v[i] * v[i];
  double scale = sum > 0 ? 1.0 / sqrt(sum) : 1.0;
  for (int i = 0; i < DIM; ++i)
    v[i] = (float)(v[i] * scale);
}

static void usage(void) {
  fprintf(stderr, "usage: similar [--top K] DIR|image...\n");
}

int main(int argc, char **argv) {
  int top = 3, first = 1;
  if (first + 1 < argc && !strcmp(argv[first], "--top")) {
    top = atoi(argv[first + 1]);
    first += 2;
  }
  if (first == argc || top < 1) {
    usage();
    return 2;
  }
  list files = {0};
  for (int i = first; i < argc; ++i) {
    struct stat st;
    int ok = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)
                 ? add_directory(&files, argv[i])
                 : add_path(&files, argv[i]);
    if (!ok)
      return 1;
  }
  if (files.count < 2) {
    fprintf(stderr, "similar: needs at least two images\n");
    return 2;
  }
  float *embeddings = (float *)malloc((size_t)files.count * DIM * sizeof(float));
  if (!embeddings)
    return 1;
  for (int i = 0; i < files.count; ++i) {
    image img;
    if (!load_image("similar", files.paths[i], &img))
      return 1;
    int status = model_embed_rgb8(img.rgb, img.width, img.height,
                                  img.width * 3, embeddings + (size_t)i * DIM);
    free(img.rgb);
    if (status != MODEL_OK) {
      fprintf(stderr, "similar: %s: %s\n", files.paths[i],
              model_error_string(status));
      return 1;
    }
    normalize(embeddings + (size_t)i * DIM);
  }
  if (top > files.count - 1)
    top = files.count - 1;
  double *similarity = (double *)malloc(files.count * sizeof(double));
  int *order = (int *)malloc(files.count * sizeof(int));
  if (!similarity || !order)
    return 1;
  for (int i = 0; i < files.count; ++i) {
    const float *a = embeddings + (size_t)i * DIM;
    int n = 0;
    for (int j = 0; j < files.count; ++j) {
      if (j == i)
        continue;
      const float *b = embeddings + (size_t)j * DIM;
      double dot = 0;
      for (int d = 0; d < DIM; ++d)
        dot += (double)a[d] * b[d];
      similarity[j] = dot;
      order[n++] = j;
    }
    for (int x = 0; x < top; ++x) /* partial selection sort: K is small */
      for (int y = x + 1; y < n; ++y)
        if (similarity[order[y]] > similarity[order[x]]) {
          int t = order[x];
          order[x] = order[y];
          order[y] = t;
        }
    printf("%s\n", files.paths[i]);
    for (int x = 0; x < top; ++x)
      printf("  %d. %.4f  %s\n", x + 1, similarity[order[x]],
             files.paths[order[x]]);
  }
  return 0;
}
