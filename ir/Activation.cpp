//===- Activation.cpp - Activation kinds of the bit dialect ---------------===//

#include "ir/Activation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include <cmath>

#include "ir/BitEnums.cpp.inc"

namespace mlir::bit {
namespace {

struct HiddenAct {
  llvm::StringLiteral name;
  Activation activation;
};

/// The keys of Hugging Face's ACT2FN that bitc compiles. Aliases of one
/// function share an activation: `gelu_python` is `gelu`; `gelu_new`,
/// `gelu_pytorch_tanh` and `gelu_accurate` are the same tanh approximation;
/// `swish` is `silu`; `linear` is the identity.
constexpr HiddenAct kHiddenActs[] = {
    {"relu", Activation::Relu},
    {"gelu", Activation::Gelu},
    {"gelu_python", Activation::Gelu},
    {"gelu_new", Activation::GeluTanh},
    {"gelu_pytorch_tanh", Activation::GeluTanh},
    {"gelu_accurate", Activation::GeluTanh},
    {"gelu_fast", Activation::GeluFast},
    {"gelu_10", Activation::Gelu10},
    {"quick_gelu", Activation::QuickGelu},
    {"selu", Activation::Selu},
    {"relu6", Activation::Relu6},
    {"relu2", Activation::Relu2},
    {"leaky_relu", Activation::LeakyRelu},
    {"silu", Activation::Silu},
    {"swish", Activation::Silu},
    {"mish", Activation::Mish},
    {"tanh", Activation::Tanh},
    {"sigmoid", Activation::Sigmoid},
    {"laplace", Activation::Laplace},
    {"linear", Activation::None},
};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

} // namespace

std::optional<Activation> activationFromHiddenAct(llvm::StringRef hiddenAct) {
  for (const HiddenAct &entry : kHiddenActs)
    if (entry.name == hiddenAct)
      return entry.activation;
  return std::nullopt;
}

std::string acceptedHiddenActs() {
  std::string list;
  for (size_t i = 0; i < std::size(kHiddenActs); ++i) {
    if (i)
      list += i + 1 == std::size(kHiddenActs) ? " or " : ", ";
    list += "'" + kHiddenActs[i].name.str() + "'";
  }
  return list;
}

double applyActivation(Activation activation, double x) {
  switch (activation) {
  case Activation::None:
    return x;
  case Activation::Relu:
    return x > 0 ? x : 0;
  case Activation::Gelu:
    return gelu(x);
  case Activation::GeluTanh: {
    const double k = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
  }
  case Activation::GeluFast: // Hugging Face's FastGELUActivation constant.
    return 0.5 * x *
           (1.0 + std::tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)));
  case Activation::Gelu10:
    return std::clamp(gelu(x), -10.0, 10.0);
  case Activation::QuickGelu:
    return x * sigmoid(1.702 * x);
  case Activation::Selu: {
    // Constants of torch.nn.SELU.
    const double alpha = 1.6732632423543772848170429916717;
    const double scale = 1.0507009873554804934193349852946;
    return x > 0 ? scale * x : scale * alpha * std::expm1(x);
  }
  case Activation::Relu6:
    return std::clamp(x, 0.0, 6.0);
  case Activation::Relu2:
    return x > 0 ? x * x : 0;
  case Activation::LeakyRelu: // torch.nn.LeakyReLU's default slope.
    return x >= 0 ? x : 0.01 * x;
  case Activation::Silu:
    return x * sigmoid(x);
  case Activation::Mish: // x tanh(softplus(x)), softplus as torch computes it.
    return x * std::tanh(x > 20 ? x : std::log1p(std::exp(x)));
  case Activation::Tanh:
    return std::tanh(x);
  case Activation::Sigmoid:
    return sigmoid(x);
  case Activation::Laplace: // mu = 0.707107, sigma = 0.282095 (MEGA).
    return 0.5 * (1.0 + std::erf((x - 0.707107) / (0.282095 * std::sqrt(2.0))));
  }
  return x;
}

} // namespace mlir::bit
