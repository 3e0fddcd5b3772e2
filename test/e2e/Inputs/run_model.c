/* Test driver for a generated object: reads raw float32 NCHW pixels, runs
 * <MODEL>_forward on BATCH images, writes the raw float32 logits.
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h run_model.c name.o
 */
#include <stdio.h>
#include <stdlib.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BATCH input.f32 output.f32\n", argv[0]);
    return 2;
  }
  int batch = atoi(argv[1]);
  size_t in_count = (size_t)batch * MACRO(_INPUT_CHANNELS) *
                    MACRO(_INPUT_HEIGHT) * MACRO(_INPUT_WIDTH);
  size_t out_count = (size_t)batch * MACRO(_NUM_LABELS);
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
  if (!f || fwrite(out, sizeof(float), out_count, f) != out_count) {
    fprintf(stderr, "cannot write %s\n", argv[3]);
    return 2;
  }
  fclose(f);
  printf("%s %s\n", API(_label)(0),
         API(_label)(MACRO(_NUM_LABELS)) ? "bad" : "null");
  free(in);
  free(out);
  return 0;
}
