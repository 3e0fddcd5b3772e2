/* Test driver for a shared library from bitc compile --emit=shared, without
 * its header: dlopen()s LIB, prints <NAME>_info_json(), runs <NAME>_forward
 * on BATCH images of IN_FLOATS floats each (OUT_FLOATS logits each), writes
 * the logits, and checks that nothing outside the C API can be looked up.
 * Usage: dlopen_model LIB NAME BATCH IN_FLOATS OUT_FLOATS input.f32 out.f32
 * Build: cc dlopen_model.c -ldl (nothing of the model at link time). */
#include "driver_io.h"
#include <dlfcn.h>
#include <string.h>

typedef int (*forward_fn)(const float *, int, float *);
typedef const char *(*string_fn)(int);
typedef const char *(*info_fn)(void);

static void *lookup(void *lib, const char *name, const char *suffix) {
  char symbol[256];
  snprintf(symbol, sizeof symbol, "%s%s", name, suffix);
  return dlsym(lib, symbol);
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr,
            "usage: %s LIB NAME BATCH IN_FLOATS OUT_FLOATS in.f32 out.f32\n",
            argv[0]);
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  const char *name = argv[2];
  int batch = atoi(argv[3]);
  size_t in_count = (size_t)batch * strtoul(argv[4], NULL, 10);
  size_t out_count = (size_t)batch * strtoul(argv[5], NULL, 10);
  forward_fn forward = (forward_fn)lookup(lib, name, "_forward");
  string_fn label = (string_fn)lookup(lib, name, "_label");
  string_fn error_string = (string_fn)lookup(lib, name, "_error_string");
  info_fn info = (info_fn)lookup(lib, name, "_info_json");
  if (!forward || !label || !error_string || !info) {
    fprintf(stderr, "missing API symbols of '%s'\n", name);
    return 1;
  }
  printf("%s\n", info());
  /* Kernels, weights and the Halide runtime stay hidden. */
  const char *hidden[] = {"_k0", "__weights"};
  for (int i = 0; i < 2; ++i)
    if (lookup(lib, name, hidden[i]))
      printf("visible: %s%s\n", name, hidden[i]);
  if (dlsym(lib, "halide_default_do_par_for"))
    printf("visible: halide_default_do_par_for\n");
  float *in = read_floats(argv[6], in_count);
  float *out = alloc_floats(out_count);
  int rc = forward(in, batch, out);
  if (rc != 0) {
    fprintf(stderr, "forward failed: %d (%s)\n", rc, error_string(rc));
    return 1;
  }
  write_floats(argv[7], out, out_count);
  printf("forward(NULL): %s\n", error_string(forward(NULL, 1, out)));
  printf("label 0: %s\n", label(0));
  free(in);
  free(out);
  return dlclose(lib) == 0 ? 0 : 1;
}
