//===- WeightPrefetch.cpp - Next channel block's weights, ahead of time ---===//
//
// A lowering pass for direct convolutions whose channel blocks are the
// outer loop (ConvPlan::blocksOuter): while one block runs its rows, the
// reduction loop prefetches the next block's weights, spread evenly over
// the rows after the first. Without it a block's weights come from memory
// in one burst during its first row, three times faster than one core can
// stream them, and the transfer does not overlap the arithmetic
// (docs/performance.md, "An Intel Xeon machine"; bench/kernels/
// prefetch_model.c).
//
//===----------------------------------------------------------------------===//

#include "codegen/kernels/WeightPrefetch.h"

#include "llvm/ADT/StringRef.h"

#include <Halide.h>

#include <optional>
#include <vector>

namespace bitc::kernels::detail {

using namespace Halide;
using namespace Halide::Internal;

namespace {

/// The index of the first load of `buffer` in a statement.
class FirstLoad : public IRVisitor {
public:
  explicit FirstLoad(std::string buffer) : buffer(std::move(buffer)) {}
  std::optional<Expr> index;

private:
  using IRVisitor::visit;
  void visit(const Load *op) override {
    if (!index && op->name == buffer) {
      const Ramp *ramp = op->index.as<Ramp>();
      index = ramp ? ramp->base : op->index;
    }
    IRVisitor::visit(op);
  }
  std::string buffer;
};

struct Loop {
  std::string name;
  Expr min;
  int64_t extent;
};

class InsertPrefetches : public IRMutator {
public:
  InsertPrefetches(const WeightReuseLoops &names, std::string weights,
                   int64_t unitFloats)
      : names(names), weights(std::move(weights)), unitFloats(unitFloats) {}

private:
  using IRMutator::visit;

  Stmt visit(const For *op) override {
    const int64_t *extent = as_const_int(op->extent);
    loops.push_back({op->name, op->min, extent ? *extent : -1});
    Stmt body = mutate(op->body);
    loops.pop_back();
    if (llvm::StringRef(op->name).starts_with(names.accumulator + ".s1.") &&
        llvm::StringRef(op->name).ends_with(".rco"))
      if (std::optional<Stmt> prefetches = prefetchesFor(op, body))
        body = Block::make(*prefetches, body);
    if (body.same_as(op->body))
      return op;
    return For::make(op->name, op->min, op->extent, op->for_type,
                     op->device_api, body);
  }

  const Loop *enclosing(const std::string &name) const {
    for (auto it = loops.rbegin(); it != loops.rend(); ++it)
      if (it->name == name)
        return &*it;
    return nullptr;
  }

  /// The prefetches one iteration of the reduction loop `rco` issues.
  std::optional<Stmt> prefetchesFor(const For *rco, const Stmt &body) {
    const int64_t *rcoExtent = as_const_int(rco->extent);
    const Loop *row = enclosing(names.reuse);
    const int64_t sharers =
        row ? row->extent - (names.prefetchDuringFirst ? 0 : 1) : 0;
    if (!rcoExtent || sharers < 1)
      return std::nullopt;
    FirstLoad load(weights);
    body.accept(&load);
    if (!load.index)
      return std::nullopt;
    // The loops inside one reuse iteration, outermost first, then the loop
    // over input-channel pairs.
    std::vector<Loop> inner;
    for (const std::string &name : names.inner)
      if (const Loop *l = enclosing(name)) {
        if (l->extent < 1)
          return std::nullopt;
        inner.push_back(*l);
      }
    inner.push_back({rco->name, rco->min, *rcoExtent});
    // Where this unit's weights start: the first load with every reduction
    // variable at its first value.
    Expr unitStart = *load.index;
    for (const Loop &l : inner)
      if (llvm::StringRef(l.name).starts_with(names.accumulator + ".s1."))
        unitStart = substitute(l.name, l.min, unitStart);
    Expr iteration = 0;
    int64_t iterations = 1;
    for (const Loop &l : inner) {
      iteration =
          iteration * int(l.extent) + (Variable::make(Int(32), l.name) - l.min);
      iterations *= l.extent;
    }
    // The reuse iterations (all, or all but the first) each prefetch an
    // equal share of the next unit, a 64-byte line at a time (16 floats).
    const int64_t share = (unitFloats + sharers - 1) / sharers;
    const int64_t lines = (share + 15) / 16;
    const int64_t perIteration = (lines + iterations - 1) / iterations;
    Expr rowIndex = Variable::make(Int(32), row->name) - row->min -
                    (names.prefetchDuringFirst ? 0 : 1);
    std::vector<Stmt> prefetches;
    for (int64_t k = 0; k < perIteration; ++k) {
      Expr offset = unitStart + int(unitFloats) + rowIndex * int(share) +
                    (iteration * int(perIteration) + int(k)) * 16;
      prefetches.push_back(Evaluate::make(Call::make(
          Float(32), Call::prefetch,
          {Variable::make(Handle(), weights), simplify(offset), 1, 16},
          Call::Intrinsic)));
    }
    return Block::make(prefetches);
  }

  WeightReuseLoops names;
  std::string weights;
  int64_t unitFloats;
  std::vector<Loop> loops;
};

} // namespace

Stmt NextBlockWeightPrefetch::mutate(const Stmt &s) {
  return InsertPrefetches(loops, weightsName, unitFloats).mutate(s);
}

} // namespace bitc::kernels::detail
