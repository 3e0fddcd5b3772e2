/*===- ModelRuntime.c - Runs a generated model's kernel table ---------------===
 *
 * Linked (as LLVM bitcode, every symbol made internal) into each object bitc
 * writes. Each call works in its own workspace (allocated per call, or the
 * caller's), so concurrent calls never share mutable state: the Halide
 * thread pool is the only global, plus the counters of --profile objects.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* MADV_HUGEPAGE */

#include "ModelRuntime.h"
#include "Profile.h"

#include <HalideRuntime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static size_t round_up(size_t bytes, size_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

/* Where one call's workspace puts things (bytes, multiples of 64): `slots`
   equal slots, one per chunk of `model->batch` images in progress at the
   same time (run_forward), in `runners` groups of `group` slots: each runner
   is a thread's task that steps its group's chunks through the network
   together (run_group). A slot holds the planned arena of the kernels'
   intermediate tensors, then, only when the batch is not a multiple of the
   compiled batch, room for a zero-padded last chunk of pixels, and room for
   one chunk of each output when the last chunk is partial or the model has
   several outputs (those `_forward` does not return are written there and
   dropped). Offsets are from the start of a slot. */
typedef struct workspace_layout {
  size_t arena;
  size_t in_scratch, in_bytes; /* offset, bytes of one chunk of pixels */
  size_t out_scratch[BITC_MAX_OUTPUTS]; /* offset of output k's chunk */
  size_t out_bytes[BITC_MAX_OUTPUTS];   /* bytes of one chunk of output k */
  size_t slot;                          /* bytes of one slot */
  int64_t chunks;                       /* chunks in the batch */
  int64_t runners;                      /* groups run at the same time */
  int64_t group;                        /* slots per runner */
  int64_t slots;                        /* runners * group */
  size_t total;                         /* slots * slot */
} workspace_layout;

/* A runner steps up to this many chunks through the network together: each
   kernel then runs on every chunk of the group in turn, and all but the
   first read its weights from cache instead of memory. That pays where the
   caches also hold the group's activations, and costs where they do not
   (docs/performance.md, "Chunks in step", "Chunk groups by cache size"):
   R50x1 224, batch 8, Intel Xeon with 2 MB of L2 per core: 6-9% faster;
   AMD EPYC with 1 MB: 2-4% slower on 2 threads, 8-10% on 1. */
#define BITC_MAX_GROUP 4
/* The L2 size from which groups are used; the guest's L3 size is no guide
   in a VM (this AMD EPYC's reports 508 MB for 32 MB per core complex). */
#define BITC_GROUP_MIN_L2 ((long)2 << 20)
/* ... as long as the whole workspace stays below this many bytes, where
   workspace_allocate switches from malloc to mmap: below, a per-call
   workspace costs no page faults after the first calls; above, the faults
   cost what the groups gain. */
#define BITC_MMAP_BYTES ((size_t)32 << 20)

/* Threads bitc_set_num_threads asked for; 0 = never set: Halide's default. */
static int requested_threads;
/* Halide's default thread count, once looked up; 0 = not yet. */
static int default_threads;

/* The threads Halide's pool works with: the last bitc_set_num_threads, else
   Halide's default (HL_NUM_THREADS, HL_NUMTHREADS, else the CPUs online),
   which Halide 14 reads once and does not report. Looked up on the first
   call only: sysconf reads a file in /sys, too slow for every forward. */
static int64_t pool_threads(void) {
  int threads = __atomic_load_n(&requested_threads, __ATOMIC_RELAXED);
  if (threads > 0)
    return threads;
  threads = __atomic_load_n(&default_threads, __ATOMIC_RELAXED);
  if (threads > 0)
    return threads;
  const char *env = getenv("HL_NUM_THREADS");
  if (!env)
    env = getenv("HL_NUMTHREADS");
  long count = env ? atol(env) : sysconf(_SC_NPROCESSORS_ONLN);
  threads = count < 1 ? 1 : count > 256 ? 256 : (int)count;
  /* Racing first calls all store the same value. */
  __atomic_store_n(&default_threads, threads, __ATOMIC_RELAXED);
  return threads;
}

