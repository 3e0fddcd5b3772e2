//===- KernelPlanner.cpp - bit ops to Halide kernel calls -----------------===//
//
// Activations live in the workspace channels-innermost, Halide dims
// (c, x, y, n); every other tensor keeps its row-major layout, so its Halide
// dims are the MLIR dims reversed. Only the user's pixels are NCHW, and only
// the stem conv reads them. A returned [N][C] tensor (logits,
// pooler_output) is written straight into the caller's output buffer; a
// returned feature map stays in the workspace, where the next stage reads
// it, and is copied NCHW into the caller's buffer right after its kernel.
//
// This file holds what every op shares (bindings, kernel table, weight blob,
// output copies) and the walk over the function; each op's plan function is
// in PlanConv.cpp or PlanOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "codegen/Planner.h"
#include "ir/WeightData.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::bit;
using llvm::formatv;

namespace bitc {

llvm::Error opError(Operation *op, const llvm::Twine &message) {
  std::string location;
  llvm::raw_string_ostream os(location);
  op->getLoc().print(os);
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "codegen: " + location + ": " + message);
}

std::vector<int64_t> denseStrides(const std::vector<int64_t> &extents) {
  std::vector<int64_t> strides(extents.size());
  int64_t stride = 1;
  for (size_t i = 0; i < extents.size(); ++i) {
    strides[i] = stride;
    stride *= extents[i];
  }
  return strides;
}

kernels::TensorShape shapeOf(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return {type.getDimSize(0), type.getDimSize(1), type.getDimSize(2),
          type.getDimSize(3)};
}

size_t Planner::kernel(const KernelKey &key) {
  auto [it, inserted] = kernelByKey.try_emplace(key, jobs.size());
  if (inserted) {
    std::string symbol = formatv("{0}_k{1}", prefix, jobs.size()).str();
    jobs.push_back({symbol, key});
    result.kernelSymbols.push_back(symbol);
    result.kernelKinds.push_back(kernelKind(key));
  }
  return it->second;
}

llvm::Error Planner::addCall(Operation *op, const KernelKey &key,
                             ArrayRef<std::pair<Value, bool>> args) {
  KernelCall call;
  call.origin = formatv("{0}", op->getLoc()).str();
  call.kernel = kernel(key);
  for (auto [value, isActivation] : args) {
    auto binding = isActivation ? activation(value, op) : tensor(value, op);
    if (!binding)
      return binding.takeError();
    call.args.push_back(*binding);
  }
  result.calls.push_back(std::move(call));
  return llvm::Error::success();
}

llvm::Expected<int64_t> Planner::offsetOf(Value value) {
  Operation *op = value.getDefiningOp();
  auto offsets =
      op ? BitDialect::OffsetsAttrHelper(op->getContext()).getAttr(op)
         : DenseI64ArrayAttr();
  if (!offsets)
    return opError(op ? op : func.getOperation(),
                   "no workspace offset (run bit-plan-memory first)");
  return offsets[cast<OpResult>(value).getResultNumber()];
}

/// Whether two tensors overlap in the workspace. bit-plan-memory lets a
/// tensor reuse the bytes of any tensor dead by its defining op, so a kernel
/// that reads a value its op does not list as an operand may read bytes its
/// own output overwrites.
bool Planner::sharesArenaBytes(Value a, Value b) {
  if (isa<BlockArgument>(a) || isa<BlockArgument>(b) || inOutputBuffer(a) ||
      inOutputBuffer(b))
    return false;
  auto offsetA = offsetOf(a), offsetB = offsetOf(b);
  if (!offsetA || !offsetB) {
    llvm::consumeError(offsetA.takeError());
    llvm::consumeError(offsetB.takeError());
    return true;
  }
  auto bytes = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getNumElements() * 4;
  };
  return *offsetA < *offsetB + bytes(b) && *offsetB < *offsetA + bytes(a);
}

/// The pad of PadOp::getFoldingPool is folded into the pool kernel, which then
/// reads the pad's input; unless the pool's output was placed over that input:
/// the pool's parallel row bands would overwrite input rows other bands have
/// not read yet. bit-plan-memory keeps the input live for this; offsets from
/// elsewhere (hand-written IR) are checked here all the same.
bool Planner::padFoldsIntoPool(PadOp pad) {
  MaxPool2DOp pool = pad.getFoldingPool();
  return pool && !sharesArenaBytes(pad.getInput(), pool.getOutput());
}

/// A 4-D activation: the user's NCHW pixels, or (c, x, y, n) in the arena.
llvm::Expected<BufferBinding> Planner::activation(Value value,
                                                  Operation *user) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  BufferBinding binding;
  if (isa<BlockArgument>(value)) {
    binding.source = BufferSource::Input;
    binding.extents = {w, h, c, n};
  } else {
    auto offset = offsetOf(value);
    if (!offset)
      return offset.takeError();
    binding.source = BufferSource::Arena;
    binding.offset = *offset;
    binding.extents = {c, w, h, n};
  }
  binding.strides = denseStrides(binding.extents);
  return binding;
}

