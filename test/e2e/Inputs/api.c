/* API-contract driver: argument checks, error strings, labels and threads of
 * a generated object (docs/design.md, "Generated C API").
 *
 *   api input.f32 out1.f32 out3.f32 labels.txt
 *   api --oom input.f32
 *
 * input.f32 holds one image. Prints one line per check (FileCheck them) and
 * the labels with every byte outside printable ASCII, the quote and the
 * backslash escaped as \xNN, \" or \\, so a check line can state them
 * byte for byte; labels.txt gets the raw labels, one per line. out1.f32 is
 * the forward after set_num_threads(1), out3.f32 after set_num_threads(3).
 * Pixels and logits at an address that is a multiple of 4 but not of 8 give
 * the same logits. _forward_with_workspace in a caller's workspace of exactly
 * _workspace_size(1) bytes gives the same bits too, and rejects a NULL,
 * misaligned or short workspace; every error code has its own description.
 * --oom: with the address space capped at what the process maps and the heap
 * used up, _forward, _classify_rgb8 and _preprocess_rgb8 return
 * ERROR_OUT_OF_MEMORY instead of aborting, and work again afterwards.
 * Exit 1 when a check fails.
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h api.c name.o */
#include "driver_io.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

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

/* A pointer whose array of a huge batch would wrap around the address
   space; never dereferenced. */
static float *near_the_end(void) {
  return (float *)(~(uintptr_t)0 - 4095);
}

/* A forward call that must fail: negative code, a non-empty description, and
   the logits left alone. */
static void expect_rejected(const char *what, const float *pixels, int batch,
                            float *logits) {
  const char *message;
  int rc, i, logits_ok = logits != NULL;
  if (logits == near_the_end())
    logits_ok = 0; /* not memory */
  if (logits_ok)
    for (i = 0; i < MACRO(_NUM_LABELS); ++i)
      logits[i] = SENTINEL;
  rc = API(_forward)(pixels, batch, logits);
  message = API(_error_string)(rc);
  printf("%s: %s (%s)\n", what, rc < 0 ? "negative" : "NOT NEGATIVE",
         message ? message : "NULL");
  EXPECT(rc < 0);
  EXPECT(message != NULL && message[0] != '\0');
  if (logits_ok)
    for (i = 0; i < MACRO(_NUM_LABELS); ++i)
      EXPECT(logits[i] == SENTINEL);
}

/* The same for _forward_with_workspace; prints the code too. */
static void expect_rejected_ws(const char *what, int expected,
                               const float *pixels, int batch, float *logits,
                               void *workspace, size_t size) {
  int rc, i;
  for (i = 0; i < MACRO(_NUM_LABELS); ++i)
    logits[i] = SENTINEL;
  rc = API(_forward_with_workspace)(pixels, batch, logits, workspace, size);
  printf("%s: %d (%s)\n", what, rc, API(_error_string)(rc));
  EXPECT(rc == expected);
  for (i = 0; i < MACRO(_NUM_LABELS); ++i)
    EXPECT(logits[i] == SENTINEL);
}

/* Caps the address space at what is mapped now and allocates until malloc
   fails, so the next allocation of any size fails; returns the blocks. */
static void **use_up_memory(void) {
  struct rlimit limit;
  unsigned long pages = 0;
  void **blocks = NULL;
  size_t count = 0, capacity = 0, size;
  FILE *statm = fopen("/proc/self/statm", "r");
  if (!statm || fscanf(statm, "%lu", &pages) != 1) {
    fprintf(stderr, "cannot read /proc/self/statm\n");
    exit(2);
  }
  fclose(statm);
  /* Room for the list of blocks, reserved before the cap. */
  capacity = 1 << 20;
  blocks = (void **)malloc(capacity * sizeof(void *));
  getrlimit(RLIMIT_AS, &limit);
  limit.rlim_cur = (rlim_t)(pages + 256) * 4096;
  if (!blocks || setrlimit(RLIMIT_AS, &limit)) {
    fprintf(stderr, "cannot cap the address space\n");
    exit(2);
  }
  for (size = 1 << 16; size >= 16; size /= 4)
    while (count + 1 < capacity && (blocks[count] = malloc(size)) != NULL)
      ++count;
  blocks[count] = NULL;
  return blocks;
}

static void release_memory(void **blocks) {
  struct rlimit limit;
  void **block;
  for (block = blocks; *block; ++block)
    free(*block);
  free(blocks);
  getrlimit(RLIMIT_AS, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_AS, &limit);
}

