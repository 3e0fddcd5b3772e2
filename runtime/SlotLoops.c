/*===- SlotLoops.c - Kernels' parallel loops inside image slots -*- C -*-===
 *
 * A batch runs its chunks of images in slots, one Halide task each
 * (ModelRuntime.c, run_forward). Until every slot of a batch is out of
 * chunks but one, a kernel's parallel loop inside a slot runs serially on
 * the slot's thread. Left to Halide's pool, the threads share every kernel
 * again instead of running an image each, and worse: a thread waiting for
 * its kernel's loop takes any queued job, the batch's next slot task too,
 * which then runs all its chunks nested there while the first slot's image
 * waits (measured: one thread busy, 1.5x slower than no slots). Once a slot
 * runs alone, its loops go back to the pool and every thread helps.
 *
 * halide_do_par_for replaces Halide's (weak, like HalideThreads.c's
 * functions); the thread's slot counter is reached only through
 * halide_bitc_enter_slot, so that with several bitc objects in one program,
 * whose runtimes are each linked in, the one copy the linker keeps of both
 * functions sees every object's slots.
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

int halide_do_par_for(void *user_context, halide_task_t task, int min,
                      int size, uint8_t *closure) {
  const int *running = running_slots;
  if (!running || __atomic_load_n(running, __ATOMIC_RELAXED) < 2)
    return halide_default_do_par_for(user_context, task, min, size, closure);
  for (int i = min; i < min + size; ++i) {
    int status = task(user_context, i, closure);
    if (status != 0)
      return status;
  }
  return 0;
}
