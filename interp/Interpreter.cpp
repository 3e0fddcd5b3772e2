//===- Interpreter.cpp - Reference interpreter for the bit dialect --------===//
//
// The driver: checks the inputs against the function signature, walks the
// body in order, dispatches every op to its kernel (Kernels.h) and frees each
// value after its last use, so a whole model runs in the memory of its live
// activations plus one copy of the weights.
//
//===----------------------------------------------------------------------===//

#include "interp/Interpreter.h"
#include "interp/Kernels.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

using namespace mlir;
using namespace mlir::bit;

namespace bitc {
namespace detail {

std::string formatLocation(Location loc) {
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    return (fileLoc.getFilename().getValue() + ":" + Twine(fileLoc.getLine()) +
            ":" + Twine(fileLoc.getColumn()))
        .str();
  if (auto nameLoc = dyn_cast<NameLoc>(loc)) {
    std::string name = ("'" + nameLoc.getName().getValue() + "'").str();
    if (isa<UnknownLoc>(nameLoc.getChildLoc()))
      return name;
    return formatLocation(nameLoc.getChildLoc()) + " (" + name + ")";
  }
  if (auto callLoc = dyn_cast<CallSiteLoc>(loc))
    return formatLocation(callLoc.getCallee());
  if (auto fusedLoc = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fusedLoc.getLocations())
      if (!isa<UnknownLoc>(inner))
        return formatLocation(inner);
  }
  if (auto opaqueLoc = dyn_cast<OpaqueLoc>(loc))
    return formatLocation(opaqueLoc.getFallbackLocation());
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return os.str();
}

static llvm::Error locError(Location loc, const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 formatLocation(loc) + ": " + message);
}

llvm::Error opError(Operation *op, const Twine &message) {
  return locError(op->getLoc(), message);
}

HostTensor allocateLike(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  HostTensor tensor;
  tensor.shape.assign(type.getShape().begin(), type.getShape().end());
  tensor.data.assign(type.getNumElements(), 0.0f);
  return tensor;
}

std::pair<double, double> meanAndM2(const float *data, int64_t count) {
  if (count <= 0)
    return {0.0, 0.0};
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i)
    sum += data[i];
  double mean = sum / static_cast<double>(count);
  double m2 = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    double d = data[i] - mean;
    m2 += d * d;
  }
  return {mean, m2};
}

} // namespace detail

using namespace detail;

static std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(shape, os, "x");
  return os.str();
}

static std::string formatType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return os.str();
}

/// The interpreter handles static f32 tensors only.
static bool isStaticF32Tensor(Type type) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  return tensorType && tensorType.hasStaticShape() &&
         tensorType.getElementType().isF32();
}

/// Verifies `func`, turning the first verifier error into an llvm::Error.
static llvm::Error verifyFunction(func::FuncOp func) {
  std::string firstError;
  ScopedDiagnosticHandler handler(func.getContext(), [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
      firstError = formatLocation(diag.getLocation()) + ": " + diag.str();
    return success();
  });
  if (succeeded(verify(func)))
    return llvm::Error::success();
  if (firstError.empty())
    firstError = formatLocation(func.getLoc()) + ": function does not verify";
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "invalid IR: " + firstError);
}

InterpreterCache::InterpreterCache()
    : entries(std::make_unique<Entries>()) {}
InterpreterCache::~InterpreterCache() = default;

static llvm::Expected<Results> dispatch(Operation *op, Lookup lookup,
                                        InterpreterCache::Entries *cache) {
  return llvm::TypeSwitch<Operation *, llvm::Expected<Results>>(op)
      .Case([&](WeightOp op) { return runWeight(op); })
      .Case([&](Conv2DOp op) { return runConv2D(op, lookup, cache); })
      .Case([&](GroupNormOp op) { return runGroupNorm(op, lookup); })
      .Case([&](GroupNormStatsOp op) { return runGroupNormStats(op, lookup); })
      .Case([&](GroupNormCombineOp op) {
        return runGroupNormCombine(op, lookup);
      })
      .Case([&](ApplyNormOp op) { return runApplyNorm(op, lookup); })
      .Case([&](PadOp op) { return runPad(op, lookup); })
      .Case([&](MaxPool2DOp op) { return runMaxPool2D(op, lookup); })
      .Case([&](AddOp op) { return runAdd(op, lookup); })
      .Case([&](ActivationOp op) { return runActivation(op, lookup); })
      .Case([&](GlobalAvgPoolOp op) { return runGlobalAvgPool(op, lookup); })
      .Case([&](LinearOp op) { return runLinear(op, lookup); })
      .Default([&](Operation *op) -> llvm::Expected<Results> {
        return opError(op,
                       "unsupported op '" + op->getName().getStringRef() + "'");
      });
}

