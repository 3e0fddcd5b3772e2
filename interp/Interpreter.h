//===- Interpreter.h - Reference interpreter for bit ops --------*- C++ -*-===//
//
// The numerical oracle of bitc: executes a `func.func` of `bit` ops with plain
// C++ loops, accumulating in double and storing every op result as float.
// Every pass and every generated kernel is checked against it, so it favours
// being obviously correct over being fast.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_INTERP_INTERPRETER_H
#define BITC_INTERP_INTERPRETER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace bitc {

/// A dense float tensor (row-major, NCHW for 4-D).
struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// Executes `func` (a func.func of bit ops and func.return) on `inputs`;
/// returns the results.
/// Errors (unsupported op, shape mismatch of inputs, weights that are not
/// readable f32 elements) are one-line llvm::Errors naming the op's location.
///
/// Details: `func` is verified first (the first verifier error becomes
/// "invalid IR: <loc>: <message>"); locations print as `file:line:col`, a
/// NameLoc as `'name'` (or `<child loc> ('name')`); attributes the op does not
/// define (e.g. memory offsets added by later passes) are ignored. Values are
/// freed after their last use. Convolutions run panels of output channels in
/// parallel with llvm::parallelFor (set llvm::parallel::strategy to
/// llvm::hardware_concurrency(1) for one thread); results do not depend on
/// the thread count.
///
/// `observe`, when set, is called before each op runs with the op and a
/// lookup of its operands (int8 calibration reads the conv inputs there);
/// weights taken from `cache` do not run and are not observed.
using OpObserver = std::function<void(
    mlir::Operation *, llvm::function_ref<const HostTensor &(mlir::Value)>)>;

/// What repeated `interpret` calls on one unchanged function may share: the
/// weights as read, and the convolution weights standardized and packed
/// (int8 calibration runs every image through the same graph; without it
/// each call converts all the weights again). Use one cache per function.
class InterpreterCache {
public:
  InterpreterCache();
  ~InterpreterCache();
  struct Entries;
  std::unique_ptr<Entries> entries;
};

llvm::Expected<std::vector<HostTensor>>
interpret(mlir::func::FuncOp func, llvm::ArrayRef<HostTensor> inputs,
          const OpObserver &observe = nullptr,
          InterpreterCache *cache = nullptr);

} // namespace bitc

#endif // BITC_INTERP_INTERPRETER_H