static int out_of_memory(const char *input) {
  size_t image = (size_t)MACRO(_INPUT_CHANNELS) * MACRO(_INPUT_HEIGHT) *
                 MACRO(_INPUT_WIDTH);
  float *pixels = read_floats(input, image);
  float *logits = alloc_floats(MACRO(_NUM_LABELS));
  float *want = alloc_floats(MACRO(_NUM_LABELS));
  float *preprocessed = alloc_floats(image);
  enum { W = 300, H = 200 };
  uint8_t *rgb = (uint8_t *)malloc(3 * W * H);
  void **blocks;
  int i, rc;
  if (!rgb)
    return 2;
  for (i = 0; i < 3 * W * H; ++i)
    rgb[i] = (uint8_t)(i * 13);
  API(_set_num_threads)(1);
  printf("capping the address space\n");
  fflush(stdout);
  blocks = use_up_memory();
  rc = API(_forward)(pixels, 1, logits);
  printf("oom forward: %d (%s)\n", rc, API(_error_string)(rc));
  EXPECT(rc == MACRO(_ERROR_OUT_OF_MEMORY));
  rc = API(_classify_rgb8)(rgb, W, H, 3 * W, logits);
  printf("oom classify_rgb8: %d (%s)\n", rc, API(_error_string)(rc));
  EXPECT(rc == MACRO(_ERROR_OUT_OF_MEMORY));
  rc = API(_preprocess_rgb8)(rgb, W, H, 3 * W, preprocessed);
  printf("oom preprocess_rgb8: %d (%s)\n", rc, API(_error_string)(rc));
  EXPECT(rc == MACRO(_ERROR_OUT_OF_MEMORY));
  release_memory(blocks);
  rc = API(_forward)(pixels, 1, want);
  printf("after oom forward: %d\n", rc);
  EXPECT(rc == 0);
  rc = API(_classify_rgb8)(rgb, W, H, 3 * W, logits);
  printf("after oom classify_rgb8: %d\n", rc);
  EXPECT(rc == 0);
  printf("%d failed\n", failures);
  return failures ? 1 : 0;
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
  if (argc == 3 && !strcmp(argv[1], "--oom"))
    return out_of_memory(argv[2]);
  if (argc != 5) {
    fprintf(stderr,
            "usage: %s input.f32 out1.f32 out3.f32 labels.txt | --oom "
            "input.f32\n",
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
  expect_rejected("batch INT_MAX past the end of memory", near_the_end(),
                  INT_MAX, logits);
  expect_rejected("logits of batch INT_MAX past the end of memory", pixels,
                  INT_MAX, near_the_end());

  /* Every code has a description, known or not. */
  EXPECT(API(_error_string)(0) != NULL);
  EXPECT(API(_error_string)(INT_MIN) != NULL);
  EXPECT(API(_error_string)(INT_MAX) != NULL);
  EXPECT(API(_error_string)(-1000) != NULL);
  for (i = 1; i >= -12; --i)
    printf("code %d: %s\n", i, API(_error_string)(i));

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

  /* A caller-owned workspace: sizes, checks, and the very same bits. */
  {
    size_t size = API(_workspace_size)(1);
    unsigned char *block = (unsigned char *)malloc(size + 2 * 64);
    unsigned char *aligned =
        block + (64 - (uintptr_t)block % 64) % 64;
    float *out = alloc_floats(MACRO(_NUM_LABELS));
    printf("workspace_size: 0 -> %lu, -1 -> %lu, INT_MIN -> %lu\n",
           (unsigned long)API(_workspace_size)(0),
           (unsigned long)API(_workspace_size)(-1),
           (unsigned long)API(_workspace_size)(INT_MIN));
    EXPECT(size >= MACRO(_WORKSPACE_BYTES) && size % 64 == 0);
    EXPECT(API(_workspace_size)(MACRO(_COMPILED_BATCH)) == size);
    EXPECT(API(_workspace_size)(INT_MAX) >= size);
    EXPECT(block != NULL);
    expect_rejected_ws("workspace NULL", MACRO(_ERROR_NULL_ARGUMENT), pixels,
                       1, out, NULL, size);
    expect_rejected_ws("workspace pixels NULL", MACRO(_ERROR_NULL_ARGUMENT),
                       NULL, 1, out, aligned, size);
    expect_rejected_ws("workspace batch 0", MACRO(_ERROR_BAD_BATCH), pixels,
                       0, out, aligned, size);
    expect_rejected_ws("workspace batch INT_MAX past the end of memory",
                       MACRO(_ERROR_BATCH_TOO_LARGE), near_the_end(), INT_MAX,
                       out, aligned, size);
    expect_rejected_ws("workspace misaligned",
                       MACRO(_ERROR_WORKSPACE_MISALIGNED), pixels, 1, out,
                       aligned + 32, size);
    expect_rejected_ws("workspace one byte short",
                       MACRO(_ERROR_WORKSPACE_TOO_SMALL), pixels, 1, out,
                       aligned, size - 1);
    /* Garbage in the workspace must not matter. */
    memset(aligned, 0xA5, size);
    i = API(_forward_with_workspace)(pixels, 1, out, aligned, size);
    printf("forward_with_workspace: %d, %s\n", i,
           memcmp(out, logits, MACRO(_NUM_LABELS) * sizeof(float))
               ? "DIFFERENT logits"
               : "same logits");
    EXPECT(i == 0);
    EXPECT(!memcmp(out, logits, MACRO(_NUM_LABELS) * sizeof(float)));
    free(out);
    free(block);
  }

  printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
