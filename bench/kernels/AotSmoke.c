/*===- AotSmoke.c - Run AOT-compiled kernels from plain C -------------------===
 *
 * Links the NoRuntime kernel objects and one standalone Halide runtime into a
 * C program (as the generated model object will), fills halide_buffer_t by
 * hand (host, type, dimensions, dim[] = {min, extent, stride, flags}), runs
 * both kernels on 2 threads and compares with the JIT results.
 * usage: aot-smoke DIR
 *===----------------------------------------------------------------------===*/

#include <HalideRuntime.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int smoke_conv(struct halide_buffer_t *, struct halide_buffer_t *,
               struct halide_buffer_t *, struct halide_buffer_t *,
               struct halide_buffer_t *, struct halide_buffer_t *);
int smoke_linear(struct halide_buffer_t *, struct halide_buffer_t *,
                 struct halide_buffer_t *, struct halide_buffer_t *);

typedef struct {
  char file[256];
  halide_buffer_t buf;
  halide_dimension_t dims[8];
  float *ref; /* file contents */
  size_t count;
} Arg;

static int loadManifest(const char *dir, const char *name, Arg *args, int max) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *m = fopen(path, "r");
  if (!m)
    return -1;
  int n = 0, dims;
  while (n < max && fscanf(m, "%255s %d", args[n].file, &dims) == 2) {
    Arg *a = &args[n];
    memset(&a->buf, 0, sizeof a->buf);
    a->count = 1;
    int stride = 1;
    for (int i = 0; i < dims; ++i) {
      int e;
      if (fscanf(m, "%d", &e) != 1)
        return -1;
      a->dims[i].min = 0;
      a->dims[i].extent = e;
      a->dims[i].stride = stride;
      a->dims[i].flags = 0;
      stride *= e;
      a->count *= (size_t)e;
    }
    a->buf.type.code = halide_type_float;
    a->buf.type.bits = 32;
    a->buf.type.lanes = 1;
    a->buf.dimensions = dims;
    a->buf.dim = a->dims;
    a->ref = malloc(a->count * sizeof(float));
    snprintf(path, sizeof path, "%s/%s", dir, a->file);
    FILE *f = fopen(path, "rb");
    if (!f || fread(a->ref, sizeof(float), a->count, f) != a->count)
      return -1;
    fclose(f);
    a->buf.host = (uint8_t *)a->ref;
    ++n;
  }
  fclose(m);
  return n;
}

/* Outputs get fresh storage; returns max |diff| against the reference. */
static double compareOutput(Arg *a) {
  const float *got = (const float *)a->buf.host;
  double worst = 0;
  for (size_t i = 0; i < a->count; ++i) {
    double d = fabs((double)got[i] - (double)a->ref[i]);
    if (!(d <= worst))
      worst = d;
  }
  return worst;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: aot-smoke DIR\n");
    return 2;
  }
  halide_set_num_threads(2);
  Arg conv[6], lin[4];
  if (loadManifest(argv[1], "conv.manifest", conv, 6) != 6 ||
      loadManifest(argv[1], "linear.manifest", lin, 4) != 4) {
    fprintf(stderr, "cannot read the manifests in %s\n", argv[1]);
    return 2;
  }
  for (int i = 4; i < 6; ++i)
    conv[i].buf.host = (uint8_t *)calloc(conv[i].count, sizeof(float));
  lin[3].buf.host = (uint8_t *)calloc(lin[3].count, sizeof(float));
  int rc = smoke_conv(&conv[0].buf, &conv[1].buf, &conv[2].buf, &conv[3].buf,
                      &conv[4].buf, &conv[5].buf);
  int rc2 = smoke_linear(&lin[0].buf, &lin[1].buf, &lin[2].buf, &lin[3].buf);
  double dOut = compareOutput(&conv[4]), dStats = compareOutput(&conv[5]);
  double dLin = compareOutput(&lin[3]);
  printf("conv rc %d: output max|diff| %g, stats max|diff| %g; linear rc %d: max|diff| %g\n",
         rc, dOut, dStats, rc2, dLin);
  /* Same code, same inputs: AOT and JIT must agree to rounding noise. */
  int ok = rc == 0 && rc2 == 0 && dOut <= 1e-5 && dStats <= 1e-3 && dLin <= 1e-5;
  printf("%s\n", ok ? "aot-smoke: ok" : "aot-smoke: FAIL");
  return ok ? 0 : 1;
}
