/*===- ModelRuntime.c - Runs a generated model's kernel table ---------------===
 *
 * Linked (as LLVM bitcode, every symbol made internal) into each object bitc
 * writes. It allocates the workspace per call, so concurrent calls never
 * share mutable state; the Halide thread pool is the only global.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L /* clock_gettime, for --profile */

#include "ModelRuntime.h"

#include <HalideRuntime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t profile_now_ns(void);
static void profile_forward_done(const bitc_model *model, int64_t images,
                                 int64_t wall_ns);

static size_t round_up(size_t bytes, size_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

/* Workspaces are kept between calls: a fresh multi-megabyte allocation is
   mapped by the kernel page by page on first touch, and in a VM a page fault
   costs ~15 us (about 30 ms of CPU time per 224x224 R50x1 forward call, more
   than a third of its kernels). A few free workspaces are parked in lock-free
   slots; a call takes one that is large enough (or allocates) and parks it
   again afterwards (or frees it when every slot is full), so concurrent calls
   never share one. They live until the process exits. */
#define BITC_ARENA_SLOTS 4
#define BITC_ARENA_HEADER 64
static uint8_t *arena_slots[BITC_ARENA_SLOTS];

static uint8_t *arena_acquire(size_t bytes) {
  for (int i = 0; i < BITC_ARENA_SLOTS; ++i) {
    uint8_t *block = __atomic_exchange_n(&arena_slots[i], (uint8_t *)NULL,
                                         __ATOMIC_ACQ_REL);
    if (!block)
      continue;
    if (*(size_t *)block >= bytes)
      return block + BITC_ARENA_HEADER;
    free(block); /* too small for this model (several models per object) */
  }
  uint8_t *block = (uint8_t *)aligned_alloc(
      64, round_up(bytes + BITC_ARENA_HEADER, 64));
  if (!block)
    return NULL;
  *(size_t *)block = bytes;
  return block + BITC_ARENA_HEADER;
}

static void arena_release(uint8_t *arena) {
  uint8_t *block = arena - BITC_ARENA_HEADER;
  for (int i = 0; i < BITC_ARENA_SLOTS; ++i) {
    uint8_t *expected = NULL;
    if (__atomic_compare_exchange_n(&arena_slots[i], &expected, block, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      return;
  }
  free(block);
}

/* Runs every step once on one chunk of `model->batch` images. */
static int run_steps(const bitc_model *model, uint8_t *arena,
                     const float *input, float *output) {
  for (int64_t s = 0; s < model->num_steps; ++s) {
    const bitc_step *step = &model->steps[s];
    halide_buffer_t buffers[BITC_MAX_ARGS];
    halide_dimension_t dims[BITC_MAX_ARGS][BITC_MAX_DIMS];
    void *argv[BITC_MAX_ARGS];
    for (int64_t a = 0; a < step->num_args; ++a) {
      const bitc_arg *arg = &model->args[step->first_arg + a];
      uint8_t *base = NULL;
      switch (arg->source) {
      case BITC_SOURCE_ARENA:
        base = arena;
        break;
      case BITC_SOURCE_WEIGHTS:
        base = (uint8_t *)model->weights;
        break;
      case BITC_SOURCE_INPUT:
        base = (uint8_t *)input;
        break;
      default:
        base = (uint8_t *)output;
        break;
      }
      halide_buffer_t *buffer = &buffers[a];
      memset(buffer, 0, sizeof(*buffer));
      buffer->host = base + arg->offset;
      buffer->type.code = halide_type_float;
      buffer->type.bits = 32;
      buffer->type.lanes = 1;
      buffer->dimensions = (int32_t)arg->dims;
      buffer->dim = dims[a];
      for (int64_t d = 0; d < arg->dims; ++d) {
        dims[a][d].min = 0;
        dims[a][d].extent = (int32_t)arg->extent[d];
        dims[a][d].stride = (int32_t)arg->stride[d];
        dims[a][d].flags = 0;
      }
      argv[a] = buffer;
    }
    int64_t start = model->profile ? profile_now_ns() : 0;
    if (step->fn(argv) != 0)
      return BITC_ERROR_KERNEL_FAILED;
    if (model->profile)
      __atomic_fetch_add(&model->profile->ns[s], profile_now_ns() - start,
                         __ATOMIC_RELAXED);
  }
  return BITC_OK;
}

int bitc_model_forward(const bitc_model *model, const float *pixels, int batch,
                       float *logits) {
  if (!pixels || !logits)
    return BITC_ERROR_NULL_ARGUMENT;
  if (batch < 1)
    return BITC_ERROR_BAD_BATCH;
  const int64_t profile_start = model->profile ? profile_now_ns() : 0;
  const int64_t chunk = model->batch;
  const size_t in_bytes = (size_t)(chunk * model->input_floats) * sizeof(float);
  const size_t out_bytes =
      (size_t)(chunk * model->output_floats) * sizeof(float);
  /* One allocation: the planned workspace, then room for a padded last chunk
     when the batch is not a multiple of the compiled batch. */
  const size_t arena_bytes = round_up((size_t)model->workspace_bytes, 64);
  const size_t total = arena_bytes + round_up(in_bytes, 64) +
                       round_up(out_bytes, 64);
  uint8_t *arena = arena_acquire(round_up(total, 64));
  if (!arena)
    return BITC_ERROR_OUT_OF_MEMORY;
  float *in_scratch = (float *)(arena + arena_bytes);
  float *out_scratch = (float *)(arena + arena_bytes + round_up(in_bytes, 64));

  int status = BITC_OK;
  for (int64_t start = 0; start < batch && status == BITC_OK;
       start += chunk) {
    int64_t count = batch - start < chunk ? batch - start : chunk;
    const float *in = pixels + start * model->input_floats;
    float *out = logits + start * model->output_floats;
    if (count < chunk) {
      memset(in_scratch, 0, in_bytes);
      memcpy(in_scratch, in,
             (size_t)(count * model->input_floats) * sizeof(float));
      status = run_steps(model, arena, in_scratch, out_scratch);
      if (status == BITC_OK)
        memcpy(out, out_scratch,
               (size_t)(count * model->output_floats) * sizeof(float));
    } else {
      status = run_steps(model, arena, in, out);
    }
  }
  arena_release(arena);
  if (model->profile && status == BITC_OK)
    profile_forward_done(model, batch, profile_now_ns() - profile_start);
  return status;
}

const char *bitc_model_label(const bitc_model *model, int index) {
  if (index < 0 || index >= model->num_labels)
    return NULL;
  return model->labels[index];
}

const char *bitc_error_string(int code) {
  switch (code) {
  case BITC_OK:
    return "success";
  case BITC_ERROR_NULL_ARGUMENT:
    return "a required pointer argument is NULL";
  case BITC_ERROR_BAD_BATCH:
    return "batch must be at least 1";
  case BITC_ERROR_OUT_OF_MEMORY:
    return "cannot allocate the workspace";
  case BITC_ERROR_KERNEL_FAILED:
    return "a kernel failed";
  case BITC_ERROR_BAD_IMAGE:
    return "image width and height must be between 1 and 32768";
  case BITC_ERROR_BAD_STRIDE:
    return "row_stride must be at least 3 * width bytes";
  case BITC_ERROR_PREPROCESS_SHAPE:
    return "preprocessor_config.json does not produce the model's input "
           "size (no center crop, or unsupported channels)";
  default:
    return "unknown error code";
  }
}

void bitc_set_num_threads(int threads) {
  halide_set_num_threads(threads < 1 ? 1 : threads);
}

/*===----------------------------------------------------------------------===
 * Profiling (bitc compile --profile)
 *
 * run_steps adds the wall time of every kernel call to its step's counter.
 * After every BITC_PROFILE_EVERY-th successful forward call (environment
 * variable, default 1; 0 = never) the counters since the last table are
 * printed to stderr, per kernel and per op, as milliseconds per forward call,
 * and reset. Concurrent calls add into the same counters.
 *===----------------------------------------------------------------------===*/

/* BITC_PROFILE_CLOCK=cpu: process CPU time (all threads) instead of wall
   time, much steadier on a shared machine. */
static int64_t profile_now_ns(void) {
  static int clock_id = -1;
  if (clock_id < 0) {
    const char *env = getenv("BITC_PROFILE_CLOCK");
    clock_id = env && strcmp(env, "cpu") == 0 ? CLOCK_PROCESS_CPUTIME_ID
                                              : CLOCK_MONOTONIC;
  }
  struct timespec ts;
  clock_gettime(clock_id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

typedef struct profile_row {
  int64_t ns;
  int64_t index;
  int64_t calls;
} profile_row;

static int profile_row_slower(const void *a, const void *b) {
  const profile_row *x = (const profile_row *)a, *y = (const profile_row *)b;
  if (x->ns != y->ns)
    return x->ns > y->ns ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static void profile_forward_done(const bitc_model *model, int64_t images,
                                 int64_t wall_ns) {
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
    by_op[s].ns = ns;
    by_op[s].index = s;
    by_kernel[p->step_kernel[s]].ns += ns;
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
        by_kernel[j].calls += by_kernel[k].calls;
        by_kernel[k].ns = by_kernel[k].calls = 0;
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
  fflush(stderr);
  free(by_op);
}
