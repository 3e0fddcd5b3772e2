/* The generated API when malloc fails: every allocation of one call, in
 * turn, returns NULL.
 *
 *   failing_malloc input.f32
 *
 * This program defines malloc, calloc, realloc, free, posix_memalign and
 * aligned_alloc itself (on top of glibc's __libc_* functions), so every
 * allocation of the object (the runtime's workspaces and preprocessing
 * buffers, Halide's halide_malloc and thread pool) comes here. For each of
 * <MODEL>_forward (batch 3: chunks and scratch), _forward_with_workspace and
 * _classify_rgb8 (an image that is resized): one call counts its
 * allocations, n; then for k = 1..n the k-th allocation of a call fails.
 * Every such call must return OK with the logits of a normal call, or
 * <MODEL>_ERROR_OUT_OF_MEMORY, and free everything it allocated (blocks
 * allocated during the call and not freed by its end are leaks). Prints one
 * line per entry point; exits 1 on the first violation.
 * The first call of a process also starts Halide's thread pool: a child
 * process per k makes the k-th allocation of its very first _forward fail,
 * and must get OK or OUT_OF_MEMORY, then OK from the next call.
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h failing_malloc.c
 *        name.o */
#include "../../e2e/Inputs/driver_io.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

/* While armed: the number of allocations so far, the one that fails (0:
   none), and the blocks allocated and not yet freed. Halide's worker
   threads allocate too, hence the lock. */
enum { MAX_LIVE = 4096 };
static volatile int lock_word;
static int armed, calls, fail_at, overflow;
static void *live[MAX_LIVE];
static int num_live;

static void lock(void) {
  while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
    ;
}
static void unlock(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }

/* 0 (and errno ENOMEM, as glibc's own failures set it) when this
   allocation is to fail. */
static int admit(void) {
  int ok = 1;
  lock();
  if (armed && ++calls == fail_at)
    ok = 0;
  unlock();
  if (!ok)
    errno = ENOMEM;
  return ok;
}

static void *track(void *p) {
  lock();
  if (armed && p) {
    if (num_live < MAX_LIVE)
      live[num_live++] = p;
    else
      overflow = 1;
  }
  unlock();
  return p;
}

static void untrack(void *p) {
  int i;
  lock();
  for (i = 0; i < num_live; ++i)
    if (live[i] == p) {
      live[i] = live[--num_live];
      break;
    }
  unlock();
}

void *malloc(size_t n) { return admit() ? track(__libc_malloc(n)) : NULL; }
void *calloc(size_t n, size_t m) {
  return admit() ? track(__libc_calloc(n, m)) : NULL;
}
void *realloc(void *p, size_t n) {
  void *q;
  if (!admit())
    return NULL;
  q = __libc_realloc(p, n);
  if (q && p)
    untrack(p);
  return track(q);
}
void free(void *p) {
  if (!p)
    return;
  untrack(p);
  __libc_free(p);
}
int posix_memalign(void **out, size_t align, size_t n) {
  void *p;
  if (!admit())
    return ENOMEM;
  p = track(__libc_memalign(align, n));
  if (!p)
    return ENOMEM;
  *out = p;
  return 0;
}
void *aligned_alloc(size_t align, size_t n) {
  return admit() ? track(__libc_memalign(align, n)) : NULL;
}
void *memalign(size_t align, size_t n) { return aligned_alloc(align, n); }

static void arm(int fail) {
  lock();
  armed = 1;
  calls = 0;
  fail_at = fail;
  num_live = 0;
  overflow = 0;
  unlock();
}
static int disarm(void) {
  lock();
  armed = 0;
  unlock();
  return calls;
}

enum { IMAGES = 3, RGB_W = 41, RGB_H = 37 };
static const float *pixels;
static uint8_t rgb[RGB_W * RGB_H * 3];
static void *workspace;
static size_t workspace_bytes;

