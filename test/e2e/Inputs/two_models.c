/* Two generated models in one program: a.o (--name a) and b.o (--name b),
 * both headers included in one translation unit.
 *
 *   two_models BATCH a-input.f32 a-output.f32 b-input.f32 b-output.f32
 *
 * Runs a, then b, then a again (the second run must give the same bits: b's
 * calls leave no state behind that a sees) and writes both outputs. */
#include "a.h"
#include "b.h"
#include "driver_io.h"

#include <string.h>

int main(int argc, char **argv) {
  int batch, rc;
  size_t a_in, a_out, b_in, b_out;
  float *a_pixels, *a_logits, *a_again, *b_pixels, *b_logits;
  if (argc != 6 || (batch = atoi(argv[1])) < 1) {
    fprintf(stderr, "usage: %s BATCH a-in a-out b-in b-out\n", argv[0]);
    return 2;
  }
  a_in = (size_t)batch * A_INPUT_CHANNELS * A_INPUT_HEIGHT * A_INPUT_WIDTH;
  a_out = (size_t)batch * A_NUM_LABELS;
  b_in = (size_t)batch * B_INPUT_CHANNELS * B_INPUT_HEIGHT * B_INPUT_WIDTH;
  b_out = (size_t)batch * B_NUM_LABELS;
  a_pixels = read_floats(argv[2], a_in);
  b_pixels = read_floats(argv[4], b_in);
  a_logits = alloc_floats(a_out);
  a_again = alloc_floats(a_out);
  b_logits = alloc_floats(b_out);

  if ((rc = a_forward(a_pixels, batch, a_logits)) != 0) {
    fprintf(stderr, "a_forward failed: %d (%s)\n", rc, a_error_string(rc));
    return 1;
  }
  if ((rc = b_forward(b_pixels, batch, b_logits)) != 0) {
    fprintf(stderr, "b_forward failed: %d (%s)\n", rc, b_error_string(rc));
    return 1;
  }
  if ((rc = a_forward(a_pixels, batch, a_again)) != 0) {
    fprintf(stderr, "second a_forward failed: %d (%s)\n", rc,
            a_error_string(rc));
    return 1;
  }
  if (memcmp(a_logits, a_again, a_out * sizeof(float))) {
    fprintf(stderr, "a_forward gave different logits after b_forward\n");
    return 1;
  }
  write_floats(argv[3], a_logits, a_out);
  write_floats(argv[5], b_logits, b_out);
  printf("a: %s %s\n", a_label(0), a_label(A_NUM_LABELS) ? "bad" : "null");
  printf("b: %s %s\n", b_label(0), b_label(B_NUM_LABELS) ? "bad" : "null");
  return 0;
}
