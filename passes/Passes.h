//===- Passes.h - Passes of the bit dialect ---------------------*- C++ -*-===//

#ifndef BITC_PASSES_PASSES_H
#define BITC_PASSES_PASSES_H

#include "ir/BitDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::bit {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Switches of the default pipeline; every fusion can be turned off so the
/// fused graph can be checked against the unfused one.
struct PipelineOptions {
  bool foldWeightStandardization = true;
  bool fuseGroupNorm = true;
  bool fuseResidual = true;
  bool tileGroupNorm = true;
  bool planMemory = true;
  int64_t statsTilePixels = 1024;
};

/// The default pipeline of `bitc compile`, in one place:
/// fold-weight-standardization, fuse-group-norm, fuse-residual,
/// tile-group-norm, plan-memory.
void buildDefaultPipeline(OpPassManager &pm, const PipelineOptions &options);

/// Registers the passes and a `bit-default-pipeline` pipeline with bitc-opt.
void registerBitPipelines();

} // namespace mlir::bit

#endif // BITC_PASSES_PASSES_H
