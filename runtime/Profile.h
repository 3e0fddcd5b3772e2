/*===- Profile.h - Kernel timings of --profile objects --------*- C -*-===*/
/* Internal to the runtime (renamed and internalized with it by EntryPoint). */

#ifndef BITC_RUNTIME_PROFILE_H
#define BITC_RUNTIME_PROFILE_H

#include "ModelRuntime.h"
#include <stdint.h>

/* Nanoseconds of the profiling clock (BITC_PROFILE_CLOCK=cpu: process CPU
   time, else monotonic wall time). */
int64_t bitc_profile_now_ns(void);

/* Called after each successful forward of `images` images that took
   `wall_ns` on a pool of `threads`: prints and resets the counters every
   BITC_PROFILE_EVERY calls. */
void bitc_profile_forward_done(const bitc_model *model, int64_t images,
                               int64_t wall_ns, int64_t threads);

#endif /* BITC_RUNTIME_PROFILE_H */