/* Chunks per runner's group, looked up once: BITC_CHUNK_GROUP (1 to
   BITC_MAX_GROUP; anything else is ignored), else BITC_MAX_GROUP where the
   L2 cache is at least BITC_GROUP_MIN_L2, else 1 (also where the C library
   does not know the L2 size). */
static int chunk_group_limit_value;

static int64_t chunk_group_limit(void) {
  int limit = __atomic_load_n(&chunk_group_limit_value, __ATOMIC_RELAXED);
  if (limit > 0)
    return limit;
  limit = 1;
#ifdef _SC_LEVEL2_CACHE_SIZE
  if (sysconf(_SC_LEVEL2_CACHE_SIZE) >= BITC_GROUP_MIN_L2)
    limit = BITC_MAX_GROUP;
#endif
  const char *env = getenv("BITC_CHUNK_GROUP");
  if (env) {
    char *end;
    long value = strtol(env, &end, 10);
    if (end != env && *end == '\0' && value >= 1 && value <= BITC_MAX_GROUP)
      limit = (int)value;
  }
  /* Racing first calls all store the same value. */
  __atomic_store_n(&chunk_group_limit_value, limit, __ATOMIC_RELAXED);
  return limit;
}

/* `count` floats in bytes, or 0 when that does not fit in a ptrdiff_t. */
static size_t float_bytes(size_t count) {
  size_t bytes;
  if (__builtin_mul_overflow(count, sizeof(float), &bytes) ||
      bytes > (size_t)PTRDIFF_MAX)
    return 0;
  return bytes;
}

/* Lays out `runners` runners of `group` slots (each at least 1; at most
   as many runners as chunks). */
static void use_runners(workspace_layout *layout, int64_t runners,
                        int64_t group) {
  if (runners > layout->chunks)
    runners = layout->chunks;
  layout->runners = runners < 1 ? 1 : runners;
  layout->group = group < 1 ? 1 : group;
  layout->slots = layout->runners * layout->group;
  layout->total = (size_t)layout->slots * layout->slot;
}

/* Fits `layout` into `slots` slots of space (at least 1) when it needs
   more: smaller groups first, then fewer runners. */
static void use_slots(workspace_layout *layout, int64_t slots) {
  if (slots >= layout->slots)
    return;
  if (slots >= layout->runners)
    use_runners(layout, layout->runners, slots / layout->runners);
  else
    use_runners(layout, slots, 1);
}

/* Checks the batch and lays out its workspace for up to `threads` runners
   at a time, each with a group of up to chunk_group_limit() slots where the
   batch has that many chunks per runner. The table sizes are known to be
   small, only `batch` can make the arithmetic overflow. */
static int plan_workspace(const bitc_model *model, int batch, int64_t threads,
                          workspace_layout *layout) {
  if (batch < 1)
    return BITC_ERROR_BAD_BATCH;
  size_t floats;
  if (__builtin_mul_overflow((size_t)batch, (size_t)model->input_floats,
                             &floats) ||
      !float_bytes(floats))
    return BITC_ERROR_BATCH_TOO_LARGE;
  for (int64_t k = 0; k < model->num_outputs; ++k)
    if (__builtin_mul_overflow((size_t)batch, (size_t)model->outputs_floats[k],
                               &floats) ||
        !float_bytes(floats))
      return BITC_ERROR_BATCH_TOO_LARGE;
  const size_t chunk = (size_t)model->batch;
  const int partial = (size_t)batch % chunk != 0;
  layout->chunks = (int64_t)(((size_t)batch + chunk - 1) / chunk);
  layout->arena = round_up((size_t)model->workspace_bytes, 64);
  layout->in_bytes = chunk * (size_t)model->input_floats * sizeof(float);
  layout->in_scratch = layout->slot = layout->arena;
  if (partial)
    layout->slot += round_up(layout->in_bytes, 64);
  for (int64_t k = 0; k < model->num_outputs; ++k) {
    layout->out_bytes[k] =
        chunk * (size_t)model->outputs_floats[k] * sizeof(float);
    layout->out_scratch[k] = 0;
    if (partial || model->num_outputs > 1) {
      layout->out_scratch[k] = layout->slot;
      layout->slot += round_up(layout->out_bytes[k], 64);
    }
  }
  /* Never 0, so that 0 can mean "bad batch" to the caller. */
  if (layout->slot == 0)
    layout->slot = 64;
  const int64_t runners = threads < layout->chunks ? threads : layout->chunks;
  const int64_t group_limit = chunk_group_limit();
  int64_t group = layout->chunks / runners;
  if (group > group_limit)
    group = group_limit;
  while (group > 1 &&
         (size_t)(runners * group) * layout->slot >= BITC_MMAP_BYTES)
    --group;
  use_runners(layout, runners, group);
  /* Slots beyond what fits in the address space are never worth it. */
  const int64_t addressable = (int64_t)(PTRDIFF_MAX / layout->slot);
  use_slots(layout, addressable);
  return BITC_OK;
}

