//===- FuseResidual.cpp - Residual additions into conv epilogues ----------===//
//
// `out = conv(x) + r` is computed by the conv itself as it stores each output
// element, which saves a full read and write of the activation per block.
//
//===----------------------------------------------------------------------===//

#include "ir/BitOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "passes/Passes.h"

namespace mlir::bit {
#define GEN_PASS_DEF_BITFUSERESIDUAL
#include "passes/Passes.h.inc"
} // namespace mlir::bit

using namespace mlir;
using namespace mlir::bit;

namespace {

struct FuseResidualPass
    : mlir::bit::impl::BitFuseResidualBase<FuseResidualPass> {
  void runOnOperation() override {
    DominanceInfo dominance(getOperation());
    IRRewriter rewriter(&getContext());
    SmallVector<AddOp> adds;
    getOperation().walk([&](AddOp add) { adds.push_back(add); });
    for (AddOp add : adds) {
      if (add.getActivation() != Activation::None)
        continue;
      // Prefer the conv whose other addend is already computed; in a
      // projection block both addends are convs and only conv3 qualifies.
      for (auto [convValue, residual] :
           {std::make_pair(add.getLhs(), add.getRhs()),
            std::make_pair(add.getRhs(), add.getLhs())}) {
        auto conv = convValue.getDefiningOp<Conv2DOp>();
        if (!conv || conv.getResidual() || conv.getStats() ||
            !conv.getOutput().hasOneUse() ||
            !dominance.properlyDominates(residual, conv))
          continue;
        rewriter.modifyOpInPlace(
            conv, [&] { conv.getResidualMutable().assign(residual); });
        rewriter.replaceOp(add, conv.getOutput());
        break;
      }
    }
  }
};

} // namespace