llvm::Expected<std::vector<HostTensor>>
interpret(func::FuncOp func, llvm::ArrayRef<HostTensor> inputs,
          const OpObserver &observe, InterpreterCache *cache) {
  InterpreterCache::Entries *entries = cache ? cache->entries.get() : nullptr;
  if (!func)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "interpret: null function");
  if (func.isExternal())
    return opError(func, "function '@" + func.getSymName() + "' has no body");
  if (!func.getBody().hasOneBlock())
    return opError(func, "function '@" + func.getSymName() +
                             "' must have exactly one block");
  if (llvm::Error error = verifyFunction(func))
    return std::move(error);

  Block &body = func.getBody().front();
  if (inputs.size() != body.getNumArguments())
    return opError(func, "function '@" + func.getSymName() + "' expects " +
                             Twine(body.getNumArguments()) + " inputs, got " +
                             Twine(inputs.size()));

  // Runtime values; inputs are aliased, not copied.
  llvm::DenseMap<Value, std::shared_ptr<const HostTensor>> values;
  // Uses left per value; a value is freed when its count reaches zero.
  llvm::DenseMap<Value, int64_t> usesLeft;
  auto define = [&](Value value, std::shared_ptr<const HostTensor> tensor) {
    int64_t uses = std::distance(value.use_begin(), value.use_end());
    if (uses == 0)
      return;
    values[value] = std::move(tensor);
    usesLeft[value] = uses;
  };

  for (auto [index, arg] : llvm::enumerate(body.getArguments())) {
    const HostTensor &input = inputs[index];
    if (!isStaticF32Tensor(arg.getType()))
      return opError(func, "input #" + Twine(index) + " has type " +
                               formatType(arg.getType()) +
                               "; only static f32 tensors are supported");
    auto type = cast<RankedTensorType>(arg.getType());
    if (llvm::ArrayRef<int64_t>(input.shape) != type.getShape())
      return opError(func, "input #" + Twine(index) + " has shape " +
                               formatShape(input.shape) + ", expected " +
                               formatShape(type.getShape()));
    if (static_cast<int64_t>(input.data.size()) != type.getNumElements())
      return opError(
          func, "input #" + Twine(index) + " has " + Twine(input.data.size()) +
                    " elements, its shape " + formatShape(input.shape) +
                    " needs " + Twine(type.getNumElements()));
    define(arg, std::shared_ptr<const HostTensor>(&input,
                                                  [](const HostTensor *) {}));
  }

  auto lookup = [&](Value value) -> const HostTensor & {
    return *values.find(value)->second;
  };

  for (Operation &op : body) {
    // Every operand must be defined in this block (no captured values).
    for (auto [index, operand] : llvm::enumerate(op.getOperands())) {
      auto it = values.find(operand);
      if (it == values.end())
        return opError(&op, "operand #" + Twine(index) + " of '" +
                                op.getName().getStringRef() +
                                "' is not defined in the function body");
    }

    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::vector<HostTensor> results;
      results.reserve(ret.getNumOperands());
      for (Value operand : ret.getOperands())
        results.push_back(lookup(operand));
      return results;
    }

    for (auto [index, operand] : llvm::enumerate(op.getOperands())) {
      if (!isStaticF32Tensor(operand.getType()))
        return opError(&op, "operand #" + Twine(index) + " of '" +
                                op.getName().getStringRef() + "' has type " +
                                formatType(operand.getType()) +
                                "; only static f32 tensors are supported");
      const HostTensor &tensor = lookup(operand);
      auto type = cast<RankedTensorType>(operand.getType());
      if (llvm::ArrayRef<int64_t>(tensor.shape) != type.getShape())
        return opError(&op, "operand #" + Twine(index) + " of '" +
                                op.getName().getStringRef() + "' has shape " +
                                formatShape(tensor.shape) +
                                " at run time but type " + formatType(type));
    }
    for (auto [index, result] : llvm::enumerate(op.getResults()))
      if (!isStaticF32Tensor(result.getType()))
        return opError(&op, "result #" + Twine(index) + " of '" +
                                op.getName().getStringRef() + "' has type " +
                                formatType(result.getType()) +
                                "; only static f32 tensors are supported");

    if (entries && isa<WeightOp>(op)) {
      auto it = entries->weights.find(&op);
      if (it != entries->weights.end()) {
        define(op.getResult(0), it->second);
        continue;
      }
    }
    if (observe)
      observe(&op, lookup);
    llvm::Expected<Results> results = dispatch(&op, lookup, entries);
    if (!results)
      return results.takeError();
    if (results->size() != op.getNumResults())
      return opError(&op, "internal error: '" + op.getName().getStringRef() +
                              "' produced " + Twine(results->size()) +
                              " results, expected " +
                              Twine(op.getNumResults()));

    for (auto [result, tensor] : llvm::zip(op.getResults(), *results)) {
      auto type = cast<RankedTensorType>(result.getType());
      if (llvm::ArrayRef<int64_t>(tensor.shape) != type.getShape() ||
          static_cast<int64_t>(tensor.data.size()) != type.getNumElements())
        return opError(&op, "internal error: '" + op.getName().getStringRef() +
                                "' produced shape " +
                                formatShape(tensor.shape) + " for " +
                                formatType(type));
      auto shared = std::make_shared<const HostTensor>(std::move(tensor));
      if (entries && isa<WeightOp>(op))
        entries->weights[&op] = shared;
      define(result, std::move(shared));
    }

    for (Value operand : op.getOperands()) {
      auto it = usesLeft.find(operand);
      if (--it->second == 0) {
        usesLeft.erase(it);
        values.erase(operand);
      }
    }
  }
  return opError(func, "function '@" + func.getSymName() +
                           "' does not end in func.return");
}

} // namespace bitc
