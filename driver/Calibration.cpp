//===- Calibration.cpp - Activation ranges for --precision int8 -----------===//

#include "driver/Calibration.h"
#include "frontend/JsonUtil.h"
#include "interp/Interpreter.h"
#include "ir/BitOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

extern "C" {
#include "examples/common/image_io.h"
#include "runtime/Preprocess.h"
}

using namespace mlir;
using namespace mlir::bit;

namespace bitc {
namespace {

/// The table the object's <name>_preprocess_rgb8 reads (as EntryPoint.cpp
/// emits it), for the same C code.
bitc_preprocess runtimeTable(const PreprocessPlan &pre, int64_t channels,
                             int64_t height, int64_t width) {
  bitc_preprocess t{};
  t.channels = channels;
  t.height = height;
  t.width = width;
  t.flags = (pre.doResize ? BITC_PRE_RESIZE : 0) |
            (pre.doCenterCrop ? BITC_PRE_CENTER_CROP : 0) |
            (pre.doRescale ? BITC_PRE_RESCALE : 0) |
            (pre.doNormalize ? BITC_PRE_NORMALIZE : 0) |
            (pre.fixedSize ? BITC_PRE_FIXED_SIZE : 0);
  t.resample = pre.resample;
  t.shortest_edge = pre.shortestEdge;
  t.resize_height = pre.resizeHeight;
  t.resize_width = pre.resizeWidth;
  t.crop_height = pre.cropHeight;
  t.crop_width = pre.cropWidth;
  t.rescale_factor = pre.rescaleFactor;
  for (int c = 0; c < 3; ++c) {
    t.mean[c] = pre.mean[c];
    t.std[c] = pre.std[c];
  }
  t.processor =
      pre.torchvision ? BITC_PROCESSOR_TORCHVISION : BITC_PROCESSOR_PIL;
  return t;
}

/// Decodes and preprocesses `path` into `pixels` (channels x height x width).
llvm::Error loadImage(const std::string &path, const bitc_preprocess &table,
                      float *pixels) {
  image img{};
  if (!load_image(nullptr, path.c_str(), &img)) {
    // image_error() is "path: why".
    std::string why = image_error();
    if (llvm::StringRef(why).starts_with(path + ": "))
      why = why.substr(path.size() + 2);
    return makeError(path + ": --calibration: " + why);
  }
  int status = bitc_preprocess_rgb8(&table, img.rgb, img.width, img.height,
                                    3 * img.width, pixels);
  std::free(img.rgb);
  if (status != 0)
    return makeError(path + ": --calibration: the preprocessing failed (" +
                     std::to_string(status) + ")");
  return llvm::Error::success();
}

/// The smallest and largest value seen.
struct Range {
  double min = 0, max = 0;
};

/// Where `act` has its smallest value on [-8, 0], found by golden-section
/// search. Every activation bitc knows is monotonic or falls to one minimum
/// there and rises after it (gelu, silu, mish...), so on an interval
/// [a, b] its range is spanned by a, b and this point when a <= it <= b.
double activationDip(Activation act) {
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double a = -8, b = 0;
  for (int i = 0; i < 80; ++i) {
    const double p = b - ratio * (b - a), q = a + ratio * (b - a);
    if (applyActivation(act, p) < applyActivation(act, q))
      b = q;
    else
      a = p;
  }
  return (a + b) / 2;
}

/// The range of `conv`'s input after its prologue: per channel the input's
/// range through the linear map (scale, shift), then the activation at the
/// two ends (and at its dip, inside them).
Range inputRange(Conv2DOp conv, double dip,
                 llvm::function_ref<const HostTensor &(Value)> lookup) {
  const HostTensor &in = lookup(conv.getInput());
  const HostTensor &pro = lookup(conv.getPrologue());
  const Activation act = conv.getPrologueActivation();
  const int64_t batch = in.shape[0], channels = in.shape[1];
  const int64_t plane = in.shape[2] * in.shape[3];
  Range range;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const double scale = pro.data[(n * 2 + 0) * channels + c];
      const double shift = pro.data[(n * 2 + 1) * channels + c];
      const float *x = in.data.data() + (n * channels + c) * plane;
      auto [lo, hi] = std::minmax_element(x, x + plane);
      double a = *lo * scale + shift, b = *hi * scale + shift;
      if (a > b)
        std::swap(a, b);
      for (double v : {a, b}) {
        const double y = applyActivation(act, v);
        range.min = std::min(range.min, y);
        range.max = std::max(range.max, y);
      }
      if (a < dip && dip < b)
        range.min = std::min(range.min, applyActivation(act, dip));
    }
  return range;
}

} // namespace

llvm::Error calibrateInt8(ModuleOp module, const PreprocessPlan &pre,
                          const std::vector<std::string> &images) {
  auto func = module.lookupSymbol<func::FuncOp>("forward");
  if (!func)
    return makeError("calibration: the module has no @forward");
  auto inputType =
      cast<RankedTensorType>(func.getBody().front().getArgument(0).getType());
  const int64_t batch = inputType.getDimSize(0);
  const int64_t channels = inputType.getDimSize(1);
  const int64_t height = inputType.getDimSize(2);
  const int64_t width = inputType.getDimSize(3);
  const bitc_preprocess table = runtimeTable(pre, channels, height, width);
  const int64_t floats = channels * height * width;

  llvm::MapVector<Operation *, Range> ranges;
  llvm::DenseMap<Activation, double> dips;
  OpObserver observe = [&](Operation *op,
                           llvm::function_ref<const HostTensor &(Value)> look) {
    auto conv = dyn_cast<Conv2DOp>(op);
    if (!conv || !conv.getPrologue())
      return;
    const Activation act = conv.getPrologueActivation();
    auto [dip, fresh] = dips.try_emplace(act, 0.0);
    if (fresh)
      dip->second = activationDip(act);
    Range seen = inputRange(conv, dip->second, look);
    Range &r = ranges[op];
    r.min = std::min(r.min, seen.min);
    r.max = std::max(r.max, seen.max);
  };
  InterpreterCache cache;
  // The compiled batch at a time; a last partial batch repeats its last image
  // (a repeat does not change a maximum).
  for (size_t first = 0; first < images.size(); first += batch) {
    HostTensor input;
    input.shape = {batch, channels, height, width};
    input.data.resize(batch * floats);
    for (int64_t n = 0; n < batch; ++n) {
      size_t index = std::min(first + n, images.size() - 1);
      if (llvm::Error err =
              loadImage(images[index], table, input.data.data() + n * floats))
        return err;
    }
    auto results = interpret(func, {input}, observe, &cache);
    if (!results)
      return results.takeError();
  }
  Builder builder(module.getContext());
  for (auto [op, r] : ranges) {
    if (r.max <= 0 && r.min >= 0)
      continue; // nothing but zeros: stays fp32
    op->setAttr(kInt8InputMaxAttr, builder.getF32FloatAttr(float(r.max)));
    if (r.min < 0)
      op->setAttr(kInt8InputMinAttr, builder.getF32FloatAttr(float(r.min)));
  }
  return llvm::Error::success();
}

} // namespace bitc
