/*===- Profile.c - Kernel timings of --profile objects ------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "Profile.h"
#include <HalideRuntime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*===----------------------------------------------------------------------===
 * Profiling (bitc compile --profile)
 *
 * run_steps adds the wall time of every kernel call to its step's counter.
 * After every BITC_PROFILE_EVERY-th successful forward call (environment
 * variable, default 1; 0 = never) the counters since the last table are
 * printed to stderr, per kernel and per op, as milliseconds per forward call,
 * and reset. Concurrent calls add into the same counters. On 2 or more
 * threads a third section gives, per kernel, the threads' idle time at the
 * ends of its parallel loops (SlotLoops.c measures it): the part of the
 * kernel's thread time that a better split of its work could still use.
 *===----------------------------------------------------------------------===*/

/* BITC_PROFILE_CLOCK=cpu: process CPU time (all threads) instead of wall
   time, much steadier on a shared machine. */
static clockid_t profile_clock(void) {
  /* Every thread computes the same value: atomic, so not a data race. */
  static int clock_plus_one;
  int clock_id = __atomic_load_n(&clock_plus_one, __ATOMIC_RELAXED) - 1;
  if (clock_id < 0) {
    const char *env = getenv("BITC_PROFILE_CLOCK");
    clock_id = env && strcmp(env, "cpu") == 0 ? CLOCK_PROCESS_CPUTIME_ID
                                              : CLOCK_MONOTONIC;
    __atomic_store_n(&clock_plus_one, clock_id + 1, __ATOMIC_RELAXED);
  }
  return (clockid_t)clock_id;
}