/* A per-call workspace, kept cheap without keeping state between calls
   (docs/performance.md, "Workspace"). In a VM a first-touch page fault
   costs ~15 us, ~30 ms of CPU for the 7 MB of an R50x1 224 call:
   - below glibc's largest dynamic mmap threshold (32 MB), plain malloc
     (aligned by hand, not aligned_alloc, whose memalign path splits the
     block and handed pages back every call): once a block that size has
     been freed, glibc serves it from the heap and keeps the pages, so from
     the third call on there are no page faults;
   - larger blocks glibc would mmap and unmap every call: map them here with
     transparent huge pages, 512 times fewer faults (BITC_MMAP_BYTES). */

typedef struct workspace_block {
  void *block;
  size_t mapped; /* bytes mmapped, 0 = malloc */
  uint8_t *workspace;
} workspace_block;

/* glibc maps every malloc above its mmap threshold and hands the pages back
   on free, so a block of that size faults in again on every call. The
   threshold starts at 128 KB and rises (with the trim threshold, to twice
   that) to the size of the largest mapped block freed, up to 32 MB: a
   malloc'ed workspace raises it on the first call, and the kernels' own
   per-task buffers (Halide's, up to a few MB) then stay in the heap. A
   mapped workspace, or the caller's, leaves it at 128 KB: a `--batch 8`
   R50x1 object faulted up to 40 MB of those buffers in on every call (2x
   slower). Freeing one untouched block first gives every call the state of
   the malloc'ed workspace (other C libraries: a harmless malloc and free). */
static void raise_malloc_thresholds(void) {
  static int raised;
  /* A plain load first: every forward call passes here. */
  if (__atomic_load_n(&raised, __ATOMIC_RELAXED) ||
      __atomic_exchange_n(&raised, 1, __ATOMIC_RELAXED))
    return;
  /* volatile: the compiler would drop an unused malloc and free. */
  void *volatile block = malloc((size_t)16 << 20);
  free(block);
}

static int workspace_allocate(workspace_block *b, size_t bytes) {
  b->mapped = 0;
  if (bytes >= BITC_MMAP_BYTES) {
    /* 2 MB more, so that the workspace can start on a 2 MB boundary: mmap
       returns 4 KB-aligned addresses, and the kernel gives huge pages only
       to the aligned 2 MB ranges inside (else ~500 4 KB faults per call at
       either end). */
    const size_t huge = (size_t)2 << 20;
    void *map = mmap(NULL, bytes + huge, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map != MAP_FAILED) {
      uint8_t *start = (uint8_t *)round_up((uintptr_t)map, huge);
#ifdef MADV_HUGEPAGE
      madvise(map, bytes + huge, MADV_HUGEPAGE); /* a hint */
#endif
      b->block = map;
      b->mapped = bytes + huge;
      b->workspace = start;
      return 1;
    }
  }
  b->block = malloc(bytes + BITC_WORKSPACE_ALIGNMENT);
  if (!b->block)
    return 0;
  uintptr_t address = (uintptr_t)b->block;
  b->workspace = (uint8_t *)b->block + (BITC_WORKSPACE_ALIGNMENT -
                                        address % BITC_WORKSPACE_ALIGNMENT) %
                                           BITC_WORKSPACE_ALIGNMENT;
  return 1;
}

