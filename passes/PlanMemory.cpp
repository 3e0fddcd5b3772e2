//===- PlanMemory.cpp - Liveness-based arena offsets ----------------------===//
//
// A classic static planner: the function is one block, so every intermediate
// tensor lives from its defining op to its last user. Tensors are placed
// largest first at the lowest aligned offset that overlaps no placed tensor
// whose live range intersects its own. The input of a zero pad folded into
// its max pool lives until the pool. The function's results: an [N][C]
// result (logits, pooler_output) is written into the caller's buffer and
// takes no workspace (offset -1); a returned feature map (a stage output,
// also the next stage's input) lives in the workspace until its last reader
// inside the function, as code generation copies it out right after it is
// computed.
//
//===----------------------------------------------------------------------===//

#include "ir/BitOps.h"
#include "mlir/IR/Builders.h"
#include "passes/Passes.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::bit {
#define GEN_PASS_DEF_BITPLANMEMORY
#include "passes/Passes.h.inc"
} // namespace mlir::bit

using namespace mlir;
using namespace mlir::bit;

namespace {

struct Buffer {
  Value value;
  int64_t begin; // index of the defining op
  int64_t end;   // index of the last user (inclusive)
  int64_t bytes;
  int64_t offset = -1;
};

struct PlanMemoryPass : mlir::bit::impl::BitPlanMemoryBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!func.getBody().hasOneBlock()) {
      func.emitOpError() << "bit-plan-memory expects a single-block function";
      return signalPassFailure();
    }
    Block &block = func.getBody().front();
    llvm::DenseMap<Operation *, int64_t> index;
    int64_t position = 0;
    for (Operation &op : block)
      index[&op] = position++;

    std::vector<Buffer> buffers;
    int64_t naive = 0;
    Operation *terminator = block.getTerminator();
    for (Operation &op : block) {
      if (isa<WeightOp>(op) || op.hasTrait<OpTrait::IsTerminator>())
        continue;
      for (Value result : op.getResults()) {
        auto type = cast<RankedTensorType>(result.getType());
        bool returned = llvm::is_contained(terminator->getOperands(), result);
        if (returned && type.getRank() == 2)
          continue; // in the caller's buffer
        int64_t bytes = alignTo(type.getNumElements() * 4);
        int64_t end = index[&op];
        for (Operation *user : result.getUsers())
          if (user != terminator)
            end = std::max(end, index[block.findAncestorOpInBlock(*user)]);
        buffers.push_back({result, index[&op], end, bytes});
        naive += bytes;
      }
    }
    // Code generation folds a zero pad read only by a max pool into the pool
    // kernel, which then reads the pad's input: keep that input live through
    // the pool, so the pool's output is never placed over it (its parallel
    // row bands would overwrite rows other bands have not read yet).
    llvm::DenseMap<Value, int64_t> foldedPadInputEnd;
    for (Operation &op : block)
      if (auto pad = dyn_cast<PadOp>(op))
        if (MaxPool2DOp pool = pad.getFoldingPool())
          foldedPadInputEnd[pad.getInput()] =
              index[block.findAncestorOpInBlock(*pool)];
    for (Buffer &buffer : buffers)
      if (auto it = foldedPadInputEnd.find(buffer.value);
          it != foldedPadInputEnd.end())
        buffer.end = std::max(buffer.end, it->second);

    std::vector<Buffer *> order;
    for (Buffer &buffer : buffers)
      order.push_back(&buffer);
    std::stable_sort(order.begin(), order.end(),
                     [](Buffer *a, Buffer *b) { return a->bytes > b->bytes; });
    std::vector<Buffer *> placed;
    int64_t arena = 0;
    for (Buffer *buffer : order) {
      std::vector<Buffer *> live;
      for (Buffer *other : placed)
        if (other->begin <= buffer->end && buffer->begin <= other->end)
          live.push_back(other);
      std::sort(live.begin(), live.end(),
                [](Buffer *a, Buffer *b) { return a->offset < b->offset; });
      int64_t offset = 0;
      for (Buffer *other : live) {
        if (offset + buffer->bytes <= other->offset)
          break;
        offset = std::max(offset, alignTo(other->offset + other->bytes));
      }
      buffer->offset = offset;
      arena = std::max(arena, offset + buffer->bytes);
      placed.push_back(buffer);
    }

    Builder builder(&getContext());
    llvm::DenseMap<Operation *, SmallVector<int64_t>> offsets;
    for (Operation &op : block)
      if (!isa<WeightOp>(op) && op.getNumResults() > 0)
        offsets[&op].assign(op.getNumResults(), -1); // -1: caller's buffer
    for (Buffer &buffer : buffers)
      offsets[buffer.value.getDefiningOp()]
             [cast<OpResult>(buffer.value).getResultNumber()] = buffer.offset;
    for (auto &[op, list] : offsets)
      BitDialect::OffsetsAttrHelper(&getContext())
          .setAttr(op, builder.getDenseI64ArrayAttr(list));
    BitDialect::WorkspaceBytesAttrHelper(&getContext())
        .setAttr(func, builder.getI64IntegerAttr(arena));
    BitDialect::NaiveBytesAttrHelper(&getContext())
        .setAttr(func, builder.getI64IntegerAttr(naive));
  }

  int64_t alignTo(int64_t bytes) const {
    int64_t a = std::max<int64_t>(alignment, 1);
    return (bytes + a - 1) / a * a;
  }
};

} // namespace
