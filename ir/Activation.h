//===- Activation.h - Activation kinds of the bit dialect -------*- C++ -*-===//
//
// `enum class Activation`, `symbolizeActivation` and `stringifyActivation` are
// generated from ir/BitAttrs.td; this file adds what the dialect does with
// them: the Hugging Face names that map to each one and the reference formula.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_IR_ACTIVATION_H
#define BITC_IR_ACTIVATION_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/DenseMapInfo.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>
#include <string>

#include "ir/BitEnums.h.inc"

namespace mlir::bit {

/// Maps a Hugging Face `hidden_act` value (a key of ACT2FN) to an activation.
std::optional<Activation> activationFromHiddenAct(llvm::StringRef hiddenAct);

/// Every `hidden_act` value bitc accepts, quoted and comma-separated with a
/// final "or", for error messages.
std::string acceptedHiddenActs();

/// Reference scalar semantics (double), shared by the interpreter and tests.
double applyActivation(Activation activation, double x);

} // namespace mlir::bit

#endif // BITC_IR_ACTIVATION_H
