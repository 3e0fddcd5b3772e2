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

#include <HalideRuntime.h>
#include <stddef.h>

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

int halide_default_do_par_for(void *user_context, halide_task_t task, int min,
                              int size, uint8_t *closure) {
  par_for_loop loop = {task, closure};
  const int *running = running_slots;
  if (running && __atomic_load_n(running, __ATOMIC_RELAXED) >= 2)
    return run_iterations(user_context, min, size, (uint8_t *)&loop, NULL);
  if (size <= 0)
    return 0;
  struct halide_parallel_task_t parallel = {0};
  parallel.fn = run_iterations;
  parallel.closure = (uint8_t *)&loop;
  parallel.min = min;
  parallel.extent = size;
  return halide_default_do_parallel_tasks(user_context, 1, &parallel, NULL);
}
