//===- FoldWeightStandardization.cpp - Standardize weights offline --------===//
//
// Weight standardization is a function of the constant filter only:
//   W'[o] = (W[o] - mean_o) / sqrt(var_o + eps),
// mean_o and the biased var_o taken over (in, kh, kw) of output channel o.
// Computing it here, in double, removes a per-inference pass over the
// weights and lets codegen see ordinary convolutions.
//
//===----------------------------------------------------------------------===//

#include "ir/BitOps.h"
#include "ir/WeightData.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "llvm/ADT/DenseMap.h"
#include <cmath>
#include <map>

namespace mlir::bit {
#define GEN_PASS_DEF_BITFOLDWEIGHTSTANDARDIZATION
#include "passes/Passes.h.inc"
} // namespace mlir::bit

using namespace mlir;
using namespace mlir::bit;

namespace {

std::vector<float> standardize(ArrayRef<float> weights, int64_t outChannels,
                               double eps) {
  int64_t perChannel = weights.size() / outChannels;
  std::vector<float> result(weights.size());
  for (int64_t o = 0; o < outChannels; ++o) {
    ArrayRef<float> w = weights.slice(o * perChannel, perChannel);
    double sum = 0;
    for (float v : w)
      sum += v;
    double mean = sum / perChannel;
    double squares = 0;
    for (float v : w)
      squares += (v - mean) * (v - mean);
    double rstd = 1.0 / std::sqrt(squares / perChannel + eps);
    for (int64_t i = 0; i < perChannel; ++i)
      result[o * perChannel + i] = static_cast<float>((w[i] - mean) * rstd);
  }
  return result;
}

struct FoldWeightStandardizationPass
    : mlir::bit::impl::BitFoldWeightStandardizationBase<
          FoldWeightStandardizationPass> {
  void runOnOperation() override {
    // One standardized copy per (filter, eps), even if several convs share it.
    std::map<std::pair<Operation *, double>, Value> folded;
    WalkResult result = getOperation().walk([&](Conv2DOp conv) {
      std::optional<llvm::APFloat> eps = conv.getWsEps();
      if (!eps)
        return WalkResult::advance();
      auto weight = conv.getWeight().getDefiningOp<WeightOp>();
      if (!weight)
        return WalkResult::advance(); // Not a constant: keep ws_eps.
      double epsValue = eps->convertToDouble();
      Value &standardized = folded[{weight.getOperation(), epsValue}];
      if (!standardized) {
        std::vector<float> storage;
        FailureOr<ArrayRef<float>> data = getWeightData(weight, storage);
        if (failed(data))
          return WalkResult::interrupt();
        auto type = cast<RankedTensorType>(weight.getResult().getType());
        std::string key = (weight.getParam() + ".standardized").str();
        auto attr = makeResourceAttr(
            type, key, standardize(*data, type.getDimSize(0), epsValue));
        OpBuilder builder(weight);
        auto op = builder.create<WeightOp>(weight.getLoc(),
                                           weight.getParamAttr(), attr);
        BitDialect::StandardizedAttrHelper(op->getContext())
            .setAttr(op, builder.getUnitAttr());
        standardized = op.getResult();
      }
      conv.getWeightMutable().assign(standardized);
      conv.removeWsEpsAttr();
      // The raw filter is not read again: free it now rather than with the
      // context, so a big model is not held raw and folded at once.
      if (weight->use_empty())
        releaseWeightData(weight);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    // Drop the raw filters nobody reads any more.
    getOperation().walk([](WeightOp weight) {
      if (weight->use_empty())
        weight->erase();
    });
  }
};

} // namespace
