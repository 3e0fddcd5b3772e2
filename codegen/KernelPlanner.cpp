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
//===----------------------------------------------------------------------===//

#include "codegen/KernelPlanner.h"
#include "ir/BitOps.h"
#include "ir/WeightData.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include <map>

using namespace mlir;
using namespace mlir::bit;
using llvm::formatv;

namespace bitc {
namespace {

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

class Planner {
public:
  Planner(func::FuncOp func, const Halide::Target &target,
          const std::string &prefix, std::vector<KernelJob> &jobs,
          WinogradPolicy winograd)
      : func(func), target(target), prefix(prefix), jobs(jobs),
        winograd(winograd) {}

  llvm::Expected<ModelPlan> run();

private:
  llvm::Expected<BufferBinding> activation(Value value, Operation *user);
  llvm::Expected<BufferBinding> tensor(Value value, Operation *user);
  llvm::Expected<BufferBinding> rawWeight(Value value);
  BufferBinding addWeights(const std::vector<float> &data,
                           std::vector<int64_t> extents);
  size_t kernel(const std::string &key, const std::string &kind,
                std::function<kernels::KernelPipeline()> build);

  llvm::Error planConv(Conv2DOp op);
  llvm::Error planMaxPool(MaxPool2DOp op);
  llvm::Error planPad(PadOp op);
  llvm::Error planOther(Operation *op);

  llvm::Expected<int64_t> offsetOf(Value value);
  bool sharesArenaBytes(Value a, Value b);
  bool padFoldsIntoPool(PadOp pad);
  /// A returned [N][C] tensor: it lives in the caller's buffer.
  bool inOutputBuffer(Value value) {
    return llvm::is_contained(returned, value) &&
           cast<RankedTensorType>(value.getType()).getRank() == 2;
  }
  /// The first output that returns `value` (its buffer, for inOutputBuffer).
  size_t outputIndex(Value value) {
    return llvm::find(returned, value) - returned.begin();
  }
  llvm::Error planOutputCopies(Operation *op);

