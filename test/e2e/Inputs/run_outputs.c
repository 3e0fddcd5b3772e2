/* Test driver for the multi-output API of a generated object: reads raw
 * float32 NCHW pixels, runs <MODEL>_forward_outputs on BATCH images and
 * writes every output, one after the other in --outputs order (each
 * [BATCH][<MODEL>_OUTPUT_..._SIZE] floats). Also checks, bit for bit, that
 * _forward writes output 0 and that _forward_outputs_with_workspace writes
 * the same, and the argument checks of the new entry points.
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h run_outputs.c name.o
 */
#include "driver_io.h"

#include <stdint.h>
#include <string.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BATCH input.f32 outputs.f32\n", argv[0]);
    return 2;
  }
  const int batch = atoi(argv[1]);
  const size_t sizes[] = MACRO(_OUTPUT_SIZES);
  enum { K = MACRO(_NUM_OUTPUTS) };
  size_t in_count = (size_t)batch * MACRO(_INPUT_CHANNELS) *
                    MACRO(_INPUT_HEIGHT) * MACRO(_INPUT_WIDTH);
  float *in = read_floats(argv[2], in_count);
  float *outs[K], *again[K];
  size_t total = 0;
  for (int k = 0; k < K; ++k) {
    outs[k] = (float *)calloc((size_t)batch * sizes[k], sizeof(float));
    again[k] = (float *)calloc((size_t)batch * sizes[k], sizeof(float));
    total += (size_t)batch * sizes[k];
    printf("output %d: %s, %zu floats per image\n", k, API(_output_name)(k),
           sizes[k]);
  }
  printf("output %d: %s\n", K, API(_output_name)(K) ? "bad" : "null");
  int rc = API(_forward_outputs)(in, batch, outs);
  if (rc != 0) {
    fprintf(stderr, "forward_outputs failed: %d (%s)\n", rc,
            API(_error_string)(rc));
    return 1;
  }
  float *all = (float *)malloc(total * sizeof(float) + 1);
  size_t at = 0;
  for (int k = 0; k < K; ++k) {
    memcpy(all + at, outs[k], (size_t)batch * sizes[k] * sizeof(float));
    at += (size_t)batch * sizes[k];
  }
  write_floats(argv[3], all, total);

  /* _forward: output 0, the same bits. */
  float *first = (float *)calloc((size_t)batch * sizes[0], sizeof(float));
  rc = API(_forward)(in, batch, first);
  int same = rc == 0 && memcmp(first, outs[0], (size_t)batch * sizes[0] *
                                                   sizeof(float)) == 0;
  printf("forward: %d, %s output 0\n", rc, same ? "equals" : "DIFFERS FROM");
  /* The caller's workspace: the same bits for every output. */
  size_t bytes = API(_workspace_size)(batch);
  void *workspace = NULL;
  if (posix_memalign(&workspace, MACRO(_WORKSPACE_ALIGNMENT), bytes))
    return 2;
  rc = API(_forward_outputs_with_workspace)(in, batch, again, workspace,
                                            bytes);
  same = rc == 0;
  for (int k = 0; k < K; ++k)
    same &= memcmp(again[k], outs[k],
                   (size_t)batch * sizes[k] * sizeof(float)) == 0;
  printf("forward_outputs_with_workspace: %d, %s\n", rc,
         same ? "every output equal" : "OUTPUTS DIFFER");
  /* Argument checks, in the order of the codes. */
  float *holes[K];
  memcpy(holes, outs, sizeof(holes));
  holes[K - 1] = NULL;
  printf("null outputs: %d\n", API(_forward_outputs)(in, batch, NULL));
  printf("null output %d: %d\n", K - 1,
         API(_forward_outputs)(in, batch, holes));
  printf("null pixels: %d\n", API(_forward_outputs)(NULL, batch, outs));
  printf("batch 0: %d\n", API(_forward_outputs)(in, 0, outs));
  /* A batch needs one slot, _workspace_size(1) bytes (more run chunks in
     parallel); one byte less is refused. */
  printf("small workspace: %d\n",
         API(_forward_outputs_with_workspace)(in, batch, outs, workspace,
                                              API(_workspace_size)(1) - 1));
  printf("misaligned workspace: %d\n",
         API(_forward_outputs_with_workspace)(
             in, batch, outs, (char *)workspace + 4, bytes - 4));
  free(workspace);
  return 0;
}
