/*===- SlotLoops.c - Kernels' parallel loops inside image slots -*- C -*-===
 *
 * A batch runs its chunks of images in slots, one Halide task per thread's
 * group of slots (ModelRuntime.c, run_forward; this file calls such a task
 * a slot too). Until every slot of a batch is out of
 * chunks but one, a kernel's parallel loop inside a slot runs serially on
 * the slot's thread. Left to Halide's pool, the threads share every kernel
 * again instead of running an image each, and worse: a thread waiting for
 * its kernel's loop takes any queued job, the batch's next slot task too,
 * which then runs all its chunks nested there while the first slot's image
 * waits (measured: one thread busy, 1.5x slower than no slots). Once a slot
 * runs alone, its loops go back to the pool and every thread helps.
 *
 * In the pool, a loop is cut into one contiguous share of iterations per
 * thread, the calling thread always taking the first: a kernel's tasks are
 * in row-band order (or channel-group order), so the rows a thread wrote in
 * one kernel are mostly the rows it reads in the next. On the AMD EPYC
 * machine a core reads what the other core just wrote at a fifth of the
 * speed of its own data; R50x1 224 on 2 threads: stage 1's kernels 0.1-0.25
 * ms per forward faster, the forward ~2% (docs/performance.md). A thread
 * whose share is done takes what is left of the others', so a slow or
 * missing thread only delays, as before. The kernel planners size tasks
 * with a model of this hand-out (codegen/kernels/TaskBalance.cpp).
 *
 * In --profile objects each shared loop also notes when every thread
 * finished its part, and the threads' idle time until the last one finished
 * goes to the profile's "waiting" section (Profile.c).
 *
 * This file replaces halide_default_do_par_for (weak, like HalideThreads.c's
 * functions), what Halide's halide_do_par_for calls unless a program set
 * its own (halide_set_custom_do_par_for: then that one runs every loop);
 * the pool's loops go through halide_default_do_parallel_tasks, Halide's
 * other entry to the same pool. The thread's slot counter is reached only
 * through halide_bitc_enter_slot, so that with several bitc objects in one
 * program, whose runtimes are each linked in, the one copy the linker keeps
 * of both functions sees every object's slots.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <HalideRuntime.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

/* The running-slot counter of the batch this thread runs a slot of, or
   NULL. */
static _Thread_local const int *running_slots;

const int *halide_bitc_enter_slot(const int *running) {
  const int *outer = running_slots;
  running_slots = running;
  return outer;
}

/* A parallel loop as a Halide loop task over [min, min + extent). */
typedef struct par_for_loop {
  halide_task_t task;
  uint8_t *closure;
} par_for_loop;

static int run_iterations(void *user_context, int min, int extent,
                          uint8_t *closure, void *task_parent) {
  (void)task_parent;
  const par_for_loop *loop = (const par_for_loop *)closure;
  for (int i = min; i < min + extent; ++i) {
    int status = loop->task(user_context, i, loop->closure);
    if (status != 0)
      return status;
  }
  return 0;
}

/* The threads of the pool as the last forward call saw them (0: not yet
   known; then the pool hands out iterations one by one). */
static int loop_threads;

void halide_bitc_set_loop_threads(int threads) {
  __atomic_store_n(&loop_threads, threads, __ATOMIC_RELAXED);
}

/* A parallel loop in contiguous shares, one per thread, each claimed from
   its front by one cursor on a cache line of its own. */
#define BITC_MAX_SHARES 16
typedef struct share_cursor {
  int next;
  char pad[64 - sizeof(int)];
} share_cursor;

typedef struct shared_loop {
  halide_task_t task;
  uint8_t *closure;
  int min, size, shares;
  pthread_t caller;
  share_cursor cursor[BITC_MAX_SHARES];
  /* When waits are measured: who finished a part of the loop, and when. */
  int measured, finished;
  pthread_t finisher[BITC_MAX_SHARES];
  int64_t finish_ns[BITC_MAX_SHARES];
} shared_loop;

/* --profile objects: the threads' idle time at the ends of shared loops
   (docs/performance.md, "Where 2 threads wait"). */
static int measuring_waits;
static int64_t wait_ns_total;

