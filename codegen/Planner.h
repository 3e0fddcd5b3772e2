//===- Planner.h - State of planKernels, shared by its op files -*- C++ -*-===//
//
// Internal to codegen/: KernelPlanner.cpp walks the function and dispatches
// each op (TypeSwitch) to its plan function, one file per op family
// (PlanConv.cpp, PlanOps.cpp). They share the bindings, the kernel table and
// the weight blob through this class.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_PLANNER_H
#define BITC_CODEGEN_PLANNER_H

#include "codegen/KernelPlanner.h"
#include "ir/BitOps.h"
#include "llvm/ADT/DenseMap.h"
#include <map>

namespace bitc {

/// "codegen: <op's location>: <message>".
llvm::Error opError(mlir::Operation *op, const llvm::Twine &message);

/// Dense strides (in elements) of `extents`, innermost first.
std::vector<int64_t> denseStrides(const std::vector<int64_t> &extents);

/// The (n, c, h, w) shape of a 4-D tensor.
kernels::TensorShape shapeOf(mlir::Value value);

class Planner {
public:
  Planner(mlir::func::FuncOp func, const Halide::Target &target,
          const std::string &prefix, std::vector<KernelJob> &jobs,
          WinogradPolicy winograd)
      : func(func), target(target), prefix(prefix), jobs(jobs),
        winograd(winograd) {}

  llvm::Expected<ModelPlan> run();

  // One per op (PlanConv.cpp, PlanOps.cpp).
  llvm::Error plan(mlir::bit::Conv2DOp op);
  llvm::Error plan(mlir::bit::MaxPool2DOp op);
  llvm::Error plan(mlir::bit::PadOp op);
  llvm::Error plan(mlir::bit::GroupNormStatsOp op);
  llvm::Error plan(mlir::bit::GroupNormCombineOp op);
  llvm::Error plan(mlir::bit::ApplyNormOp op);
  llvm::Error plan(mlir::bit::AddOp op);
  llvm::Error plan(mlir::bit::GlobalAvgPoolOp op);
  llvm::Error plan(mlir::bit::LinearOp op);

private:
  /// A 4-D activation: the user's NCHW pixels, or (c, x, y, n) in the arena.
  llvm::Expected<BufferBinding> activation(mlir::Value value,
                                           mlir::Operation *user);
  /// Any other tensor: row-major, Halide dims reversed.
  llvm::Expected<BufferBinding> tensor(mlir::Value value,
                                       mlir::Operation *user);
  llvm::Expected<BufferBinding> rawWeight(mlir::Value value);
  /// Appends a 64-byte aligned section to the blob.
  BufferBinding addWeights(const std::vector<float> &data,
                           std::vector<int64_t> extents);
  /// The same for bytes (int8 filters) and 16-bit values (bf16 filters);
  /// the kernel declares the type, strides count elements.
  BufferBinding addBytes(const std::vector<int8_t> &data,
                         std::vector<int64_t> extents);
  BufferBinding addHalves(const std::vector<uint16_t> &data,
                          std::vector<int64_t> extents);
  BufferBinding addSection(const void *data, size_t bytes,
                           std::vector<int64_t> extents);
  /// The index of the kernel for `key`, created on first use.
  size_t kernel(const KernelKey &key);
  /// A call of `key`'s kernel, its arguments bound in order (each value a 4-D
  /// activation or another tensor), appended to the plan.
  llvm::Error addCall(mlir::Operation *op, const KernelKey &key,
                      llvm::ArrayRef<std::pair<mlir::Value, bool>> args);

  llvm::Expected<int64_t> offsetOf(mlir::Value value);
  bool sharesArenaBytes(mlir::Value a, mlir::Value b);
  bool padFoldsIntoPool(mlir::bit::PadOp pad);
  /// A returned [N][C] tensor: it lives in the caller's buffer.
  bool inOutputBuffer(mlir::Value value) {
    return llvm::is_contained(returned, value) &&
           mlir::cast<mlir::RankedTensorType>(value.getType()).getRank() == 2;
  }
  /// The first output that returns `value` (its buffer, for inOutputBuffer).
  size_t outputIndex(mlir::Value value) {
    return llvm::find(returned, value) - returned.begin();
  }
  llvm::Error planOutputCopies(mlir::Operation *op);
  llvm::Error planOp(mlir::Operation &op);

  mlir::func::FuncOp func;
  const Halide::Target &target;
  std::string prefix;
  std::vector<KernelJob> &jobs;
  WinogradPolicy winograd;
  ModelPlan result;
  std::map<KernelKey, size_t> kernelByKey;
  llvm::DenseMap<mlir::Operation *, BufferBinding> rawWeights;
  llvm::SmallVector<mlir::Value> returned;
};

} // namespace bitc

#endif // BITC_CODEGEN_PLANNER_H