static int call(int entry, float *logits) {
  switch (entry) {
  case 0:
    return API(_forward)(pixels, IMAGES, logits);
  case 1:
    return API(_forward_with_workspace)(pixels, IMAGES, logits, workspace,
                                        workspace_bytes);
  case 2:
    return API(_classify_rgb8)(rgb, RGB_W, RGB_H, 3 * RGB_W, logits);
  case 3: {
    /* One thread: the batch in one group of slots; short of memory for
       them, one slot. */
    int status;
    API(_set_num_threads)(1);
    status = API(_forward)(pixels, IMAGES, logits);
    API(_set_num_threads)(2);
    return status;
  }
  default: {
    /* One thread, one image: one slot, nothing smaller to fall back to. */
    int status;
    API(_set_num_threads)(1);
    status = API(_forward)(pixels, 1, logits);
    API(_set_num_threads)(2);
    return status;
  }
  }
}

/* A child per k: its first call fails at allocation k. */
static int cold_start(void) {
  float *logits = alloc_floats((size_t)IMAGES * MACRO(_NUM_LABELS));
  int k, failures = 0;
  for (k = 1;; ++k) {
    int status = 0, code;
    pid_t child = fork();
    if (child == 0) {
      int first, n;
      arm(k);
      first = call(0, logits);
      n = disarm();
      if (call(0, logits) != MACRO(_OK))
        _exit(1);
      if (first == MACRO(_OK))
        _exit(n < k ? 4 : 0);
      _exit(first == MACRO(_ERROR_OUT_OF_MEMORY) ? 3 : 1);
    }
    waitpid(child, &status, 0);
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 4)
      break;
    if (code == 3)
      ++failures;
    else if (code != 0) {
      printf("FAIL: first forward with allocation %d failing: exit %d\n", k,
             code);
      return 1;
    }
  }
  printf("first forward: %d allocations, each failing in turn: %d out of "
         "memory, then OK\n",
         k - 1, failures);
  return 0;
}

int main(int argc, char **argv) {
  static const char *const names[] = {"forward", "forward_with_workspace",
                                      "classify_rgb8", "forward_1_thread",
                                      "forward_1_image_1_thread"};
  size_t floats = (size_t)IMAGES * MACRO(_NUM_LABELS);
  float *want = alloc_floats(floats), *got = alloc_floats(floats);
  int entry, i;
  if (argc != 2)
    return 2;
  pixels = read_floats(argv[1], (size_t)IMAGES * MACRO(_INPUT_CHANNELS) *
                                    MACRO(_INPUT_HEIGHT) * MACRO(_INPUT_WIDTH));
  for (i = 0; i < (int)sizeof(rgb); ++i)
    rgb[i] = (uint8_t)(i * 29 + (i >> 5));
  /* Two threads whatever the machine: _forward's batch has two slots. */
  API(_set_num_threads)(2);
  workspace_bytes = API(_workspace_size)(IMAGES);
  workspace = aligned_alloc(MACRO(_WORKSPACE_ALIGNMENT), workspace_bytes);
  if (cold_start())
    return 1;
  for (entry = 0; entry < 5; ++entry) {
    int n, k, failures = 0;
    /* Twice unarmed: Halide's thread pool starts on the first call. */
    if (call(entry, want) != MACRO(_OK) || call(entry, want) != MACRO(_OK)) {
      printf("FAIL: %s does not run\n", names[entry]);
      return 1;
    }
    arm(0);
    call(entry, got);
    n = disarm();
    for (k = 1; k <= n; ++k) {
      int status;
      memset(got, 0, floats * sizeof(float));
      arm(k);
      status = call(entry, got);
      disarm();
      if (status == MACRO(_ERROR_OUT_OF_MEMORY)) {
        ++failures;
      } else if (status != MACRO(_OK) ||
                 memcmp(got, want,
                        (entry == 2 || entry == 4 ? 1 : IMAGES) *
                            MACRO(_NUM_LABELS) * sizeof(float))) {
        printf("FAIL: %s with allocation %d of %d failing: status %d%s\n",
               names[entry], k, n, status,
               status == MACRO(_OK) ? " and other logits" : "");
        return 1;
      }
      if (num_live || overflow) {
        printf("FAIL: %s with allocation %d of %d failing: %d blocks "
               "leaked\n",
               names[entry], k, n, num_live);
        return 1;
      }
    }
    printf("%s: %d allocations, each failing in turn: %d out of memory, "
           "%d ok, 0 leaks\n",
           names[entry], n, failures, n - failures);
  }
  return 0;
}
