/*===- HalideThreads.c - Halide's worker threads, without malloc -*- C -*-===
 *
 * Halide's thread pool starts its workers with halide_spawn_thread on the
 * first parallel loop. Halide's own version mallocs a record and writes to
 * it unchecked, and ignores a failed pthread_create: where malloc fails, the
 * first forward call crashes. These replace both functions (bitc keeps their
 * names, weak like Halide's, and links the entry point first, so `ld -r`
 * picks these). The records are static; a worker that cannot be started is
 * simply missing: the thread that runs a parallel loop works through it
 * itself (halide_do_par_for's caller takes part in its own job).
 *
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stddef.h>

/* Halide's pool never starts more than this many workers. */
#define BITC_MAX_HALIDE_THREADS 256

struct halide_thread {
  void (*fn)(void *);
  void *closure;
  pthread_t handle;
  int started;
};

static struct halide_thread threads[BITC_MAX_HALIDE_THREADS];
static struct halide_thread missing; /* returned when the table is full */
static int spawned;

static void *run_thread(void *arg) {
  struct halide_thread *t = (struct halide_thread *)arg;
  t->fn(t->closure);
  return NULL;
}

struct halide_thread *halide_spawn_thread(void (*fn)(void *), void *closure) {
  int index = __atomic_fetch_add(&spawned, 1, __ATOMIC_RELAXED);
  if (index >= BITC_MAX_HALIDE_THREADS)
    return &missing;
  struct halide_thread *t = &threads[index];
  t->fn = fn;
  t->closure = closure;
  t->started = pthread_create(&t->handle, NULL, run_thread, t) == 0;
  return t;
}

void halide_join_thread(struct halide_thread *t) {
  if (t && t->started)
    pthread_join(t->handle, NULL);
}
