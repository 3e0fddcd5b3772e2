/* API-contract driver: argument checks, error strings, labels and threads of
 * a generated object (docs/design.md, "Generated C API").
 *
 *   api input.f32 out1.f32 out3.f32 labels.txt
 *
 * input.f32 holds one image. Prints one line per check (FileCheck them) and
 * the labels with every byte outside printable ASCII, the quote and the
 * backslash escaped as \xNN, \" or \\, so a check line can state them
 * byte for byte; labels.txt gets the raw labels, one per line. out1.f32 is
 * the forward after set_num_threads(1), out3.f32 after set_num_threads(3).
 * Pixels and logits at an address that is a multiple of 4 but not of 8 give
 * the same logits.
 * Exit 1 when a check fails.
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h api.c name.o */
#include "driver_io.h"

#include <limits.h>
#include <string.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

static int failures;

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("FAILED: %s (line %d)\n", #cond, __LINE__);                       \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define SENTINEL 1234.5f

/* A forward call that must fail: negative code, a non-empty description, and
   the logits left alone. */
static void expect_rejected(const char *what, const float *pixels, int batch,
                            float *logits) {
  const char *message;
  int rc, i;
  if (logits)
    for (i = 0; i < MACRO(_NUM_LABELS); ++i)
      logits[i] = SENTINEL;
  rc = API(_forward)(pixels, batch, logits);
  message = API(_error_string)(rc);
  printf("%s: %s (%s)\n", what, rc < 0 ? "negative" : "NOT NEGATIVE",
         message ? message : "NULL");
  EXPECT(rc < 0);
  EXPECT(message != NULL && message[0] != '\0');
  if (logits)
    for (i = 0; i < MACRO(_NUM_LABELS); ++i)
      EXPECT(logits[i] == SENTINEL);
}

static void print_escaped(const char *s) {
  const unsigned char *p;
  for (p = (const unsigned char *)s; *p; ++p) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20 || *p >= 0x7f)
      printf("\\x%02x", *p);
    else
      putchar(*p);
  }
}

int main(int argc, char **argv) {
  size_t image = (size_t)MACRO(_INPUT_CHANNELS) * MACRO(_INPUT_HEIGHT) *
                 MACRO(_INPUT_WIDTH);
  float *pixels, *logits;
  FILE *labels;
  int i;
  if (argc != 5) {
    fprintf(stderr, "usage: %s input.f32 out1.f32 out3.f32 labels.txt\n",
            argv[0]);
    return 2;
  }
  pixels = read_floats(argv[1], image);
  logits = alloc_floats(MACRO(_NUM_LABELS));

  printf("shape: %d %d %d -> %d\n", MACRO(_INPUT_CHANNELS),
         MACRO(_INPUT_HEIGHT), MACRO(_INPUT_WIDTH), MACRO(_NUM_LABELS));
  expect_rejected("null pixels", NULL, 1, logits);
  expect_rejected("null logits", pixels, 1, NULL);
  expect_rejected("null both", NULL, 1, NULL);
  expect_rejected("batch 0", pixels, 0, logits);
  expect_rejected("batch -1", pixels, -1, logits);
  expect_rejected("batch INT_MIN", pixels, INT_MIN, logits);

  /* Every code has a description, known or not. */
  EXPECT(API(_error_string)(0) != NULL);
  EXPECT(API(_error_string)(INT_MIN) != NULL);
  EXPECT(API(_error_string)(INT_MAX) != NULL);
  EXPECT(API(_error_string)(-1000) != NULL);

  EXPECT(API(_label)(-1) == NULL);
  EXPECT(API(_label)(MACRO(_NUM_LABELS)) == NULL);
  EXPECT(API(_label)(INT_MIN) == NULL);
  EXPECT(API(_label)(INT_MAX) == NULL);
  labels = fopen(argv[4], "wb");
  if (!labels) {
    fprintf(stderr, "cannot write %s\n", argv[4]);
    return 2;
  }
  for (i = 0; i < MACRO(_NUM_LABELS); ++i) {
    const char *label = API(_label)(i);
    EXPECT(label != NULL);
    if (!label)
      continue;
    /* The same pointer every time: static storage, not a per-call buffer. */
    EXPECT(API(_label)(i) == label);
    printf("label %d: \"", i);
    print_escaped(label);
    printf("\" (%lu bytes)\n", (unsigned long)strlen(label));
    fprintf(labels, "%s\n", label);
  }
  fclose(labels);

  API(_set_num_threads)(1);
  i = API(_forward)(pixels, 1, logits);
  printf("forward with 1 thread: %d\n", i);
  EXPECT(i == 0);
  write_floats(argv[2], logits, MACRO(_NUM_LABELS));
  /* Out-of-range counts must not break the pool. */
  API(_set_num_threads)(0);
  API(_set_num_threads)(-7);
  API(_set_num_threads)(3);
  i = API(_forward)(pixels, 1, logits);
  printf("forward with 3 threads: %d\n", i);
  EXPECT(i == 0);
  write_floats(argv[3], logits, MACRO(_NUM_LABELS));

  /* float* with no more than float alignment, in and out: same bits. */
  {
    float *in = alloc_floats(image + 1),
          *out = alloc_floats(MACRO(_NUM_LABELS) + 1);
    memcpy(in + 1, pixels, image * sizeof(float));
    i = API(_forward)(in + 1, 1, out + 1);
    printf("misaligned pointers: %d, %s\n", i,
           memcmp(out + 1, logits, MACRO(_NUM_LABELS) * sizeof(float))
               ? "DIFFERENT logits"
               : "same logits");
    EXPECT(i == 0);
    EXPECT(!memcmp(out + 1, logits, MACRO(_NUM_LABELS) * sizeof(float)));
    free(in);
    free(out);
  }

  printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