int64_t halide_bitc_loop_wait_ns(void) {
  __atomic_store_n(&measuring_waits, 1, __ATOMIC_RELAXED);
  return __atomic_load_n(&wait_ns_total, __ATOMIC_RELAXED);
}

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void note_finish(shared_loop *loop) {
  int k = __atomic_fetch_add(&loop->finished, 1, __ATOMIC_RELAXED);
  if (k >= BITC_MAX_SHARES)
    return;
  loop->finisher[k] = pthread_self();
  loop->finish_ns[k] = monotonic_ns();
}

/* Each thread's idle time from finishing its last part of the loop until
   the last thread finished. A thread's parts finish in the order they were
   noted, so a later entry of the same thread supersedes an earlier one.
   Halide's job completion orders the finishers' writes before this read. */
static void add_wait(const shared_loop *loop) {
  const int n =
      loop->finished < BITC_MAX_SHARES ? loop->finished : BITC_MAX_SHARES;
  int64_t last = 0, idle = 0;
  for (int k = 0; k < n; ++k)
    if (loop->finish_ns[k] > last)
      last = loop->finish_ns[k];
  for (int k = 0; k < n; ++k) {
    int superseded = 0;
    for (int j = k + 1; j < n && !superseded; ++j)
      superseded = pthread_equal(loop->finisher[j], loop->finisher[k]);
    if (!superseded)
      idle += last - loop->finish_ns[k];
  }
  __atomic_fetch_add(&wait_ns_total, idle, __ATOMIC_RELAXED);
}

/* Which share a helper thread starts with: the same one in every loop. */
static _Thread_local int helper_index = -1;
static int helpers;

static int first_share(const shared_loop *loop) {
  if (pthread_equal(pthread_self(), loop->caller) || loop->shares == 1)
    return 0;
  if (helper_index < 0)
    helper_index = __atomic_fetch_add(&helpers, 1, __ATOMIC_RELAXED);
  return 1 + helper_index % (loop->shares - 1);
}

/* One thread's part of a shared loop: its own share first, then what is
   left of the others'. */
static int run_shares(void *user_context, int min, int extent, uint8_t *closure,
                      void *task_parent) {
  (void)min, (void)extent, (void)task_parent;
  shared_loop *loop = (shared_loop *)closure;
  const int first = first_share(loop);
  for (int k = 0; k < loop->shares; ++k) {
    const int s = (first + k) % loop->shares;
    const int begin = (int)((int64_t)loop->size * s / loop->shares);
    const int count =
        (int)((int64_t)loop->size * (s + 1) / loop->shares) - begin;
    for (;;) {
      int i = __atomic_fetch_add(&loop->cursor[s].next, 1, __ATOMIC_RELAXED);
      if (i >= count)
        break;
      int status =
          loop->task(user_context, loop->min + begin + i, loop->closure);
      if (status != 0)
        return status;
    }
  }
  if (loop->measured)
    note_finish(loop);
  return 0;
}

int halide_default_do_par_for(void *user_context, halide_task_t task, int min,
                              int size, uint8_t *closure) {
  par_for_loop loop = {task, closure};
  const int *running = running_slots;
  if (running && __atomic_load_n(running, __ATOMIC_RELAXED) >= 2)
    return run_iterations(user_context, min, size, (uint8_t *)&loop, NULL);
  if (size <= 0)
    return 0;
  struct halide_parallel_task_t parallel = {0};
  int threads = __atomic_load_n(&loop_threads, __ATOMIC_RELAXED);
  if (threads > BITC_MAX_SHARES)
    threads = BITC_MAX_SHARES;
  if (threads >= 2 && size >= 2) {
    shared_loop shared = {
        .task = task,
        .closure = closure,
        .min = min,
        .size = size,
        .shares = size < threads ? size : threads,
        .caller = pthread_self(),
        .measured = __atomic_load_n(&measuring_waits, __ATOMIC_RELAXED)};
    parallel.fn = run_shares;
    parallel.closure = (uint8_t *)&shared;
    parallel.min = 0;
    parallel.extent = shared.shares;
    int status =
        halide_default_do_parallel_tasks(user_context, 1, &parallel, NULL);
    if (status == 0 && shared.measured)
      add_wait(&shared);
    return status;
  }
  parallel.fn = run_iterations;
  parallel.closure = (uint8_t *)&loop;
  parallel.min = min;
  parallel.extent = size;
  return halide_default_do_parallel_tasks(user_context, 1, &parallel, NULL);
}
