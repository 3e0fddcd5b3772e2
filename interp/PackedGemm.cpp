//===- PackedGemm.cpp - Double-precision matrix product for convolutions --===//

#include "interp/PackedGemm.h"

#include "llvm/Support/Parallel.h"

#include <algorithm>
#include <cstring>

namespace bitc::detail {
namespace {

// One panel column block as a GCC/Clang vector: the compiler maps it to one
// AVX-512 register, two AVX2 ones or four SSE2 ones.
typedef double ColumnVector
    __attribute__((vector_size(kPanelCols * sizeof(double))));

// The host build targets baseline x86-64 (SSE2); the product is compiled a
// second and third time for AVX2 + FMA and AVX-512 machines, picked at load
// time.
#if defined(__x86_64__) && defined(__linux__)
#define BITC_HOST_CLONES                                                       \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BITC_HOST_CLONES
#endif

/// acc[r][c] = sum_k a[k][r] * b[k][c] for one row panel and one column
/// panel, both depth-major.
BITC_HOST_CLONES
void panelProduct(const double *a, const double *b, int64_t depth,
                  double *acc) {
  ColumnVector s0 = {}, s1 = {}, s2 = {}, s3 = {}, s4 = {}, s5 = {};
  static_assert(kPanelRows == 6, "one accumulator per panel row");
  for (int64_t k = 0; k < depth; ++k) {
    ColumnVector x;
    std::memcpy(&x, b + k * kPanelCols, sizeof x);
    const double *w = a + k * kPanelRows;
    s0 += w[0] * x;
    s1 += w[1] * x;
    s2 += w[2] * x;
    s3 += w[3] * x;
    s4 += w[4] * x;
    s5 += w[5] * x;
  }
  const ColumnVector sums[kPanelRows] = {s0, s1, s2, s3, s4, s5};
  std::memcpy(acc, sums, sizeof sums);
}

int64_t panelsOf(int64_t n, int64_t width) { return (n + width - 1) / width; }

} // namespace

PackedRows::PackedRows(const double *values, int64_t rows, int64_t depth)
    : rows(rows), depth(depth),
      data(panelsOf(rows, kPanelRows) * depth * kPanelRows, 0.0) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < depth; ++k)
      data[((r / kPanelRows) * depth + k) * kPanelRows + r % kPanelRows] =
          values[r * depth + k];
}

void PackedCols::reset(int64_t newDepth, int64_t newCols) {
  depth = newDepth;
  cols = newCols;
  data.assign(panelsOf(cols, kPanelCols) * depth * kPanelCols, 0.0);
}

void multiplyPacked(const PackedRows &a, const PackedCols &b, double *out,
                    int64_t outStride) {
  const int64_t rowPanels = panelsOf(a.rows, kPanelRows);
  const int64_t colPanels = panelsOf(b.cols, kPanelCols);
  llvm::parallelFor(0, rowPanels, [&](size_t rp) {
    double acc[kPanelRows * kPanelCols];
    const double *panelA = a.data.data() + rp * a.depth * kPanelRows;
    const int64_t rowsHere =
        std::min(kPanelRows, a.rows - int64_t(rp) * kPanelRows);
    for (int64_t cp = 0; cp < colPanels; ++cp) {
      panelProduct(panelA, b.data.data() + cp * b.depth * kPanelCols, b.depth,
                   acc);
      const int64_t colsHere =
          std::min(kPanelCols, b.cols - cp * kPanelCols);
      for (int64_t r = 0; r < rowsHere; ++r)
        std::memcpy(out + (rp * kPanelRows + r) * outStride + cp * kPanelCols,
                    acc + r * kPanelCols, colsHere * sizeof(double));
    }
  });
}

} // namespace bitc::detail
