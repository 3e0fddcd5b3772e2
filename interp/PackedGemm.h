//===- PackedGemm.h - Double-precision matrix product for convolutions -*- C++ -*-===//
//
// The interpreter's convolutions are matrix products out[o][p] = sum_k
// a[o][k] * b[k][p] (a: the weights, b: the input patches). Both operands are
// packed into panels so the inner loop reads contiguous memory and keeps a
// block of outputs in registers: the plain loop (one output plane per output
// channel, updated once per weight) was bound by loads and made int8
// calibration take seconds per image. Sums stay in double.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_INTERP_PACKEDGEMM_H
#define BITC_INTERP_PACKEDGEMM_H

#include <cstdint>
#include <vector>

namespace bitc::detail {

/// Rows of the left operand per panel, columns of the right one.
constexpr int64_t kPanelRows = 6;
constexpr int64_t kPanelCols = 8;

/// `rows` x `depth` values, row-major, regrouped as panels of kPanelRows rows
/// stored depth-major ([panel][k][row]); missing rows of the last panel are 0.
struct PackedRows {
  int64_t rows = 0, depth = 0;
  std::vector<double> data;
  PackedRows(const double *values, int64_t rows, int64_t depth);
};

/// `depth` x `cols` values as panels of kPanelCols columns stored depth-major
/// ([panel][k][col]); missing columns of the last panel are 0. Filled by the
/// caller through `at` after `reset`.
struct PackedCols {
  int64_t depth = 0, cols = 0;
  std::vector<double> data;
  void reset(int64_t depth, int64_t cols);
  double &at(int64_t k, int64_t col) {
    return data[((col / kPanelCols) * depth + k) * kPanelCols +
                col % kPanelCols];
  }
};

/// out[o][p] = sum_k a[o][k] * b[k][p] for o < a.rows and p < b.cols, where
/// out[o][p] is `out[o * outStride + p]`; parallel over row panels. Callers
/// pack a block of columns at a time (a few hundred KB) so it stays in cache
/// while every row panel passes over it.
void multiplyPacked(const PackedRows &a, const PackedCols &b, double *out,
                    int64_t outStride);

} // namespace bitc::detail

#endif // BITC_INTERP_PACKEDGEMM_H
