//===- ConvSchedule.h - Schedule of the direct convolution ------*- C++ -*-===//
//
// buildConv in the style of Halide's apps/: defineConv (Conv.cpp) defines
// the Funcs of the algorithm, planConv chooses the loop structure for a spec
// and a target, scheduleConv applies it (ConvSchedule.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_CONVSCHEDULE_H
#define BITC_CODEGEN_KERNELS_CONVSCHEDULE_H

#include "codegen/kernels/Kernels.h"

#include <string>

namespace bitc::kernels::detail {

/// Loop structure chosen for one conv.
///
/// Direct mode: the output Func itself is register-tiled; one parallel loop
/// over (n, channel group, row band).
/// Banded mode (statistics fused): one parallel loop over (n, row band); per
/// band, the finished output of all channels is computed into a band buffer
/// (`final`), copied to the output, and its statistics are reduced from the
/// hot band (compute_with fuses the statistics loop with the band loop).
struct ConvPlan {
  ConvTile tile;
  int64_t blocks = 1;      // output channel blocks of tile.blockChannels()
  int64_t groupBlocks = 1; // blocks per parallel task (direct mode)
  int64_t bandRows = 1;    // output rows per parallel task
  bool banded = false;
  bool blocksOuter = false; // inside a task: channel blocks outside rows
  bool stage = false;
  bool stageOnOutputGrid = false; // 1x1 unpadded: stage only the pixels used
};

/// The loop structure of `spec` on `target`.
ConvPlan planConv(const ConvSpec &spec, const Halide::Target &target);

/// The Funcs and variables of a direct convolution (defineConv), for its
/// schedule. `core` is the register-tiled Func: the output itself (direct
/// mode) or the per-band buffer the output and the statistics read (banded
/// mode).
struct ConvFuncs {
  Halide::Var c, x, y, n;
  Halide::Func staged, acc, out, core;
  Halide::RDom r;
};

/// Schedules `funcs` as `plan` says; returns the output's parallel band loop
/// variable ("yb"), where fused statistics are computed.
Halide::Var scheduleConv(const ConvSpec &spec, const ConvPlan &plan,
                         const ConvFuncs &funcs);

/// The schedule in one line (KernelPipeline::scheduleNote).
std::string describeConvSchedule(const ConvPlan &plan);

} // namespace bitc::kernels::detail

#endif // BITC_CODEGEN_KERNELS_CONVSCHEDULE_H