static void workspace_free(workspace_block *b) {
  if (b->mapped)
    munmap(b->block, b->mapped);
  else
    free(b->block);
}

/* The batch's pixels and outputs must not run past the end of the address
   space (the pointer arithmetic below would wrap). */
static int arrays_fit(const bitc_model *model, const float *pixels, int batch,
                      float *const *outputs) {
  size_t in = (size_t)batch * (size_t)model->input_floats * sizeof(float);
  if ((uintptr_t)pixels > UINTPTR_MAX - in)
    return 0;
  for (int64_t k = 0; k < model->num_outputs; ++k) {
    size_t out =
        (size_t)batch * (size_t)model->outputs_floats[k] * sizeof(float);
    if (outputs[k] && (uintptr_t)outputs[k] > UINTPTR_MAX - out)
      return 0;
  }
  return 1;
}

/* Runs step `s` on one chunk of `model->batch` images. */
static int run_step(const bitc_model *model, int64_t s, uint8_t *arena,
                    const float *input, float *const *outputs) {
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
    default: /* BITC_SOURCE_OUTPUT + k */
      base = (uint8_t *)outputs[arg->source - BITC_SOURCE_OUTPUT];
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
  int64_t start = model->profile ? bitc_profile_now_ns() : 0;
  int64_t waited = model->profile ? halide_bitc_loop_wait_ns() : 0;
  if (step->fn(argv) != 0)
    return BITC_ERROR_KERNEL_FAILED;
  if (model->profile) {
    __atomic_fetch_add(&model->profile->ns[s], bitc_profile_now_ns() - start,
                       __ATOMIC_RELAXED);
    /* Other forward calls running at the same time add theirs too. */
    __atomic_fetch_add(&model->profile->wait_ns[s],
                       halide_bitc_loop_wait_ns() - waited, __ATOMIC_RELAXED);
  }
  return BITC_OK;
}

/* An image with a NaN pixel gets NaN outputs, as in PyTorch, where every op
   of the network propagates NaN. The kernels' max pool and ReLU use the
   CPU's max instructions, which return the other operand when one is NaN,
   so a NaN can vanish on the way (found by fuzz/FuzzModelApi.cpp). The scan
   costs one read of the input per call. */
static void propagate_nan(const bitc_model *model, const float *in,
                          float *const *outputs, int64_t count) {
  for (int64_t image = 0; image < count; ++image) {
    const float *pixels = in + image * model->input_floats;
    int nan = 0;
    for (int64_t i = 0; i < model->input_floats; ++i)
      nan |= pixels[i] != pixels[i];
    for (int64_t k = 0; nan && k < model->num_outputs; ++k)
      for (int64_t i = 0; i < model->outputs_floats[k]; ++i)
        outputs[k][image * model->outputs_floats[k] + i] = __builtin_nanf("");
  }
}

/* One forward call's chunks, handed out to the slots that run them. */
typedef struct chunk_queue {
  const bitc_model *model;
  const float *pixels;
  int64_t batch;
  float *const *outputs;
  uint8_t *workspace;
  const workspace_layout *layout;
  int64_t next_chunk; /* the next chunk not yet taken (atomic) */
  int running_slots;  /* runners not yet out of chunks (atomic) */
  int status;         /* the first failure (atomic) */
} chunk_queue;

/* One chunk of a runner's group: where its images come from and its
   outputs go. */
typedef struct chunk_run {
  uint8_t *slot;
  int64_t start, count; /* first image, images (count < chunk: the last) */
  const float *in;
  float *outputs[BITC_MAX_OUTPUTS];
} chunk_run;

