/* Minor page faults of steady-state calls in the caller's workspace:
 *
 *   page_faults BATCH
 *
 * Allocates and touches a workspace of _workspace_size(BATCH) bytes, makes
 * two calls of _forward_with_workspace on BATCH zero images, then counts the
 * process's minor page faults over three more and prints "faults per call:
 * N". Nothing a call needs is new after the first calls, so N stays near 0;
 * exits 1 when it is 100 or more (memory handed back to the system and
 * faulted in again on every call).
 * Build: cc -DMODEL=name -DMODEL_UPPER=NAME -include name.h page_faults.c
 *        name.o */
#include "driver_io.h"

#include <string.h>
#include <sys/resource.h>

#define API(fn) CAT(MODEL, fn)
#define MACRO(m) CAT(MODEL_UPPER, m)

static long minor_faults(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s BATCH\n", argv[0]);
    return 2;
  }
  int batch = atoi(argv[1]);
  size_t in_count = (size_t)batch * MACRO(_INPUT_CHANNELS) *
                    MACRO(_INPUT_HEIGHT) * MACRO(_INPUT_WIDTH);
  float *pixels = alloc_floats(in_count);
  float *logits = alloc_floats((size_t)batch * MACRO(_NUM_LABELS));
  memset(pixels, 0, in_count * sizeof(float));
  size_t size = API(_workspace_size)(batch);
  void *workspace = NULL;
  if (size == 0 || posix_memalign(&workspace, 64, size)) {
    fprintf(stderr, "no workspace for batch %d\n", batch);
    return 2;
  }
  memset(workspace, 0, size);
  enum { kWarm = 2, kCounted = 3 };
  long before = 0;
  for (int call = 0; call < kWarm + kCounted; ++call) {
    if (call == kWarm)
      before = minor_faults();
    int rc = API(_forward_with_workspace)(pixels, batch, logits, workspace,
                                          size);
    if (rc != 0) {
      fprintf(stderr, "forward failed: %d (%s)\n", rc,
              API(_error_string)(rc));
      return 1;
    }
  }
  long per_call = (minor_faults() - before) / kCounted;
  printf("faults per call: %ld\n", per_call);
  return per_call < 100 ? 0 : 1;
}
