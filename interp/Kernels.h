//===- Kernels.h - Per-op kernels of the reference interpreter --*- C++ -*-===//
//
// Internal to interp/: the driver in Interpreter.cpp resolves operands and
// dispatches to one function per op. Each kernel reads its attributes from the
// op, its operand tensors through `Lookup`, and returns its results in result
// order, with the shapes of the (static) result types.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_INTERP_KERNELS_H
#define BITC_INTERP_KERNELS_H

#include "interp/Interpreter.h"
#include "interp/PackedGemm.h"
#include "ir/Activation.h"
#include "ir/BitOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/Twine.h"

#include <string>
#include <utility>

namespace bitc {

struct InterpreterCache::Entries {
  /// bit.weight results.
  llvm::DenseMap<mlir::Operation *, std::shared_ptr<const HostTensor>> weights;
  /// bit.conv2d weights, standardized and packed.
  llvm::DenseMap<mlir::Operation *, std::shared_ptr<const detail::PackedRows>>
      convWeights;
};

namespace detail {

/// The runtime tensor of an SSA value already computed (operands only).
using Lookup = llvm::function_ref<const HostTensor &(mlir::Value)>;
using Results = std::vector<HostTensor>;

/// The tensor of an optional operand, or null when the operand is absent.
inline const HostTensor *lookupOptional(Lookup lookup, mlir::Value value) {
  return value ? &lookup(value) : nullptr;
}

/// `file:line:col` (or the closest printable form) of `loc`.
std::string formatLocation(mlir::Location loc);

/// A one-line error `<loc>: <message>` for `op`.
llvm::Error opError(mlir::Operation *op, const llvm::Twine &message);

/// A zero-filled tensor with the static shape of `value`'s type.
HostTensor allocateLike(mlir::Value value);

/// Mean and sum of squared deviations (M2) of `count` floats, two-pass in
/// double. Returns {0, 0} for an empty range.
std::pair<double, double> meanAndM2(const float *data, int64_t count);

// One kernel per op (see the op descriptions in ir/BitOps.td).
llvm::Expected<Results> runWeight(mlir::bit::WeightOp op);
/// `cache`, when set, keeps the packed weights for the next call.
llvm::Expected<Results> runConv2D(mlir::bit::Conv2DOp op, Lookup lookup,
                                  InterpreterCache::Entries *cache);
llvm::Expected<Results> runGroupNorm(mlir::bit::GroupNormOp op, Lookup lookup);
llvm::Expected<Results> runGroupNormStats(mlir::bit::GroupNormStatsOp op,
                                          Lookup lookup);
llvm::Expected<Results> runGroupNormCombine(mlir::bit::GroupNormCombineOp op,
                                            Lookup lookup);
llvm::Expected<Results> runApplyNorm(mlir::bit::ApplyNormOp op, Lookup lookup);
llvm::Expected<Results> runPad(mlir::bit::PadOp op, Lookup lookup);
llvm::Expected<Results> runMaxPool2D(mlir::bit::MaxPool2DOp op, Lookup lookup);
llvm::Expected<Results> runAdd(mlir::bit::AddOp op, Lookup lookup);
llvm::Expected<Results> runActivation(mlir::bit::ActivationOp op,
                                      Lookup lookup);
llvm::Expected<Results> runGlobalAvgPool(mlir::bit::GlobalAvgPoolOp op,
                                         Lookup lookup);
llvm::Expected<Results> runLinear(mlir::bit::LinearOp op, Lookup lookup);

} // namespace detail
} // namespace bitc

#endif // BITC_INTERP_KERNELS_H