/// Any other tensor: row-major, Halide dims reversed.
llvm::Expected<BufferBinding> Planner::tensor(Value value, Operation *user) {
  auto type = cast<RankedTensorType>(value.getType());
  if (value.getDefiningOp<WeightOp>())
    return rawWeight(value);
  if (isa<BlockArgument>(value))
    return opError(user, "only the stem convolution may read the input");
  BufferBinding binding;
  if (inOutputBuffer(value)) {
    binding.source = outputSource(outputIndex(value));
  } else {
    auto offset = offsetOf(value);
    if (!offset)
      return offset.takeError();
    binding.offset = *offset;
  }
  for (int64_t i = type.getRank() - 1; i >= 0; --i)
    binding.extents.push_back(type.getDimSize(i));
  binding.strides = denseStrides(binding.extents);
  return binding;
}

BufferBinding Planner::addSection(const void *data, size_t bytes,
                                  std::vector<int64_t> extents) {
  size_t offset = (result.weights.size() + 63) / 64 * 64;
  result.weights.resize(offset + bytes);
  std::memcpy(result.weights.data() + offset, data, bytes);
  BufferBinding binding;
  binding.source = BufferSource::Weights;
  binding.offset = static_cast<int64_t>(offset);
  binding.strides = denseStrides(extents);
  binding.extents = std::move(extents);
  return binding;
}

BufferBinding Planner::addWeights(const std::vector<float> &data,
                                  std::vector<int64_t> extents) {
  return addSection(data.data(), data.size() * sizeof(float),
                    std::move(extents));
}

BufferBinding Planner::addBytes(const std::vector<int8_t> &data,
                                std::vector<int64_t> extents) {
  return addSection(data.data(), data.size(), std::move(extents));
}

BufferBinding Planner::addHalves(const std::vector<uint16_t> &data,
                                 std::vector<int64_t> extents) {
  return addSection(data.data(), data.size() * sizeof(uint16_t),
                    std::move(extents));
}

/// A weight read as is (gamma, beta, bias), shared by every reader.
llvm::Expected<BufferBinding> Planner::rawWeight(Value value) {
  auto weight = value.getDefiningOp<WeightOp>();
  auto it = rawWeights.find(weight);
  if (it != rawWeights.end())
    return it->second;
  std::vector<float> storage;
  FailureOr<ArrayRef<float>> data = getWeightData(weight, storage);
  if (failed(data))
    return opError(weight,
                   "cannot read the weights of '" + weight.getParam() + "'");
  auto type = cast<RankedTensorType>(value.getType());
  std::vector<int64_t> extents;
  for (int64_t i = type.getRank() - 1; i >= 0; --i)
    extents.push_back(type.getDimSize(i));
  BufferBinding binding =
      addWeights(std::vector<float>(data->begin(), data->end()), extents);
  rawWeights[weight] = binding;
  return binding;
}

/// The caller's copies of what `op` computed: a feature map, from the
/// workspace to its NCHW buffer; an [N][C] tensor returned twice (logits of
/// a num_labels 0 classifier and pooler_output), from its first buffer.
llvm::Error Planner::planOutputCopies(Operation *op) {
  for (Value value : op->getResults())
    for (size_t k = 0; k < returned.size(); ++k) {
      if (returned[k] != value ||
          (inOutputBuffer(value) && outputIndex(value) == k))
        continue;
      auto type = cast<RankedTensorType>(value.getType());
      kernels::TensorShape shape;
      shape.n = type.getDimSize(0);
      shape.c = type.getDimSize(1);
      shape.h = type.getRank() == 4 ? type.getDimSize(2) : 1;
      shape.w = type.getRank() == 4 ? type.getDimSize(3) : 1;
      KernelCall call;
      call.origin = formatv("loc(\"output {0}\")", result.outputs[k].name);
      call.kernel = kernel(ToNCHWKernel{shape});
      // Where the value is, as a 4-D (c, x, y, n) buffer ([n][c]: x = y = 1).
      auto from =
          type.getRank() == 4 ? activation(value, op) : tensor(value, op);
      if (!from)
        return from.takeError();
      from->extents = {shape.c, shape.w, shape.h, shape.n};
      from->strides = denseStrides(from->extents);
      BufferBinding to;
      to.source = outputSource(k);
      to.extents = {shape.w, shape.h, shape.c, shape.n};
      to.strides = denseStrides(to.extents);
      call.args = {*from, to};
      result.calls.push_back(std::move(call));
    }
  return llvm::Error::success();
}

