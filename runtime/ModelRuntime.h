/*===- ModelRuntime.h - Tables a generated object hands the runtime -*- C -*-===
 *
 * bitc emits these tables with LLVM (codegen/EntryPoint.cpp) and links
 * ModelRuntime.c (as bitcode) into every object; the runtime walks them.
 * Every field is 8 bytes wide so the LLVM-side layout is a plain struct of
 * i64 and ptr with no padding to get wrong. This header is the one
 * description of the tables: codegen places every field it emits at the
 * member's offsetof (codegen/RuntimeAbi.h).
 *
 *===----------------------------------------------------------------------===*/

#ifndef BITC_RUNTIME_MODELRUNTIME_H
#define BITC_RUNTIME_MODELRUNTIME_H

#include "Preprocess.h"
#include <stddef.h>
#include <stdint.h>

#define BITC_MAX_DIMS 5
#define BITC_MAX_ARGS 8

/* Where a kernel argument's data lives. */
enum bitc_source {
  BITC_SOURCE_ARENA = 0,   /* offset into the per-call workspace */
  BITC_SOURCE_WEIGHTS = 1, /* offset into the constant weight blob */
  BITC_SOURCE_INPUT = 2,   /* the chunk of user pixels being processed */
  BITC_SOURCE_OUTPUT = 3   /* the chunk of output 0 being written; output k
                              is BITC_SOURCE_OUTPUT + k */
};

/* Outputs a model may return (bitc compile --outputs). */
#define BITC_MAX_OUTPUTS 64

/* One halide_buffer_t argument of a kernel (dense float32, min 0). */
typedef struct bitc_arg {
  int64_t source;
  int64_t offset; /* bytes */
  int64_t dims;
  int64_t extent[BITC_MAX_DIMS];
  int64_t stride[BITC_MAX_DIMS]; /* elements */
} bitc_arg;

/* One kernel call: the Halide pipeline's argv entry and its arguments. */
typedef struct bitc_step {
  int (*fn)(void **);
  int64_t first_arg;
  int64_t num_args;
} bitc_step;

/* bitc compile --profile: what the runtime needs to time every step and print
   a table (ModelRuntime.c, "Profiling"). `ns` and `totals` are the only
   mutable data of a model, and exist only in --profile objects; they are
   updated atomically. */
typedef struct bitc_profile {
  const char *model_name;
  const char *const *kernel_kinds; /* per kernel, e.g. "conv 3x3/1 64->64" */
  int64_t num_kernels;
  const int64_t *step_kernel; /* per step: index into kernel_kinds */
  const char *const *origins; /* per step: the op's location */
  int64_t *ns;                /* per step: nanoseconds since the last table */
  int64_t *totals;  /* since the last table: forward calls, wall ns, images */
  int64_t *wait_ns; /* per step: threads' ns idle at the ends of its loops */
} bitc_profile;

typedef struct bitc_model {
  const bitc_step *steps;
  int64_t num_steps;
  const bitc_arg *args;
  const uint8_t *weights;
  int64_t workspace_bytes;
  int64_t batch;         /* images per kernel call (the compiled batch) */
  int64_t input_floats;  /* per image: C * H * W */
  int64_t output_floats; /* per image: floats of output 0 */
  const char *const *labels;
  int64_t num_labels;
  const bitc_preprocess *preprocess; /* preprocessor_config.json */
  const bitc_profile *profile;       /* NULL unless compiled with --profile */
  int64_t num_outputs;               /* 1..BITC_MAX_OUTPUTS */
  const int64_t *outputs_floats;     /* per output: floats per image */
  const char *const *output_names;   /* per output: "logits", "stage1", ... */
  int64_t embedding_output;          /* index of pooler_output, or -1 */
} bitc_model;

/* Error codes shared by every generated API: the header's <NAME>_ERROR_*
   macros are printed from this enum (codegen/RuntimeAbi.h lists each code
   with its one-line meaning; a code added here without it fails the build). */