  func::FuncOp func;
  const Halide::Target &target;
  std::string prefix;
  std::vector<KernelJob> &jobs;
  WinogradPolicy winograd;
  ModelPlan plan;
  std::map<std::string, size_t> kernelByKey;
  llvm::DenseMap<Operation *, BufferBinding> rawWeights;
  SmallVector<Value> returned;
};

size_t Planner::kernel(const std::string &key, const std::string &kind,
                       std::function<kernels::KernelPipeline()> build) {
  auto [it, inserted] = kernelByKey.try_emplace(key, jobs.size());
  if (inserted) {
    std::string symbol = formatv("{0}_k{1}", prefix, jobs.size()).str();
    jobs.push_back({symbol, std::move(build)});
    plan.kernelSymbols.push_back(symbol);
    plan.kernelKinds.push_back(kind);
  }
  return it->second;
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

BufferBinding Planner::addWeights(const std::vector<float> &data,
                                  std::vector<int64_t> extents) {
  size_t offset = (plan.weights.size() + 63) / 64 * 64;
  plan.weights.resize(offset + data.size() * sizeof(float));
  std::memcpy(plan.weights.data() + offset, data.data(),
              data.size() * sizeof(float));
  BufferBinding binding;
  binding.source = BufferSource::Weights;
  binding.offset = static_cast<int64_t>(offset);
  binding.strides = denseStrides(extents);
  binding.extents = std::move(extents);
  return binding;
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

std::string convKey(const kernels::ConvSpec &s) {
  return formatv("conv:{0},{1},{2},{3},{4},{5},{6},{7},{8},{9},{10},{11},{12},"
                 "{13},{14},{15},{16},{17},{18},{19},{20},{21}",
                 s.batch, s.inC, s.inH, s.inW, s.outC, s.kernelH, s.kernelW,
                 s.strideH, s.strideW, s.dilationH, s.dilationW, s.padTop,
                 s.padLeft, s.padBottom, s.padRight, s.inputNCHW, s.hasPrologue,
                 static_cast<int>(s.prologueActivation), s.hasResidual,
                 s.hasStats, s.statsGroups, s.statsTileRows)
      .str();
}

llvm::Error Planner::planConv(Conv2DOp op) {
  if (op.getWsEps())
    return opError(op, "weight standardization was not folded (run "
                       "bit-fold-weight-standardization first)");
  auto weight = op.getWeight().getDefiningOp<WeightOp>();
  if (!weight)
    return opError(op, "the filter is not a constant");
  auto in = op.getInput().getType();
  auto w = op.getWeight().getType();
  kernels::ConvSpec spec;
  spec.batch = in.getDimSize(0);
  spec.inC = in.getDimSize(1);
  spec.inH = in.getDimSize(2);
  spec.inW = in.getDimSize(3);
  spec.outC = w.getDimSize(0);
  spec.kernelH = w.getDimSize(2);
  spec.kernelW = w.getDimSize(3);
  spec.strideH = op.getStrides()[0];
  spec.strideW = op.getStrides()[1];
  spec.dilationH = op.getDilations()[0];
  spec.dilationW = op.getDilations()[1];
  spec.padTop = op.getPadding()[0];
  spec.padLeft = op.getPadding()[1];
  spec.padBottom = op.getPadding()[2];
  spec.padRight = op.getPadding()[3];
  spec.inputNCHW = isa<BlockArgument>(op.getInput());
  spec.hasPrologue = static_cast<bool>(op.getPrologue());
  spec.prologueActivation = op.getPrologueActivation();
  spec.hasResidual = static_cast<bool>(op.getResidual());
  spec.hasStats = static_cast<bool>(op.getStats());
  spec.statsGroups = op.getStatsGroups().value_or(0);
  spec.statsTileRows = op.getStatsTileRows().value_or(0);
  if (spec.inputNCHW && spec.hasPrologue)
    return opError(op, "a prologue on the model input is not supported");

  // A batched conv runs as one batch-1 kernel call per image: the batch-1
  // schedules are the tuned ones (a batched band loop gives the thread pool
  // no more useful parallelism), the image's activations stay in cache, and
  // the weights are re-read from cache by the next image's call.
  const int64_t images = spec.batch;
  const int64_t totalMacs = spec.macs();
  spec.batch = 1;

  KernelCall call;
  call.origin = formatv("{0}", op.getLoc()).str();
  const Halide::Target &t = target;
  const int winogradTile =
      winograd == WinogradPolicy::Off
          ? 0
          : kernels::chooseWinogradTile(spec, winograd == WinogradPolicy::On);
  std::string kind =
      formatv("conv {0}x{1}/{2} {3}->{4} @{5}x{6}", spec.kernelH, spec.kernelW,
              spec.strideH, spec.inC, spec.outC, spec.outH(), spec.outW())
          .str();
  if (winogradTile)
    call.kernel =
        kernel(formatv("winograd{0}:{1}", winogradTile, convKey(spec)).str(),
               formatv("winograd F{0} {1}", winogradTile, kind).str(),
               [spec, winogradTile, &t] {
                 return kernels::buildWinogradConv(spec, winogradTile, t);
               });
  else
    call.kernel = kernel(convKey(spec), kind,
                         [spec, &t] { return kernels::buildConv(spec, t); });
  plan.macs += totalMacs;
  plan.macsDone += winogradTile
                       ? images * kernels::winogradMacs(spec, winogradTile)
                       : totalMacs;

  auto input = activation(op.getInput(), op);
  if (!input)
    return input.takeError();
  call.args.push_back(*input);
  std::vector<float> storage;
  FailureOr<ArrayRef<float>> data = getWeightData(weight, storage);
  if (failed(data))
    return opError(op, "cannot read the filter");
  std::vector<int> shape =
      winogradTile
          ? kernels::packedWinogradWeightShape(spec, winogradTile, target)
          : kernels::packedConvWeightShape(spec, target);
  call.args.push_back(addWeights(
      winogradTile ? kernels::packWinogradWeights(spec, winogradTile, target,
                                                  data->data())
                   : kernels::packConvWeights(spec, target, data->data()),
      std::vector<int64_t>(shape.begin(), shape.end())));
  if (op.getPrologue()) {
    auto prologue = tensor(op.getPrologue(), op);
    if (!prologue)
      return prologue.takeError();
    call.args.push_back(*prologue);
  }
  if (op.getResidual()) {
    auto residual = activation(op.getResidual(), op);
    if (!residual)
      return residual.takeError();
    call.args.push_back(*residual);
  }
  auto output = activation(op.getOutput(), op);
  if (!output)
    return output.takeError();
  call.args.push_back(*output);
  if (op.getStats()) {
    auto stats = tensor(op.getStats(), op);
    if (!stats)
      return stats.takeError();
    call.args.push_back(*stats);
  }
  // One call per image: every argument but the weights (argument 1) has the
  // image as its outermost Halide dimension.
  for (int64_t image = 0; image < images; ++image) {
    KernelCall one = call;
    for (size_t a = 0; a < one.args.size(); ++a) {
      if (a == 1)
        continue;
      BufferBinding &b = one.args[a];
      b.offset += image * b.strides.back() * int64_t(sizeof(float));
      b.extents.back() = 1;
    }
    plan.calls.push_back(std::move(one));
  }
  return llvm::Error::success();
}

kernels::TensorShape shapeOf(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return {type.getDimSize(0), type.getDimSize(1), type.getDimSize(2),
          type.getDimSize(3)};
}

llvm::Error Planner::planMaxPool(MaxPool2DOp op) {
  // A zero pad read only by this pool is folded into the pool kernel when
  // that is safe (see padFoldsIntoPool).
  Value source = op.getInput();
  std::array<int64_t, 4> pad = {0, 0, 0, 0};
  if (auto padOp = source.getDefiningOp<PadOp>();
      padOp && padFoldsIntoPool(padOp)) {
    source = padOp.getInput();
    for (int i = 0; i < 4; ++i)
      pad[i] = padOp.getPadding()[i];
  }
  kernels::TensorShape in = shapeOf(source);
  int64_t k = op.getKernel()[0], s = op.getStrides()[0];
  if (op.getKernel()[1] != k || op.getStrides()[1] != s)
    return opError(op, "only square max pools are supported");
  KernelCall call;
  call.origin = formatv("{0}", op.getLoc()).str();
  const Halide::Target &t = target;
  call.kernel =
      kernel(formatv("maxpool:{0},{1},{2},{3},{4},{5},{6},{7},{8},{9}", in.n,
                     in.c, in.h, in.w, k, s, pad[0], pad[1], pad[2], pad[3])
                 .str(),
             formatv("max pool {0}x{0}/{1} @{2}x{3}", k, s, in.h, in.w).str(),
             [in, k, s, pad, &t] {
               return kernels::buildMaxPool(in, k, s, pad[0], pad[1], pad[2],
                                            pad[3], t);
             });
  for (Value v : {source, Value(op.getOutput())}) {
    auto binding = activation(v, op);
    if (!binding)
      return binding.takeError();
    call.args.push_back(*binding);
  }
  plan.calls.push_back(std::move(call));
  return llvm::Error::success();
}

llvm::Error Planner::planPad(PadOp op) {
  // Folded into its max pool (see planMaxPool).
  if (padFoldsIntoPool(op))
    return llvm::Error::success();
  kernels::TensorShape in = shapeOf(op.getInput());
  ArrayRef<int64_t> p = op.getPadding();
  std::array<int64_t, 4> pad = {p[0], p[1], p[2], p[3]};
  float value = static_cast<float>(op.getValue().convertToDouble());
  KernelCall call;
  call.origin = formatv("{0}", op.getLoc()).str();
  const Halide::Target &t = target;
  call.kernel = kernel(
      formatv("pad:{0},{1},{2},{3},{4},{5},{6},{7},{8}", in.n, in.c, in.h, in.w,
              pad[0], pad[1], pad[2], pad[3], value)
          .str(),
      formatv("pad @{0}x{1}", in.h, in.w).str(), [in, pad, value, &t] {
        return kernels::buildPad(in, pad[0], pad[1], pad[2], pad[3], value, t);
      });
  for (Value v : {Value(op.getInput()), Value(op.getOutput())}) {
    auto binding = activation(v, op);
    if (!binding)
      return binding.takeError();
    call.args.push_back(*binding);
  }
  plan.calls.push_back(std::move(call));
  return llvm::Error::success();
}

llvm::Error Planner::planOther(Operation *op) {
  KernelCall call;
  call.origin = formatv("{0}", op->getLoc()).str();
  const Halide::Target &t = target;
  // (value, is a 4-D activation) in kernel argument order.
  SmallVector<std::pair<Value, bool>> args;
  if (auto stats = dyn_cast<GroupNormStatsOp>(op)) {
    kernels::TensorShape in = shapeOf(stats.getInput());
    int64_t groups = stats.getGroups();
    double eps = stats.getEps().convertToDouble();
    call.kernel =
        kernel(formatv("gnstats:{0},{1},{2},{3},{4},{5}", in.n, in.c, in.h,
                       in.w, groups, eps)
                   .str(),
               formatv("group norm stats @{0}x{1}", in.h, in.w).str(),
               [in, groups, eps, &t] {
                 return kernels::buildGroupNormStats(in, groups, eps, t);
               });
    args = {{stats.getInput(), true},
            {stats.getGamma(), false},
            {stats.getBeta(), false},
            {stats.getScaleShift(), false}};
  } else if (auto combine = dyn_cast<GroupNormCombineOp>(op)) {
    auto partials = combine.getPartials().getType();
    int64_t n = partials.getDimSize(0), tiles = partials.getDimSize(1),
            groups = partials.getDimSize(2);
    int64_t channels = combine.getGamma().getType().getDimSize(0);
    double eps = combine.getEps().convertToDouble();
    call.kernel = kernel(formatv("gncombine:{0},{1},{2},{3},{4}", n, channels,
                                 groups, tiles, eps)
                             .str(),
                         formatv("group norm combine {0} tiles", tiles).str(),
                         [n, channels, groups, tiles, eps, &t] {
                           return kernels::buildGroupNormCombine(
                               n, channels, groups, tiles, eps, t);
                         });
    args = {{combine.getPartials(), false},
            {combine.getGamma(), false},
            {combine.getBeta(), false},
            {combine.getScaleShift(), false}};
  } else if (auto apply = dyn_cast<ApplyNormOp>(op)) {
    kernels::TensorShape in = shapeOf(apply.getInput());
    bool residual = static_cast<bool>(apply.getResidual());
    Activation act = apply.getActivation();
    call.kernel = kernel(formatv("apply:{0},{1},{2},{3},{4},{5}", in.n, in.c,
                                 in.h, in.w, residual, static_cast<int>(act))
                             .str(),
                         formatv("apply norm @{0}x{1}", in.h, in.w).str(),
                         [in, residual, act, &t] {
                           return kernels::buildApplyNorm(in, residual, act, t);
                         });
    args = {{apply.getInput(), true}, {apply.getScaleShift(), false}};
    if (residual)
      args.push_back({apply.getResidual(), true});
    args.push_back({apply.getOutput(), true});
  } else if (auto add = dyn_cast<AddOp>(op)) {
    kernels::TensorShape in = shapeOf(add.getLhs());
    Activation act = add.getActivation();
    call.kernel =
        kernel(formatv("add:{0},{1},{2},{3},{4}", in.n, in.c, in.h, in.w,
                       static_cast<int>(act))
                   .str(),
               formatv("add @{0}x{1}", in.h, in.w).str(),
               [in, act, &t] { return kernels::buildAdd(in, act, t); });
    args = {
        {add.getLhs(), true}, {add.getRhs(), true}, {add.getOutput(), true}};
  } else if (auto pool = dyn_cast<GlobalAvgPoolOp>(op)) {
    kernels::TensorShape in = shapeOf(pool.getInput());
    bool prologue = static_cast<bool>(pool.getPrologue());
    Activation act = pool.getPrologueActivation();
    call.kernel =
        kernel(formatv("gap:{0},{1},{2},{3},{4},{5}", in.n, in.c, in.h, in.w,
                       prologue, static_cast<int>(act))
                   .str(),
               formatv("global avg pool @{0}x{1}", in.h, in.w).str(),
               [in, prologue, act, &t] {
                 return kernels::buildGlobalAvgPool(in, prologue, act, t);
               });
    args = {{pool.getInput(), true}};
    if (prologue)
      args.push_back({pool.getPrologue(), false});
    args.push_back({pool.getOutput(), false});
  } else if (auto linear = dyn_cast<LinearOp>(op)) {
    auto w = linear.getWeight().getType();
    int64_t n = linear.getInput().getType().getDimSize(0);
    int64_t inFeatures = w.getDimSize(1), labels = w.getDimSize(0);
    call.kernel =
        kernel(formatv("linear:{0},{1},{2}", n, inFeatures, labels).str(),
               formatv("linear {0}->{1}", inFeatures, labels).str(),
               [n, inFeatures, labels, &t] {
                 return kernels::buildLinear(n, inFeatures, labels, t);
               });
    const int64_t macs = n * inFeatures * labels;
    plan.macs += macs;
    plan.macsDone += macs;
    auto input = tensor(linear.getInput(), op);
    if (!input)
      return input.takeError();
    auto weight = linear.getWeight().getDefiningOp<WeightOp>();
    if (!weight)
      return opError(op, "the weight is not a constant");
    std::vector<float> storage;
    FailureOr<ArrayRef<float>> data = getWeightData(weight, storage);
    if (failed(data))
      return opError(op, "cannot read the weights");
    auto bias = tensor(linear.getBias(), op);
    if (!bias)
      return bias.takeError();
    auto output = tensor(linear.getOutput(), op);
    if (!output)
      return output.takeError();
    std::vector<int> shape =
        kernels::packedLinearWeightShape(inFeatures, labels, target);
    call.args = {*input,
                 addWeights(kernels::packLinearWeights(inFeatures, labels,
                                                       target, data->data()),
                            std::vector<int64_t>(shape.begin(), shape.end())),
                 *bias, *output};
    plan.calls.push_back(std::move(call));
    return llvm::Error::success();
  } else {
    return opError(op, "no kernel for '" + op->getName().getStringRef() +
                           "' (compile with the default pass pipeline)");
  }
  for (auto [value, isActivation] : args) {
    auto binding = isActivation ? activation(value, op) : tensor(value, op);
    if (!binding)
      return binding.takeError();
    call.args.push_back(*binding);
  }
  plan.calls.push_back(std::move(call));
  return llvm::Error::success();
}

/// The caller's copies of what `op` computed: a feature map, from the
/// workspace to its NCHW buffer; an [N][C] tensor returned twice (logits of
/// a num_labels 0 classifier and pooler_output), from its first buffer.
llvm::Error Planner::planOutputCopies(Operation *op) {
  const Halide::Target &t = target;
  for (Value result : op->getResults())
    for (size_t k = 0; k < returned.size(); ++k) {
      if (returned[k] != result ||
          (inOutputBuffer(result) && outputIndex(result) == k))
        continue;
      auto type = cast<RankedTensorType>(result.getType());
      kernels::TensorShape shape;
      shape.n = type.getDimSize(0);
      shape.c = type.getDimSize(1);
      shape.h = type.getRank() == 4 ? type.getDimSize(2) : 1;
      shape.w = type.getRank() == 4 ? type.getDimSize(3) : 1;
      KernelCall call;
      call.origin = formatv("loc(\"output {0}\")", plan.outputs[k].name);
      call.kernel = kernel(
          formatv("nchw:{0},{1},{2},{3}", shape.n, shape.c, shape.h, shape.w)
              .str(),
          formatv("to NCHW {0}@{1}x{2}", shape.c, shape.h, shape.w).str(),
          [shape, &t] { return kernels::buildToNCHW(shape, t); });
      // Where the value is, as a 4-D (c, x, y, n) buffer ([n][c]: x = y = 1).
      auto from = type.getRank() == 4 ? activation(result, op)
                                      : tensor(result, op);
      if (!from)
        return from.takeError();
      from->extents = {shape.c, shape.w, shape.h, shape.n};
      from->strides = denseStrides(from->extents);
      BufferBinding to;
      to.source = outputSource(k);
      to.extents = {shape.w, shape.h, shape.c, shape.n};
      to.strides = denseStrides(to.extents);
      call.args = {*from, to};
      plan.calls.push_back(std::move(call));
    }
  return llvm::Error::success();
}

llvm::Expected<ModelPlan> Planner::run() {
  if (func.getNumArguments() != 1 || func.getNumResults() < 1 ||
      func.getNumResults() > kMaxOutputs)
    return opError(func, "forward must take the pixels and return 1.." +
                             llvm::Twine(kMaxOutputs) + " outputs");
  auto inputType = cast<RankedTensorType>(func.getArgumentTypes()[0]);
  plan.batch = inputType.getDimSize(0);
  plan.channels = inputType.getDimSize(1);
  plan.height = inputType.getDimSize(2);
  plan.width = inputType.getDimSize(3);
  if (auto labels =
          BitDialect::LabelsAttrHelper(func.getContext()).getAttr(func))
    for (Attribute label : labels)
      plan.labels.push_back(cast<StringAttr>(label).str());
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
    if (output.name == "logits" && !plan.labels.empty() &&
        static_cast<int64_t>(plan.labels.size()) != output.channels)
      return opError(func, "bit.labels does not match the number of logits");
    plan.outputs.push_back(output);
  }
  auto workspace =
      BitDialect::WorkspaceBytesAttrHelper(func.getContext()).getAttr(func);
  if (!workspace)
    return opError(func, "no workspace plan (run bit-plan-memory first)");
  plan.workspaceBytes = workspace.getInt();
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
  plan.weights.reserve(weightBytes + weightBytes / 2 + (1 << 20));

  for (Operation &op : body) {
    llvm::Error err = llvm::Error::success();
    if (isa<WeightOp, func::ReturnOp>(op))
      continue;
    if (auto conv = dyn_cast<Conv2DOp>(op))
      err = planConv(conv);
    else if (auto pool = dyn_cast<MaxPool2DOp>(op))
      err = planMaxPool(pool);
    else if (auto pad = dyn_cast<PadOp>(op))
      err = planPad(pad);
    else
      err = planOther(&op);
    if (!err)
      err = planOutputCopies(&op);
    if (err)
      return std::move(err);
    for (WeightOp weight : deadAfter.lookup(&op))
      releaseWeightData(weight);
  }
  return std::move(plan);
}

} // namespace

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
