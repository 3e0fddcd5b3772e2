//===- BitDialect.cpp - The bit dialect -----------------------------------===//

#include "ir/BitDialect.h"
#include "ir/BitOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::bit;

#include "ir/BitDialect.cpp.inc"

void BitDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/BitOps.cpp.inc"
      >();
}
