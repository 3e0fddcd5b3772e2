/* Built with $(pkg-config --cflags --libs bitc) next to a compiled object. */
#include "tiny.h"

#include <stdio.h>

int main(void) {
  static float
      pixels[TINY_INPUT_CHANNELS * TINY_INPUT_HEIGHT * TINY_INPUT_WIDTH];
  float logits[TINY_NUM_LABELS];
  int status = tiny_forward(pixels, 1, logits);
  if (status != TINY_OK) {
    printf("tiny: %s\n", tiny_error_string(status));
    return 1;
  }
  int best = 0;
  for (int k = 1; k < TINY_NUM_LABELS; ++k)
    if (logits[k] > logits[best])
      best = k;
  printf("tiny: %s\n", tiny_label(best));
  return 0;
}
