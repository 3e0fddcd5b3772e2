//===- BitAttrs.td - Attributes of the bit dialect --------*- tablegen -*-===//

#ifndef BIT_ATTRS_TD
#define BIT_ATTRS_TD

include "ir/BitDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

// The activations of Hugging Face's ACT2FN a BiT config can name, one case per
// distinct function (aliases such as `swish` or `gelu_pytorch_tanh` map onto
// these in ir/Activation.cpp). Formulas: docs/bit-model.md section 3.
def Bit_Activation : I32EnumAttr<"Activation", "activation", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Relu", 1, "relu">,
    I32EnumAttrCase<"Gelu", 2, "gelu">,
    I32EnumAttrCase<"GeluTanh", 3, "gelu_tanh">,
    I32EnumAttrCase<"Selu", 4, "selu">,
    I32EnumAttrCase<"Relu6", 5, "relu6">,
    I32EnumAttrCase<"Silu", 6, "silu">,
    I32EnumAttrCase<"Tanh", 7, "tanh">,
    I32EnumAttrCase<"Sigmoid", 8, "sigmoid">,
    I32EnumAttrCase<"LeakyRelu", 9, "leaky_relu">,
    I32EnumAttrCase<"Mish", 10, "mish">,
    I32EnumAttrCase<"QuickGelu", 11, "quick_gelu">,
    I32EnumAttrCase<"GeluFast", 12, "gelu_fast">,
    I32EnumAttrCase<"Gelu10", 13, "gelu_10">,
    I32EnumAttrCase<"Laplace", 14, "laplace">,
    I32EnumAttrCase<"Relu2", 15, "relu2">
  ]> {
  let cppNamespace = "::mlir::bit";
  let genSpecializedAttr = 0;
}

// Printed `#bit.activation<relu>`; parsed, printed and verified by the
// generated code.
def Bit_ActivationAttr : EnumAttr<Bit_Dialect, Bit_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

// An activation that defaults to (and is elided when) `none`.
def Bit_OptionalActivationAttr
    : DefaultValuedAttr<Bit_ActivationAttr, "::mlir::bit::Activation::None">;

#endif // BIT_ATTRS_TD
