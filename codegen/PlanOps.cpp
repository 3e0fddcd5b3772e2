//===- PlanOps.cpp - Kernel calls of the ops other than conv2d ------------===//
//
// Pools, pads, the group norm kernels, adds and the classifier. Each op is
// one call of a kernel keyed by its shapes and options; only the classifier
// packs its weights (packLinearWeights).
//
//===----------------------------------------------------------------------===//

#include "codegen/Planner.h"
#include "ir/WeightData.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::bit;
using llvm::formatv;

namespace bitc {

llvm::Error Planner::plan(MaxPool2DOp op) {
  // A zero pad read only by this pool is folded into the pool kernel when
  // that is safe (see padFoldsIntoPool).
  Value source = op.getInput();
  MaxPoolKernel key;
  if (auto padOp = source.getDefiningOp<PadOp>();
      padOp && padFoldsIntoPool(padOp)) {
    source = padOp.getInput();
    for (int i = 0; i < 4; ++i)
      key.pad[i] = padOp.getPadding()[i];
  }
  key.in = shapeOf(source);
  key.window = op.getKernel()[0];
  key.stride = op.getStrides()[0];
  if (op.getKernel()[1] != key.window || op.getStrides()[1] != key.stride)
    return opError(op, "only square max pools are supported");
  return addCall(op, key, {{source, true}, {op.getOutput(), true}});
}

llvm::Error Planner::plan(PadOp op) {
  // Folded into its max pool (see plan(MaxPool2DOp)).
  if (padFoldsIntoPool(op))
    return llvm::Error::success();
  ArrayRef<int64_t> p = op.getPadding();
  PadKernel key{shapeOf(op.getInput()),
                {p[0], p[1], p[2], p[3]},
                static_cast<float>(op.getValue().convertToDouble())};
  return addCall(op, key, {{op.getInput(), true}, {op.getOutput(), true}});
}

llvm::Error Planner::plan(GroupNormStatsOp op) {
  GroupNormStatsKernel key{shapeOf(op.getInput()),
                           static_cast<int64_t>(op.getGroups()),
                           op.getEps().convertToDouble()};
  return addCall(op, key,
                 {{op.getInput(), true},
                  {op.getGamma(), false},
                  {op.getBeta(), false},
                  {op.getScaleShift(), false}});
}

llvm::Error Planner::plan(GroupNormCombineOp op) {
  auto partials = op.getPartials().getType();
  GroupNormCombineKernel key;
  key.batch = partials.getDimSize(0);
  key.tiles = partials.getDimSize(1);
  key.groups = partials.getDimSize(2);
  key.channels = op.getGamma().getType().getDimSize(0);
  key.eps = op.getEps().convertToDouble();
  return addCall(op, key,
                 {{op.getPartials(), false},
                  {op.getGamma(), false},
                  {op.getBeta(), false},
                  {op.getScaleShift(), false}});
}

llvm::Error Planner::plan(ApplyNormOp op) {
  ApplyNormKernel key{shapeOf(op.getInput()),
                      static_cast<bool>(op.getResidual()), op.getActivation()};
  SmallVector<std::pair<Value, bool>> args = {{op.getInput(), true},
                                              {op.getScaleShift(), false}};
  if (key.residual)
    args.push_back({op.getResidual(), true});
  args.push_back({op.getOutput(), true});
  return addCall(op, key, args);
}

llvm::Error Planner::plan(AddOp op) {
  AddKernel key{shapeOf(op.getLhs()), op.getActivation()};
  return addCall(
      op, key,
      {{op.getLhs(), true}, {op.getRhs(), true}, {op.getOutput(), true}});
}

llvm::Error Planner::plan(GlobalAvgPoolOp op) {
  GlobalAvgPoolKernel key{shapeOf(op.getInput()),
                          static_cast<bool>(op.getPrologue()),
                          op.getPrologueActivation()};
  SmallVector<std::pair<Value, bool>> args = {{op.getInput(), true}};
  if (key.prologue)
    args.push_back({op.getPrologue(), false});
  args.push_back({op.getOutput(), false});
  return addCall(op, key, args);
}

llvm::Error Planner::plan(LinearOp op) {
  auto w = op.getWeight().getType();
  LinearKernel key{op.getInput().getType().getDimSize(0), w.getDimSize(1),
                   w.getDimSize(0)};
  KernelCall call;
  call.origin = formatv("{0}", op.getLoc()).str();
  call.kernel = kernel(key);
  const int64_t macs = key.batch * key.inFeatures * key.labels;
  result.macs += macs;
  result.macsDone += macs;
  auto input = tensor(op.getInput(), op);
  if (!input)
    return input.takeError();
  auto weight = op.getWeight().getDefiningOp<WeightOp>();
  if (!weight)
    return opError(op, "the weight is not a constant");
  std::vector<float> storage;
  FailureOr<ArrayRef<float>> data = getWeightData(weight, storage);
  if (failed(data))
    return opError(op, "cannot read the weights");
  auto bias = tensor(op.getBias(), op);
  if (!bias)
    return bias.takeError();
  auto output = tensor(op.getOutput(), op);
  if (!output)
    return output.takeError();
  std::vector<int> shape =
      kernels::packedLinearWeightShape(key.inFeatures, key.labels, target);
  call.args = {*input,
               addWeights(kernels::packLinearWeights(key.inFeatures, key.labels,
                                                     target, data->data()),
                          std::vector<int64_t>(shape.begin(), shape.end())),
               *bias, *output};
  result.calls.push_back(std::move(call));
  return llvm::Error::success();
}

} // namespace bitc
