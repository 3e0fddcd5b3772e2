//===- Activation.h - Activation kinds of the bit dialect -------*- C++ -*-===//

#ifndef BITC_IR_ACTIVATION_H
#define BITC_IR_ACTIVATION_H

#include "llvm/ADT/StringRef.h"
#include <optional>

namespace mlir::bit {

/// The activations BiT checkpoints use. `GeluTanh` is Hugging Face's
/// `gelu_new` (tanh approximation).
enum class Activation { None, Relu, Gelu, GeluTanh, Selu };

/// Parses the dialect spelling (`none`, `relu`, `gelu`, `gelu_tanh`, `selu`).
std::optional<Activation> parseActivation(llvm::StringRef spelling);
llvm::StringRef stringifyActivation(Activation activation);

/// Maps a Hugging Face `hidden_act` value to an activation.
std::optional<Activation> activationFromHiddenAct(llvm::StringRef hiddenAct);

/// Reference scalar semantics (double), shared by the interpreter and tests.
double applyActivation(Activation activation, double x);

} // namespace mlir::bit

#endif // BITC_IR_ACTIVATION_H
