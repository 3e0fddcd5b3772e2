//===- BitDialect.cpp - The bit dialect -----------------------------------===//

#include "ir/BitDialect.h"
#include "ir/BitOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::bit;

#include "ir/BitDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ir/BitAttrs.cpp.inc"

void BitDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/BitOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ir/BitAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Discardable attributes (declared in BitDialect.td)
//===----------------------------------------------------------------------===//

static LogicalResult wrongType(Operation *op, NamedAttribute attribute,
                               StringRef expected) {
  return op->emitOpError() << "attribute '" << attribute.getName()
                           << "' must be " << expected << ", got "
                           << attribute.getValue();
}

static LogicalResult wrongPlace(Operation *op, NamedAttribute attribute,
                                StringRef where) {
  return op->emitOpError() << "attribute '" << attribute.getName()
                           << "' belongs on " << where;
}

LogicalResult BitDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  auto onFunction = [&](StringRef expected, bool typeOk) -> LogicalResult {
    if (!isa<func::FuncOp>(op))
      return wrongPlace(op, attribute, "a func.func");
    return typeOk ? success() : wrongType(op, attribute, expected);
  };
  if (name == LabelsAttrHelper::getNameStr()) {
    auto labels = dyn_cast<ArrayAttr>(value);
    return onFunction("an array of strings",
                      labels && llvm::all_of(labels, [](Attribute label) {
                        return isa<StringAttr>(label);
                      }));
  }
  if (name == WorkspaceBytesAttrHelper::getNameStr() ||
      name == NaiveBytesAttrHelper::getNameStr()) {
    auto bytes = dyn_cast<IntegerAttr>(value);
    return onFunction("a non-negative integer",
                      bytes && !bytes.getValue().isNegative());
  }
  if (name == StandardizedAttrHelper::getNameStr()) {
    if (!isa<WeightOp>(op))
      return wrongPlace(op, attribute, "a bit.weight");
    return isa<UnitAttr>(value) ? success()
                                : wrongType(op, attribute, "a unit attribute");
  }
  if (name == OffsetsAttrHelper::getNameStr()) {
    auto offsets = dyn_cast<DenseI64ArrayAttr>(value);
    if (!offsets)
      return wrongType(op, attribute, "an array<i64>");
    if (static_cast<int64_t>(op->getNumResults()) != offsets.size())
      return op->emitOpError()
             << "attribute '" << name << "' has " << offsets.size()
             << " offsets for " << op->getNumResults() << " results";
    for (int64_t offset : offsets.asArrayRef())
      if (offset < -1)
        return op->emitOpError()
               << "attribute '" << name << "' has a negative offset " << offset;
    return success();
  }
  if (name == NameAttrHelper::getNameStr())
    return wrongPlace(op, attribute, "a function argument");
  return op->emitOpError() << "unknown attribute '" << name
                           << "' of the bit dialect (declared ones: "
                              "ir/BitDialect.td)";
}

LogicalResult BitDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                   unsigned,
                                                   NamedAttribute attribute) {
  if (attribute.getName() != NameAttrHelper::getNameStr())
    return op->emitOpError() << "unknown argument attribute '"
                             << attribute.getName() << "' of the bit dialect";
  if (!isa<StringAttr>(attribute.getValue()))
    return wrongType(op, attribute, "a string");
  return success();
}
