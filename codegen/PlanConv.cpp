//===- PlanConv.cpp - Kernel calls and packed filters of a conv2d ---------===//
//
// A convolution becomes a direct or Winograd kernel (WinogradPolicy), its
// filter packed into the layout of that kernel's register tile, and one
// batch-1 call per image.
//
//===----------------------------------------------------------------------===//

#include "codegen/Planner.h"
#include "codegen/Precision.h"
#include "codegen/kernels/Bf16Conv.h"
#include "codegen/kernels/Int8Conv.h"
#include "ir/WeightData.h"
#include "llvm/Support/FormatVariadic.h"
#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::bit;
using llvm::formatv;

namespace bitc {
namespace {

/// A filter in the int8 kernel's form: per output channel symmetric int8
/// (max |w| -> 127) packed by packInt8ConvWeights, and the kernel's scales
/// (input scale * weight scale per channel, then 1 / input scale) for an
/// input whose calibrated range [inputMin, inputMax] maps onto 0..255.
/// Without a zero point (relu, relu6) inputMin is 0 and 0..inputMax is the
/// range; with one, the range always holds 0, whose code z is exact (the
/// padding), and the scales go on with z and each channel's zero-point term
/// (buildInt8ModelConv's `scales`).
struct Int8Weights {
  std::vector<int8_t> packed;
  std::vector<int64_t> extents;
  std::vector<float> scales;
};

Int8Weights quantizeInt8Weights(const kernels::ConvSpec &spec,
                                llvm::ArrayRef<float> oihw, double inputMin,
                                double inputMax,
                                const Halide::Target &target) {
  const kernels::Int8ConvSpec q = kernels::int8SpecOf(spec);
  const int64_t perOut = spec.inC * spec.kernelH * spec.kernelW;
  const bool zeroPoint = kernels::int8HasZeroPoint(spec);
  const double lo = zeroPoint ? std::min(inputMin, 0.0) : 0.0;
  const double hi = std::max(inputMax, lo + 1e-30);
  const double inputScale = (hi - lo) / 255.0;
  // The kernel's code of 0: z, or z - 128 for signed codes.
  const double z = std::clamp(std::nearbyint(-lo / inputScale), 0.0, 255.0) -
                   (kernels::int8SignedCodes(target) ? 128.0 : 0.0);
  const bool kernelZeroPoint = kernels::int8KernelZeroPoint(spec, target);
  std::vector<int8_t> values(oihw.size());
  Int8Weights w;
  w.scales.resize(kernelZeroPoint ? 2 * spec.outC + 2 : spec.outC + 1);
  for (int64_t co = 0; co < spec.outC; ++co) {
    double m = 0;
    for (int64_t i = 0; i < perOut; ++i)
      m = std::max(m, std::fabs(double(oihw[co * perOut + i])));
    const double scale = m > 0 ? m / 127.0 : 1.0;
    int64_t sum = 0; // of the channel's int8 weights: the zero-point term
    for (int64_t i = 0; i < perOut; ++i) {
      values[co * perOut + i] = static_cast<int8_t>(std::clamp(
          std::nearbyint(oihw[co * perOut + i] / scale), -127.0, 127.0));
      sum += values[co * perOut + i];
    }
    w.scales[co] = static_cast<float>(scale * inputScale);
    if (kernelZeroPoint)
      w.scales[spec.outC + 2 + co] =
          static_cast<float>(-scale * inputScale * z * double(sum));
  }
  w.scales[spec.outC] = static_cast<float>(1.0 / inputScale);
  if (kernelZeroPoint)
    w.scales[spec.outC + 1] = static_cast<float>(z);
  w.packed = kernels::packInt8ConvWeights(q, target, values.data());
  std::vector<int> shape = kernels::packedInt8ConvWeightShape(q, target);
  w.extents.assign(shape.begin(), shape.end());
  return w;
}

} // namespace

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
  // Calibrated (--precision int8) and supported: the int8 kernel, direct.
  auto int8Max = op->getAttrOfType<FloatAttr>(kInt8InputMaxAttr);
  auto int8Min = op->getAttrOfType<FloatAttr>(kInt8InputMinAttr);
  const bool int8 = int8Max && kernels::int8ConvSupports(spec, target);
  // --precision bf16 and supported: the bf16 kernel, direct.
  const bool bf16 =
      op->hasAttr(kBf16Attr) && kernels::bf16ConvSupports(spec, target);
  const int winogradTile =
      winograd == WinogradPolicy::Off || int8 || bf16
          ? 0
          : kernels::chooseWinogradTile(spec, winograd == WinogradPolicy::On);
  call.kernel = kernel(ConvKernel{spec, winogradTile, int8, bf16});
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
  if (int8) {
    Int8Weights q =
        quantizeInt8Weights(spec, *data, int8Min ? int8Min.getValueAsDouble() : 0.0,
                            int8Max.getValueAsDouble(), target);
    call.args.push_back(addBytes(q.packed, q.extents));
    call.args.push_back(addWeights(q.scales, {int64_t(q.scales.size())}));
  } else if (bf16) {
    std::vector<uint16_t> packed =
        kernels::packBf16ConvWeights(spec, target, data->data());
    std::vector<int> shape = kernels::packedBf16ConvWeightShape(spec, target);
    call.args.push_back(
        addHalves(packed, std::vector<int64_t>(shape.begin(), shape.end())));
  } else {
    std::vector<int> shape =
        winogradTile
            ? kernels::packedWinogradWeightShape(spec, winogradTile, target)
            : kernels::packedConvWeightShape(spec, target);
    call.args.push_back(addWeights(
        winogradTile ? kernels::packWinogradWeights(spec, winogradTile, target,
                                                    data->data())
                     : kernels::packConvWeights(spec, target, data->data()),
        std::vector<int64_t>(shape.begin(), shape.end())));
  }
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
  // One call per image: every argument but the weights (argument 1, and the
  // int8 scales, argument 2) has the image as its outermost Halide dimension.
  for (int64_t image = 0; image < images; ++image) {
    KernelCall one = call;
    for (size_t a = 0; a < one.args.size(); ++a) {
      if (a == 1 || (int8 && a == 2))
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
