//===- Pipeline.cpp - The default pass pipeline of bitc -------------------===//

#include "mlir/Pass/PassRegistry.h"
#include "passes/Passes.h"

using namespace mlir;
using namespace mlir::bit;

void mlir::bit::buildDefaultPipeline(OpPassManager &pm,
                                     const PipelineOptions &options) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  if (options.foldWeightStandardization)
    fpm.addPass(createBitFoldWeightStandardization());
  if (options.fuseGroupNorm)
    fpm.addPass(createBitFuseGroupNorm());
  // Residuals first: the statistics of a block output must include the add.
  if (options.fuseResidual)
    fpm.addPass(createBitFuseResidual());
  if (options.fuseGroupNorm && options.tileGroupNorm) {
    BitTileGroupNormOptions tileOptions;
    tileOptions.tilePixels = options.statsTilePixels;
    fpm.addPass(createBitTileGroupNorm(tileOptions));
  }
  if (options.planMemory)
    fpm.addPass(createBitPlanMemory());
}

void mlir::bit::registerBitPipelines() {
  registerBitPasses();
  PassPipelineRegistration<>(
      "bit-default-pipeline", "the default pipeline of bitc compile",
      [](OpPassManager &pm) { buildDefaultPipeline(pm, PipelineOptions()); });
}
