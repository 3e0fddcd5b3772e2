//===- Activation.cpp - Activation kinds of the bit dialect ---------------===//

#include "ir/Activation.h"
#include "llvm/ADT/StringSwitch.h"
#include <cmath>

namespace mlir::bit {

std::optional<Activation> parseActivation(llvm::StringRef spelling) {
  return llvm::StringSwitch<std::optional<Activation>>(spelling)
      .Case("none", Activation::None)
      .Case("relu", Activation::Relu)
      .Case("gelu", Activation::Gelu)
      .Case("gelu_tanh", Activation::GeluTanh)
      .Case("selu", Activation::Selu)
      .Default(std::nullopt);
}

llvm::StringRef stringifyActivation(Activation activation) {
  switch (activation) {
  case Activation::None:
    return "none";
  case Activation::Relu:
    return "relu";
  case Activation::Gelu:
    return "gelu";
  case Activation::GeluTanh:
    return "gelu_tanh";
  case Activation::Selu:
    return "selu";
  }
  return "none";
}

std::optional<Activation> activationFromHiddenAct(llvm::StringRef hiddenAct) {
  return llvm::StringSwitch<std::optional<Activation>>(hiddenAct)
      .Case("relu", Activation::Relu)
      .Case("gelu", Activation::Gelu)
      .Case("gelu_new", Activation::GeluTanh)
      .Case("gelu_pytorch_tanh", Activation::GeluTanh)
      .Case("selu", Activation::Selu)
      .Default(std::nullopt);
}

double applyActivation(Activation activation, double x) {
  switch (activation) {
  case Activation::None:
    return x;
  case Activation::Relu:
    return x > 0 ? x : 0;
  case Activation::Gelu:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case Activation::GeluTanh: {
    const double k = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
  }
  case Activation::Selu: {
    // Constants of torch.nn.SELU.
    const double alpha = 1.6732632423543772848170429916717;
    const double scale = 1.0507009873554804934193349852946;
    return x > 0 ? scale * x : scale * alpha * std::expm1(x);
  }
  }
  return x;
}

} // namespace mlir::bit
