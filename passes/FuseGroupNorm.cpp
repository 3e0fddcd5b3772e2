//===- FuseGroupNorm.cpp - Group norm into consumer prologues -------------===//
//
// group_norm(x) = act(x * scale[n, c] + shift[n, c]) with
//   scale = gamma * rstd(n, g),  shift = beta - scale * mean(n, g).
// Only the statistics need a reduction over x; the affine map and the
// activation are elementwise, so they are applied by each consumer while it
// reads x, and the normalized tensor is never written to memory.
//
//===----------------------------------------------------------------------===//

#include "ir/BitOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "passes/Passes.h"

namespace mlir::bit {
#define GEN_PASS_DEF_BITFUSEGROUPNORM
#include "passes/Passes.h.inc"
} // namespace mlir::bit

using namespace mlir;
using namespace mlir::bit;

namespace {

struct FuseGroupNormPass
    : mlir::bit::impl::BitFuseGroupNormBase<FuseGroupNormPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<GroupNormOp> norms;
    getOperation().walk([&](GroupNormOp op) { norms.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (GroupNormOp norm : norms)
      fuse(rewriter, norm);
  }

  void fuse(IRRewriter &rewriter, GroupNormOp norm) {
    rewriter.setInsertionPoint(norm);
    Location loc = norm.getLoc();
    Value input = norm.getInput();
    auto inputType = norm.getInput().getType();
    auto ssType = RankedTensorType::get(
        {inputType.getDimSize(0), 2, inputType.getDimSize(1)},
        inputType.getElementType());
    Value stats = rewriter.create<GroupNormStatsOp>(
        loc, ssType, input, norm.getGamma(), norm.getBeta(),
        norm.getGroupsAttr(), norm.getEpsAttr());
    Activation activation = norm.getActivation();

    // A norm without activation feeding one add: apply it there, with the
    // other addend as residual and the add's activation after the sum.
    if (activation == Activation::None && norm->hasOneUse()) {
      if (auto add = dyn_cast<AddOp>(*norm->user_begin())) {
        Value other =
            add.getLhs() == norm.getOutput() ? add.getRhs() : add.getLhs();
        if (other != norm.getOutput()) {
          rewriter.setInsertionPoint(add);
          auto applied = rewriter.create<ApplyNormOp>(
              add.getLoc(), add.getType(), input, stats, other,
              add.getActivationAttr());
          rewriter.replaceOp(add, applied.getOutput());
          rewriter.eraseOp(norm);
          return;
        }
      }
    }

    Value applied; // Materialized lazily for consumers that cannot fuse.
    for (OpOperand &use : llvm::make_early_inc_range(norm->getUses())) {
      Operation *user = use.getOwner();
      if (auto conv = dyn_cast<Conv2DOp>(user);
          conv && use.get() == conv.getInput() && use.getOperandNumber() == 0 &&
          !conv.getPrologue()) {
        rewriter.modifyOpInPlace(conv, [&] {
          conv.getInputMutable().assign(input);
          conv.getPrologueMutable().assign(stats);
          conv.setPrologueActivation(activation);
        });
        continue;
      }
      if (auto pool = dyn_cast<GlobalAvgPoolOp>(user);
          pool && fuseIntoPool && !pool.getPrologue()) {
        rewriter.modifyOpInPlace(pool, [&] {
          pool.getInputMutable().assign(input);
          pool.getPrologueMutable().assign(stats);
          pool.setPrologueActivation(activation);
        });
        continue;
      }
      if (!applied) {
        rewriter.setInsertionPoint(norm);
        applied =
            rewriter.create<ApplyNormOp>(loc, norm.getType(), input, stats,
                                         Value(), norm.getActivationAttr());
      }
      rewriter.modifyOpInPlace(user, [&] { use.set(applied); });
    }
    rewriter.eraseOp(norm);
  }
};

} // namespace