/* Sets up the chunk of images from `start` in `slot`. Outputs whose pointer
   is NULL are written to the slot's scratch and dropped. */
static void begin_chunk(const chunk_queue *queue, uint8_t *slot, int64_t start,
                        chunk_run *run) {
  const bitc_model *model = queue->model;
  const workspace_layout *layout = queue->layout;
  float *const *outputs = queue->outputs;
  const int64_t chunk = model->batch;
  run->slot = slot;
  run->start = start;
  run->count = queue->batch - start < chunk ? queue->batch - start : chunk;
  run->in = queue->pixels + start * model->input_floats;
  for (int64_t k = 0; k < model->num_outputs; ++k)
    run->outputs[k] = outputs[k] && run->count == chunk
                          ? outputs[k] + start * model->outputs_floats[k]
                          : (float *)(slot + layout->out_scratch[k]);
  if (run->count < chunk) {
    float *in_scratch = (float *)(slot + layout->in_scratch);
    memset(in_scratch, 0, layout->in_bytes);
    memcpy(in_scratch, run->in,
           (size_t)(run->count * model->input_floats) * sizeof(float));
    run->in = in_scratch;
  }
}

/* NaN outputs for NaN images, and a partial chunk's outputs copied out. */
static void end_chunk(const chunk_queue *queue, const chunk_run *run) {
  const bitc_model *model = queue->model;
  float *const *outputs = queue->outputs;
  propagate_nan(model, run->in, run->outputs, run->count);
  for (int64_t k = 0; k < model->num_outputs; ++k)
    if (outputs[k] && run->count < model->batch)
      memcpy(outputs[k] + run->start * model->outputs_floats[k],
             run->outputs[k],
             (size_t)(run->count * model->outputs_floats[k]) * sizeof(float));
}

/* `chunks` chunks from image `start` through the network together, in the
   group of slots at `slots`: each step runs on every chunk in turn, so the
   step's weights come from memory once for the group. Each chunk's kernel
   calls are the ones it would get alone: the same results. */
static int run_group(const chunk_queue *queue, uint8_t *slots, int64_t start,
                     int64_t chunks) {
  const bitc_model *model = queue->model;
  chunk_run runs[BITC_MAX_GROUP];
  for (int64_t g = 0; g < chunks; ++g)
    begin_chunk(queue, slots + (size_t)g * queue->layout->slot,
                start + g * model->batch, &runs[g]);
  for (int64_t s = 0; s < model->num_steps; ++s)
    for (int64_t g = 0; g < chunks; ++g) {
      int status =
          run_step(model, s, runs[g].slot, runs[g].in, runs[g].outputs);
      if (status != BITC_OK)
        return status;
    }
  for (int64_t g = 0; g < chunks; ++g)
    end_chunk(queue, &runs[g]);
  return BITC_OK;
}

/* A Halide task: runner `runner` takes groups of chunks until none are
   left (or one failed). Failures go to the queue's status, so Halide sees
   none. */
