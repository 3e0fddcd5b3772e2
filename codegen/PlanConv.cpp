//===- PlanConv.cpp - Kernel calls and packed filters of a conv2d ---------===//
//
// A convolution becomes a direct or Winograd kernel (WinogradPolicy), its
// filter packed into the layout of that kernel's register tile, and one
// batch-1 call per image.
//
//===----------------------------------------------------------------------===//

#include "codegen/Planner.h"
#include "ir/WeightData.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::bit;
using llvm::formatv;

namespace bitc {

llvm::Error Planner::plan(Conv2DOp op) {
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
  const int winogradTile =
      winograd == WinogradPolicy::Off
          ? 0
          : kernels::chooseWinogradTile(spec, winograd == WinogradPolicy::On);
  call.kernel = kernel(ConvKernel{spec, winogradTile});
  result.macs += totalMacs;
  result.macsDone += winogradTile
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
    result.calls.push_back(std::move(one));
  }
  return llvm::Error::success();
}

} // namespace bitc
