//===- KernelPlanner.h - bit ops to Halide kernel calls ---------*- C++ -*-===//

#ifndef BITC_CODEGEN_KERNELPLANNER_H
#define BITC_CODEGEN_KERNELPLANNER_H

#include "codegen/KernelKey.h"
#include "codegen/ModelPlan.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"
#include <optional>

namespace bitc {

/// A distinct kernel still to be built (buildKernel) and compiled.
struct KernelJob {
  std::string symbol;
  KernelKey key;
};

/// Which stride-1 3x3 convolutions run as Winograd kernels: none, every
/// eligible one, or those kernels::chooseWinogradTile expects to be faster.
enum class WinogradPolicy { Off, On, Auto };
/// "off", "on" or "auto".
std::optional<WinogradPolicy> parseWinogradPolicy(llvm::StringRef text);

/// Maps every op of a fully lowered `forward` (after the default pipeline,
/// including bit-plan-memory) to a kernel call; deduplicates kernels by kind,
/// shapes and options; packs weights into the layouts the kernels read.
/// Kernel symbols are `<prefix>_k<N>`.
///
/// Consumes the weights: each resource-backed weight is released
/// (releaseWeightData) once its last kernel call is planned, so the model is
/// never in memory both as MLIR resources and packed. Afterwards the module
/// cannot be planned, interpreted or printed with its weights again (reading
/// one is a diagnostic naming it); the packed copy is ModelPlan::weights.
llvm::Expected<ModelPlan> planKernels(mlir::func::FuncOp func,
                                      const Halide::Target &target,
                                      const std::string &prefix,
                                      std::vector<KernelJob> &jobs,
                                      WinogradPolicy winograd);

} // namespace bitc

#endif // BITC_CODEGEN_KERNELPLANNER_H
