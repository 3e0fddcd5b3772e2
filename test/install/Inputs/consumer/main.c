/* Two bitc models in one program, each behind its own header and prefix. */
#include "digits.h"
#include "tiny.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  /* A white "1" (a vertical bar) on black, 64x64, as the digit samples are. */
  static uint8_t rgb[64 * 64 * 3];
  for (int y = 12; y < 52; ++y)
    for (int x = 28; x < 36; ++x)
      memset(&rgb[(y * 64 + x) * 3], 255, 3);
  float logits[DIGITS_NUM_LABELS];
  int status = digits_classify_rgb8(rgb, 64, 64, 64 * 3, logits);
  if (status != DIGITS_OK) {
    printf("digits: %s\n", digits_error_string(status));
    return 1;
  }
  int best = 0;
  for (int k = 1; k < DIGITS_NUM_LABELS; ++k)
    if (logits[k] > logits[best])
      best = k;
  printf("digits: %dx%dx%d input, %d labels, a vertical bar is a '%s'\n",
         DIGITS_INPUT_CHANNELS, DIGITS_INPUT_HEIGHT, DIGITS_INPUT_WIDTH,
         DIGITS_NUM_LABELS, digits_label(best));

  float tiny_logits[TINY_NUM_LABELS];
  status = tiny_classify_rgb8(rgb, 64, 64, 64 * 3, tiny_logits);
  printf("tiny: %dx%dx%d input, compiled batch %d, classify: %s\n",
         TINY_INPUT_CHANNELS, TINY_INPUT_HEIGHT, TINY_INPUT_WIDTH,
         TINY_COMPILED_BATCH, tiny_error_string(status));
  return status == TINY_OK ? 0 : 1;
}
