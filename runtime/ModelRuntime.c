/*===- ModelRuntime.c - Runs a generated model's kernel table ---------------===
 *
 * Linked (as LLVM bitcode, every symbol made internal) into each object bitc
 * writes. It allocates the workspace per call, so concurrent calls never
 * share mutable state; the Halide thread pool is the only global.
 *
 *===----------------------------------------------------------------------===*/

#include "ModelRuntime.h"

#include <HalideRuntime.h>
#include <stdlib.h>
#include <string.h>

static size_t round_up(size_t bytes, size_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
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
    if (step->fn(argv) != 0)
      return BITC_ERROR_KERNEL_FAILED;
  }
  return BITC_OK;
}

int bitc_model_forward(const bitc_model *model, const float *pixels, int batch,
                       float *logits) {
  if (!pixels || !logits)
    return BITC_ERROR_NULL_ARGUMENT;
  if (batch < 1)
    return BITC_ERROR_BAD_BATCH;
  const int64_t chunk = model->batch;
  const size_t in_bytes = (size_t)(chunk * model->input_floats) * sizeof(float);
  const size_t out_bytes =
      (size_t)(chunk * model->output_floats) * sizeof(float);
  /* One allocation: the planned workspace, then room for a padded last chunk
     when the batch is not a multiple of the compiled batch. */
  const size_t arena_bytes = round_up((size_t)model->workspace_bytes, 64);
  const size_t total = arena_bytes + round_up(in_bytes, 64) +
                       round_up(out_bytes, 64);
  uint8_t *arena = (uint8_t *)aligned_alloc(64, round_up(total, 64));
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
  free(arena);
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
