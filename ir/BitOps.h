//===- BitOps.h - Operations of the bit dialect -----------------*- C++ -*-===//

#ifndef BITC_IR_BITOPS_H
#define BITC_IR_BITOPS_H

#include "ir/Activation.h"
#include "ir/BitDialect.h"
#include "ir/WindowShape.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_ATTRDEF_CLASSES
#include "ir/BitAttrs.h.inc"

#define GET_OP_CLASSES
#include "ir/BitOps.h.inc"

#endif // BITC_IR_BITOPS_H