int64_t bitc_profile_now_ns(void) {
  const clockid_t clock_id = profile_clock();
  struct timespec ts;
  clock_gettime(clock_id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct profile_row {
  int64_t ns;
  int64_t index;
  int64_t calls;
  int64_t wait_ns;
} profile_row;

static int profile_row_waits_longer(const void *a, const void *b) {
  const profile_row *x = (const profile_row *)a, *y = (const profile_row *)b;
  if (x->wait_ns != y->wait_ns)
    return x->wait_ns > y->wait_ns ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int profile_row_slower(const void *a, const void *b) {
  const profile_row *x = (const profile_row *)a, *y = (const profile_row *)b;
  if (x->ns != y->ns)
    return x->ns > y->ns ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

void bitc_profile_forward_done(const bitc_model *model, int64_t images,
                               int64_t wall_ns, int64_t threads) {
  const bitc_profile *p = model->profile;
  int64_t every = 1;
  const char *env = getenv("BITC_PROFILE_EVERY");
  if (env && *env)
    every = atoll(env);
  __atomic_fetch_add(&p->totals[1], wall_ns, __ATOMIC_RELAXED);
  __atomic_fetch_add(&p->totals[2], images, __ATOMIC_RELAXED);
  int64_t calls = __atomic_add_fetch(&p->totals[0], 1, __ATOMIC_RELAXED);
  if (every < 1 || calls < every)
    return;
  /* Whoever completes the every-th call takes the counters. */
  if (!__atomic_compare_exchange_n(&p->totals[0], &calls, 0, 0,
                                   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    return;
  const int64_t steps = model->num_steps;
  profile_row *by_op = calloc((size_t)(steps + p->num_kernels) + 1,
                              sizeof(profile_row));
  if (!by_op)
    return;
  profile_row *by_kernel = by_op + steps;
  for (int64_t k = 0; k < p->num_kernels; ++k)
    by_kernel[k].index = k;
  int64_t total = 0;
  for (int64_t s = 0; s < steps; ++s) {
    int64_t ns = __atomic_exchange_n(&p->ns[s], 0, __ATOMIC_RELAXED);
    int64_t wait_ns = __atomic_exchange_n(&p->wait_ns[s], 0, __ATOMIC_RELAXED);
    by_op[s].ns = ns;
    by_op[s].index = s;
    by_kernel[p->step_kernel[s]].ns += ns;
    by_kernel[p->step_kernel[s]].wait_ns += wait_ns;
    by_kernel[p->step_kernel[s]].calls += 1;
    total += ns;
  }
  wall_ns = __atomic_exchange_n(&p->totals[1], 0, __ATOMIC_RELAXED);
  images = __atomic_exchange_n(&p->totals[2], 0, __ATOMIC_RELAXED);
  /* Kernels that print alike (same kind and shape, other parameters) share
     a row. */
  for (int64_t k = 0; k < p->num_kernels; ++k)
    for (int64_t j = 0; j < k && by_kernel[k].calls; ++j)
      if (by_kernel[j].calls && strcmp(p->kernel_kinds[by_kernel[j].index],
                                       p->kernel_kinds[by_kernel[k].index]) == 0) {
        by_kernel[j].ns += by_kernel[k].ns;
        by_kernel[j].wait_ns += by_kernel[k].wait_ns;
        by_kernel[j].calls += by_kernel[k].calls;
        by_kernel[k].ns = by_kernel[k].calls = by_kernel[k].wait_ns = 0;
      }
  qsort(by_op, (size_t)steps, sizeof(profile_row), profile_row_slower);
  qsort(by_kernel, (size_t)p->num_kernels, sizeof(profile_row),
        profile_row_slower);

  const double per_call_ms = 1e-6 / (double)calls;
  const double percent = total > 0 ? 100.0 / (double)total : 0.0;
  fprintf(stderr,
          "bitc profile: %s, %lld forward call%s (%lld image%s), %lld kernel "
          "calls per chunk of %lld; per forward call: kernels %.3f ms, wall "
          "%.3f ms\n",
          p->model_name, (long long)calls, calls == 1 ? "" : "s",
          (long long)images, images == 1 ? "" : "s", (long long)steps,
          (long long)model->batch, total * per_call_ms,
          wall_ns * per_call_ms);
  fprintf(stderr, "  by kernel:      ms  %%total  calls  kernel\n");
  for (int64_t k = 0; k < p->num_kernels; ++k) {
    if (by_kernel[k].calls == 0)
      continue;
    fprintf(stderr, "          %10.3f  %5.1f%%  %5lld  %s\n",
            by_kernel[k].ns * per_call_ms, by_kernel[k].ns * percent,
            (long long)by_kernel[k].calls,
            p->kernel_kinds[by_kernel[k].index]);
  }
  fprintf(stderr, "  by op:          ms  %%total  op  [kernel]\n");
  for (int64_t s = 0; s < steps; ++s) {
    /* loc("bit.encoder.stages.0.layers.0.conv1") -> the name inside. */
    const char *origin = p->origins[by_op[s].index];
    int length = (int)strlen(origin);
    if (length > 7 && strncmp(origin, "loc(\"", 5) == 0 &&
        strcmp(origin + length - 2, "\")") == 0) {
      origin += 5;
      length -= 7;
    }
    fprintf(stderr, "          %10.3f  %5.1f%%  %.*s  [%s]\n",
            by_op[s].ns * per_call_ms, by_op[s].ns * percent, length, origin,
            p->kernel_kinds[p->step_kernel[by_op[s].index]]);
  }
  if (threads >= 2) {
    qsort(by_kernel, (size_t)p->num_kernels, sizeof(profile_row),
          profile_row_waits_longer);
    int64_t waited = 0;
    for (int64_t k = 0; k < p->num_kernels; ++k)
      waited += by_kernel[k].wait_ns;
    /* A kernel's thread time: the CPU clock already counts every thread. */
    const double threads_timed =
        profile_clock() == CLOCK_PROCESS_CPUTIME_ID ? 1.0 : (double)threads;
    fprintf(stderr,
            "  waiting by kernel (%lld threads, idle at the ends of parallel "
            "loops): %.3f thread-ms per forward call\n"
            "                  ms  %%threads  kernel\n",
            (long long)threads, waited * per_call_ms);
    for (int64_t k = 0; k < p->num_kernels; ++k) {
      if (by_kernel[k].calls == 0 || by_kernel[k].wait_ns == 0)
        continue;
      const double thread_ns = (double)by_kernel[k].ns * threads_timed;
      const double share =
          thread_ns > 0 ? 100.0 * (double)by_kernel[k].wait_ns / thread_ns : 0;
      fprintf(stderr, "          %10.3f  %5.1f%%  %s\n",
              by_kernel[k].wait_ns * per_call_ms, share,
              p->kernel_kinds[by_kernel[k].index]);
    }
  }
  fflush(stderr);
  free(by_op);
}