/// One op's kernel call(s), by its type.
llvm::Error Planner::planOp(Operation &op) {
  return llvm::TypeSwitch<Operation *, llvm::Error>(&op)
      .Case<Conv2DOp, MaxPool2DOp, PadOp, GroupNormStatsOp, GroupNormCombineOp,
            ApplyNormOp, AddOp, GlobalAvgPoolOp, LinearOp>(
          [&](auto typed) { return plan(typed); })
      .Default([&](Operation *other) {
        return opError(other, "no kernel for '" +
                                  other->getName().getStringRef() +
                                  "' (compile with the default pass pipeline)");
      });
}

llvm::Expected<ModelPlan> Planner::run() {
  if (func.getNumArguments() != 1 || func.getNumResults() < 1 ||
      func.getNumResults() > kMaxOutputs)
    return opError(func, "forward must take the pixels and return 1.." +
                             llvm::Twine(kMaxOutputs) + " outputs");
  auto inputType = cast<RankedTensorType>(func.getArgumentTypes()[0]);
  result.batch = inputType.getDimSize(0);
  result.channels = inputType.getDimSize(1);
  result.height = inputType.getDimSize(2);
  result.width = inputType.getDimSize(3);
  if (auto labels =
          BitDialect::LabelsAttrHelper(func.getContext()).getAttr(func))
    for (Attribute label : labels)
      result.labels.push_back(cast<StringAttr>(label).str());
  for (unsigned k = 0; k < func.getNumResults(); ++k) {
    auto type = cast<RankedTensorType>(func.getResultTypes()[k]);
    OutputInfo output;
    auto name = func.getResultAttrOfType<StringAttr>(
        k, BitDialect::NameAttrHelper::getNameStr());
    output.name = name ? name.str() : formatv("output{0}", k).str();
    output.channels = type.getDimSize(1);
    output.featureMap = type.getRank() == 4;
    if (output.featureMap) {
      output.height = type.getDimSize(2);
      output.width = type.getDimSize(3);
    } else if (type.getRank() != 2) {
      return opError(func, "an output is neither [N][C] nor [N][C][H][W]");
    }
    if (output.name == "logits" && !result.labels.empty() &&
        static_cast<int64_t>(result.labels.size()) != output.channels)
      return opError(func, "bit.labels does not match the number of logits");
    result.outputs.push_back(output);
  }
  auto workspace =
      BitDialect::WorkspaceBytesAttrHelper(func.getContext()).getAttr(func);
  if (!workspace)
    return opError(func, "no workspace plan (run bit-plan-memory first)");
  result.workspaceBytes = workspace.getInt();
  func.walk([&](func::ReturnOp ret) {
    returned.append(ret.getOperands().begin(), ret.getOperands().end());
  });
  if (llvm::any_of(returned, [](Value v) { return isa<BlockArgument>(v); }))
    return opError(func, "forward returns its input");
  // Address space for the blob up front, generously (filters padded to
  // channel blocks): a vector that grows holds its old and new copies at
  // once, and pages reserved but never written cost no memory.
  uint64_t weightBytes = 0;
  // Each weight is freed once its last reader is planned (packed copies are
  // all the object needs): the op after which each weight is dead.
  llvm::DenseMap<Operation *, SmallVector<WeightOp>> deadAfter;
  llvm::DenseMap<Attribute, int> opsPerValue; // a shared blob is kept
  func.walk([&](WeightOp weight) { ++opsPerValue[weight.getValue()]; });
  Block &body = func.getBody().front();
  func.walk([&](WeightOp weight) {
    weightBytes +=
        cast<RankedTensorType>(weight.getResult().getType()).getNumElements() *
            sizeof(float) +
        64;
    Operation *last = nullptr;
    if (opsPerValue[weight.getValue()] > 1)
      return;
    for (Operation *user : weight->getUsers()) {
      Operation *inBody = body.findAncestorOpInBlock(*user);
      if (!inBody)
        return;
      if (!last || last->isBeforeInBlock(inBody))
        last = inBody;
    }
    if (last)
      deadAfter[last].push_back(weight);
  });
  result.weights.reserve(weightBytes + weightBytes / 2 + (1 << 20));

  for (Operation &op : body) {
    if (isa<WeightOp, func::ReturnOp>(op))
      continue;
    llvm::Error err = planOp(op);
    if (!err)
      err = planOutputCopies(&op);
    if (err)
      return std::move(err);
    for (WeightOp weight : deadAfter.lookup(&op))
      releaseWeightData(weight);
  }
  return std::move(result);
}

llvm::Expected<ModelPlan> planKernels(func::FuncOp func,
                                      const Halide::Target &target,
                                      const std::string &prefix,
                                      std::vector<KernelJob> &jobs,
                                      WinogradPolicy winograd) {
  Planner planner(func, target, prefix, jobs, winograd);
  return planner.run();
}

std::optional<WinogradPolicy> parseWinogradPolicy(llvm::StringRef text) {
  return llvm::StringSwitch<std::optional<WinogradPolicy>>(text)
      .Case("off", WinogradPolicy::Off)
      .Case("on", WinogradPolicy::On)
      .Case("auto", WinogradPolicy::Auto)
      .Default(std::nullopt);
}

} // namespace bitc
