//===- ConvStatistics.h - Group-norm partials of a conv's output -*- C++ -*-===//
//
// The `stats` output shared by the convolution builders (direct and
// Winograd): per tile of statsTileRows output rows, per group, the
// (count, mean, M2) of the finished output values.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_CONVSTATISTICS_H
#define BITC_CODEGEN_KERNELS_CONVSTATISTICS_H

#include "codegen/kernels/Kernels.h"

#include <string>

namespace bitc::kernels::detail {

/// Where the statistics reduction runs.
struct ConvStatsPlacement {
  /// Fused: one statistics iteration per band of `bandRows` output rows (a
  /// multiple of statsTileRows), computed with the loop `bandVar` of
  /// `bandFunc` (the output's parallel band loop, which must be named "yb"
  /// after splitting y), so the reduction reads the band while it is hot.
  /// Otherwise: a second parallel pass over the finished output.
  bool fusedPerBand = false;
  int64_t bandRows = 0;
  Halide::Func bandFunc;
  Halide::Var bandVar;
};

/// Defines and schedules the `stats` output (3, group, tile, n) of `spec`
/// (hasStats) from `values`(c, x, y, n), the final output values (for a fused
/// placement, the band buffer the output copies). Appends a description of
/// the schedule to `note`.
Halide::Func buildConvStatistics(const ConvSpec &spec, Halide::Func values,
                                 const ConvStatsPlacement &placement,
                                 int vectorWidth, std::string &note);

} // namespace bitc::kernels::detail

#endif // BITC_CODEGEN_KERNELS_CONVSTATISTICS_H
