/* A bitc model linked as a shared library (bitc_add_model(... SHARED)). */
#include "digits_so.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  /* The vertical bar of main.c. */
  static uint8_t rgb[64 * 64 * 3];
  for (int y = 12; y < 52; ++y)
    for (int x = 28; x < 36; ++x)
      memset(&rgb[(y * 64 + x) * 3], 255, 3);
  float logits[DIGITS_SO_NUM_LABELS];
  int status = digits_so_classify_rgb8(rgb, 64, 64, 64 * 3, logits);
  if (status != DIGITS_SO_OK) {
    printf("digits_so: %s\n", digits_so_error_string(status));
    return 1;
  }
  int best = 0;
  for (int k = 1; k < DIGITS_SO_NUM_LABELS; ++k)
    if (logits[k] > logits[best])
      best = k;
  printf("digits_so: a vertical bar is a '%s'\n", digits_so_label(best));
  printf("%s\n", digits_so_info_json());
  return 0;
}
