//===- TileGroupNorm.cpp - Group-norm statistics in the producer ----------===//
//
// The statistics of a group norm need a full pass over its input. When the
// input is produced by a conv, the conv can reduce each finished output tile
// while it is still in cache: per tile and group it emits (count, mean, M2),
// and a tiny combine step merges the tiles with Chan et al.'s formula
//   n = na + nb,  d = mb - ma,  m = ma + d * nb / n,
//   M2 = M2a + M2b + d^2 * na * nb / n,
// which, unlike fp32 sum / sum-of-squares, does not cancel when the mean is
// large compared to the spread.
//
//===----------------------------------------------------------------------===//

#include "ir/BitOps.h"
#include "mlir/IR/PatternMatch.h"
#include "passes/Passes.h"

namespace mlir::bit {
#define GEN_PASS_DEF_BITTILEGROUPNORM
#include "passes/Passes.h.inc"
} // namespace mlir::bit

using namespace mlir;
using namespace mlir::bit;

namespace {

struct TileGroupNormPass
    : mlir::bit::impl::BitTileGroupNormBase<TileGroupNormPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<GroupNormStatsOp> statsOps;
    getOperation().walk([&](GroupNormStatsOp op) { statsOps.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (GroupNormStatsOp stats : statsOps) {
      auto conv = stats.getInput().getDefiningOp<Conv2DOp>();
      if (!conv || conv.getStats())
        continue;
      auto outType = conv.getOutput().getType();
      int64_t height = outType.getDimSize(2);
      int64_t width = outType.getDimSize(3);
      int64_t tileRows = std::clamp<int64_t>(
          tilePixels / std::max<int64_t>(width, 1), 1, height);
      int64_t tiles = (height + tileRows - 1) / tileRows;
      int64_t groups = stats.getGroups();
      auto partialsType = RankedTensorType::get(
          {outType.getDimSize(0), tiles, groups, 3}, outType.getElementType());

      rewriter.setInsertionPoint(conv);
      auto tiled = rewriter.create<Conv2DOp>(
          conv.getLoc(), outType, partialsType, conv.getInput(),
          conv.getWeight(), conv.getPrologue(), conv.getResidual(),
          conv.getStridesAttr(), conv.getDilationsAttr(), conv.getPaddingAttr(),
          conv.getWsEpsAttr(), conv.getPrologueActivationAttr(),
          rewriter.getI64IntegerAttr(groups),
          rewriter.getI64IntegerAttr(tileRows));
      // Keep any attributes other passes attached.
      for (NamedAttribute attr : conv->getDiscardableAttrs())
        tiled->setAttr(attr.getName(), attr.getValue());
      rewriter.replaceAllUsesWith(conv.getOutput(), tiled.getOutput());
      rewriter.eraseOp(conv);

      rewriter.setInsertionPoint(stats);
      auto combined = rewriter.create<GroupNormCombineOp>(
          stats.getLoc(), stats.getType(), tiled.getStats(), stats.getGamma(),
          stats.getBeta(), stats.getEpsAttr());
      rewriter.replaceOp(stats, combined.getScaleShift());
    }
  }
};

} // namespace