enum bitc_status {
  BITC_OK = 0,
  BITC_ERROR_NULL_ARGUMENT = -1,
  BITC_ERROR_BAD_BATCH = -2,
  BITC_ERROR_OUT_OF_MEMORY = -3,
  BITC_ERROR_KERNEL_FAILED = -4,
  BITC_ERROR_BAD_IMAGE = -5,
  BITC_ERROR_BAD_STRIDE = -6,
  BITC_ERROR_PREPROCESS_SHAPE = -7,
  BITC_ERROR_BATCH_TOO_LARGE = -8,
  BITC_ERROR_IMAGE_TOO_LARGE = -9,
  BITC_ERROR_WORKSPACE_TOO_SMALL = -10,
  BITC_ERROR_WORKSPACE_MISALIGNED = -11,
  BITC_ERROR_LAST = BITC_ERROR_WORKSPACE_MISALIGNED /* a new code goes above
                                                       and becomes the last */
};

/* Caller-owned workspaces start at a multiple of this many bytes. */
#define BITC_WORKSPACE_ALIGNMENT 64

int bitc_model_forward(const bitc_model *model, const float *pixels, int batch,
                       float *logits);
/* Bytes of workspace bitc_model_forward_with_workspace needs for `batch`
   images, a group of slots per pool thread (workspace_layout in
   ModelRuntime.c); 0 when batch < 1 or the batch is too large to address. */
size_t bitc_model_workspace_size(const bitc_model *model, int batch);
int bitc_model_forward_with_workspace(const bitc_model *model,
                                      const float *pixels, int batch,
                                      float *logits, void *workspace,
                                      size_t workspace_size);
/* Every output: outputs[k] receives [batch][outputs_floats[k]] floats. */
int bitc_model_forward_outputs(const bitc_model *model, const float *pixels,
                               int batch, float *const *outputs);
int bitc_model_forward_outputs_with_workspace(const bitc_model *model,
                                              const float *pixels, int batch,
                                              float *const *outputs,
                                              void *workspace,
                                              size_t workspace_size);
/* Runs every output, writing those whose outputs[k] is not NULL (the
   others go to scratch in the workspace); the arguments are not checked
   beyond that. For entry points that want one output of one image. */
int bitc_model_forward_some(const bitc_model *model, const float *pixels,
                            float *const *outputs);
const char *bitc_model_output_name(const bitc_model *model, int index);
const char *bitc_model_label(const bitc_model *model, int index);
const char *bitc_error_string(int code);
void bitc_set_num_threads(int threads);
/* SlotLoops.c: makes `running` (the number of a batch's slots not yet out
   of chunks) this thread's slot counter, or none (NULL); returns the
   previous one. While it is 2 or more, kernels' loops run serially. */
const int *halide_bitc_enter_slot(const int *running);
/* SlotLoops.c: the pool's thread count, which kernels' loops are cut into
   that many contiguous shares for (one per thread, the same in every loop). */
void halide_bitc_set_loop_threads(int threads);
/* SlotLoops.c, for --profile objects: from the first call on, every loop
   shared by 2 or more threads adds to a running total (returned) the time
   its threads sat idle at its end, each from finishing its own part until
   the last finished. */
int64_t halide_bitc_loop_wait_ns(void);
/* Preprocess.c: model->preprocess applied to one 8-bit image in `format`
   (enum bitc_pixel_format), then (classify) one forward pass; the _rgb8
   forms take BITC_PIXELS_RGB8. */
int bitc_model_preprocess(const bitc_model *model, int format,
                          const uint8_t *data, int width, int height,
                          int row_stride, float *pixels);
int bitc_model_classify(const bitc_model *model, int format,
                        const uint8_t *data, int width, int height,
                        int row_stride, float *logits);
int bitc_model_preprocess_rgb8(const bitc_model *model, const uint8_t *rgb,
                               int width, int height, int row_stride,
                               float *pixels);
int bitc_model_classify_rgb8(const bitc_model *model, const uint8_t *rgb,
                             int width, int height, int row_stride,
                             float *logits);
/* Preprocessing, then pooler_output of that image into `embedding` (the
   model's output `embedding_output`, which must exist). */
int bitc_model_embed(const bitc_model *model, int format, const uint8_t *data,
                     int width, int height, int row_stride, float *embedding);
int bitc_model_embed_rgb8(const bitc_model *model, const uint8_t *rgb,
                          int width, int height, int row_stride,
                          float *embedding);

#endif /* BITC_RUNTIME_MODELRUNTIME_H */