static int run_runner(void *user_context, int runner, uint8_t *closure) {
  (void)user_context;
  chunk_queue *queue = (chunk_queue *)closure;
  const workspace_layout *layout = queue->layout;
  uint8_t *slots =
      queue->workspace + (size_t)runner * (size_t)layout->group * layout->slot;
  const int *outer = halide_bitc_enter_slot(&queue->running_slots);
  while (__atomic_load_n(&queue->status, __ATOMIC_RELAXED) == BITC_OK) {
    int64_t chunk =
        __atomic_fetch_add(&queue->next_chunk, layout->group, __ATOMIC_RELAXED);
    if (chunk >= layout->chunks)
      break;
    int64_t chunks = layout->chunks - chunk < layout->group
                         ? layout->chunks - chunk
                         : layout->group;
    int status = run_group(queue, slots, chunk * queue->model->batch, chunks);
    if (status != BITC_OK) {
      int ok = BITC_OK;
      __atomic_compare_exchange_n(&queue->status, &ok, status, 0,
                                  __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
  }
  __atomic_fetch_sub(&queue->running_slots, 1, __ATOMIC_RELAXED);
  halide_bitc_enter_slot(outer);
  return 0;
}

/* Every chunk of `model->batch` images through the steps, in `workspace`
   laid out as `layout`; the arguments are checked. With several runners, as
   many groups of chunks run at once, each a Halide task whose kernels'
   parallel loops nest inside it: on a batch, whole images per thread scale
   better than one image's kernels split across threads (docs/performance.md,
   "Images in parallel"), and a thread whose chunks are done helps the
   others' loops. Each image's arithmetic is the same either way:
   bit-identical outputs. */
static int run_forward(const bitc_model *model, const float *pixels, int batch,
                       float *const *outputs, uint8_t *workspace,
                       const workspace_layout *layout) {
  const int64_t profile_start = model->profile ? bitc_profile_now_ns() : 0;
  raise_malloc_thresholds();
  chunk_queue queue = {.model = model,
                       .pixels = pixels,
                       .batch = batch,
                       .outputs = outputs,
                       .workspace = workspace,
                       .layout = layout,
                       .next_chunk = 0,
                       .running_slots = (int)layout->runners,
                       .status = BITC_OK};
  halide_bitc_set_loop_threads((int)pool_threads());
  if (layout->runners > 1)
    halide_do_par_for(NULL, run_runner, 0, (int)layout->runners,
                      (uint8_t *)&queue);
  else
    run_runner(NULL, 0, (uint8_t *)&queue);
  if (model->profile && queue.status == BITC_OK)
    bitc_profile_forward_done(
        model, batch, bitc_profile_now_ns() - profile_start, pool_threads());
  return queue.status;
}

/* The checks every forward entry point makes, in the order of the codes the
   header documents (NULL, batch, arrays), and the workspace layout. The
   first `required` outputs must not be NULL. */
static int prepare_forward(const bitc_model *model, const float *pixels,
                           int batch, float *const *outputs, int64_t required,
                           workspace_layout *layout) {
  if (!pixels || !outputs)
    return BITC_ERROR_NULL_ARGUMENT;
  for (int64_t k = 0; k < required; ++k)
    if (!outputs[k])
      return BITC_ERROR_NULL_ARGUMENT;
  int status = plan_workspace(model, batch, pool_threads(), layout);
  if (status != BITC_OK)
    return status;
  if (!arrays_fit(model, pixels, batch, outputs))
    return BITC_ERROR_BATCH_TOO_LARGE;
  return BITC_OK;
}

/* A forward in the caller's workspace. */
static int forward_in(const bitc_model *model, const float *pixels, int batch,
                      float *const *outputs, int64_t required, void *workspace,
                      size_t workspace_size) {
  if (!workspace)
    return BITC_ERROR_NULL_ARGUMENT;
  workspace_layout layout;
  int status =
      prepare_forward(model, pixels, batch, outputs, required, &layout);
  if (status != BITC_OK)
    return status;
  if ((uintptr_t)workspace % BITC_WORKSPACE_ALIGNMENT != 0)
    return BITC_ERROR_WORKSPACE_MISALIGNED;
  /* A workspace for fewer chunks at a time than there are threads runs
     fewer at a time; one chunk's slot is the least that works. */
  if (workspace_size < layout.slot)
    return BITC_ERROR_WORKSPACE_TOO_SMALL;
  if (workspace_size < layout.total)
    use_slots(&layout, (int64_t)(workspace_size / layout.slot));
  return run_forward(model, pixels, batch, outputs, (uint8_t *)workspace,
                     &layout);
}

/* A forward in a workspace allocated and freed here: no state survives the
   call (docs/performance.md, "Workspace": what that costs, and the
   _with_workspace entry points for callers who keep one). */
static int forward_allocating(const bitc_model *model, const float *pixels,
                              int batch, float *const *outputs,
                              int64_t required) {
  workspace_layout layout;
  int status =
      prepare_forward(model, pixels, batch, outputs, required, &layout);
  if (status != BITC_OK)
    return status;
  workspace_block block;
  if (!workspace_allocate(&block, layout.total)) {
    if (layout.slots == 1)
      return BITC_ERROR_OUT_OF_MEMORY;
    /* Short of memory for the slots: one chunk at a time. */
    use_slots(&layout, 1);
    if (!workspace_allocate(&block, layout.total))
      return BITC_ERROR_OUT_OF_MEMORY;
  }
  status = run_forward(model, pixels, batch, outputs, block.workspace, &layout);
  workspace_free(&block);
  return status;
}

/* Output 0 at `first`, the others dropped (NULL). */
static void first_output_only(const bitc_model *model, float *first,
                              float **outputs) {
  outputs[0] = first;
  for (int64_t k = 1; k < model->num_outputs; ++k)
    outputs[k] = NULL;
}

size_t bitc_model_workspace_size(const bitc_model *model, int batch) {
  workspace_layout layout;
  return plan_workspace(model, batch, pool_threads(), &layout) == BITC_OK
             ? layout.total
             : 0;
}

int bitc_model_forward_with_workspace(const bitc_model *model,
                                      const float *pixels, int batch,
                                      float *logits, void *workspace,
                                      size_t workspace_size) {
  float *outputs[BITC_MAX_OUTPUTS];
  first_output_only(model, logits, outputs);
  return forward_in(model, pixels, batch, outputs, 1, workspace,
                    workspace_size);
}

int bitc_model_forward(const bitc_model *model, const float *pixels, int batch,
                       float *logits) {
  float *outputs[BITC_MAX_OUTPUTS];
  first_output_only(model, logits, outputs);
  return forward_allocating(model, pixels, batch, outputs, 1);
}

int bitc_model_forward_outputs_with_workspace(const bitc_model *model,
                                              const float *pixels, int batch,
                                              float *const *outputs,
                                              void *workspace,
                                              size_t workspace_size) {
  return forward_in(model, pixels, batch, outputs, model->num_outputs,
                    workspace, workspace_size);
}

int bitc_model_forward_outputs(const bitc_model *model, const float *pixels,
                               int batch, float *const *outputs) {
  return forward_allocating(model, pixels, batch, outputs, model->num_outputs);
}

int bitc_model_forward_some(const bitc_model *model, const float *pixels,
                            float *const *outputs) {
  return forward_allocating(model, pixels, 1, outputs, 0);
}

const char *bitc_model_output_name(const bitc_model *model, int index) {
  if (index < 0 || index >= model->num_outputs)
    return NULL;
  return model->output_names[index];
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
    return "out of memory (the workspace or preprocessing buffers)";
  case BITC_ERROR_KERNEL_FAILED:
    return "a kernel failed";
  case BITC_ERROR_BAD_IMAGE:
    return "image width and height must be at least 1";
  case BITC_ERROR_BAD_STRIDE:
    return "row_stride must be at least width times the bytes per pixel "
           "(3 for RGB8 and BGR8, 4 for RGBA8 and BGRA8, 1 for GRAY8)";
  case BITC_ERROR_PREPROCESS_SHAPE:
    return "preprocessor_config.json does not produce the model's input "
           "size (no center crop, or unsupported channels)";
  case BITC_ERROR_BATCH_TOO_LARGE:
    return "batch is too large: its pixels or outputs do not fit in the "
           "address space";
  case BITC_ERROR_IMAGE_TOO_LARGE:
    return "image width and height must be at most 32768, and row_stride * "
           "height bytes must fit in the address space";
  case BITC_ERROR_WORKSPACE_TOO_SMALL:
    return "workspace_size is smaller than _workspace_size(batch)";
  case BITC_ERROR_WORKSPACE_MISALIGNED:
    return "the workspace must be 64-byte aligned";
  default:
    return "unknown error code";
  }
}

void bitc_set_num_threads(int threads) {
  threads = threads < 1 ? 1 : threads > 256 ? 256 : threads;
  __atomic_store_n(&requested_threads, threads, __ATOMIC_RELAXED);
  halide_set_num_threads(threads);
}
