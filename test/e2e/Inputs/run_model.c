/* Test driver for a generated object: reads raw float32 NCHW pixels, runs
 * MODEL_forward with the batch given on the command line, writes the raw
 * float32 logits. Compiled with -DMODEL=<name> -include <name>.h. */
#include <stdio.h>
#include <stdlib.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(fn) CAT(MODEL, fn)

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BATCH input.f32 output.f32\n", argv[0]);
    return 2;
  }
  int batch = atoi(argv[1]);
  size_t in_count = (size_t)batch * API(_input_floats)();
  size_t out_count = (size_t)batch * API(_output_floats)();
  float *in = malloc(in_count * sizeof(float));
  float *out = malloc(out_count * sizeof(float));
  FILE *f = fopen(argv[2], "rb");
  if (!f || fread(in, sizeof(float), in_count, f) != in_count) {
    fprintf(stderr, "cannot read %zu floats from %s\n", in_count, argv[2]);
    return 2;
  }
  fclose(f);
  int rc = API(_forward)(in, batch, out);
  if (rc != 0) {
    fprintf(stderr, "forward failed: %d (%s)\n", rc, API(_error_string)(rc));
    return 1;
  }
  f = fopen(argv[3], "wb");
  fwrite(out, sizeof(float), out_count, f);
  fclose(f);
  return 0;
}
