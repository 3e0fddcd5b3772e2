//===- BitDialect.h - The bit dialect ---------------------------*- C++ -*-===//

#ifndef BITC_IR_BITDIALECT_H
#define BITC_IR_BITDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "ir/BitDialect.h.inc"

#endif // BITC_IR_BITDIALECT_H
