//===- BitDialect.td - The bit dialect --------------------*- tablegen -*-===//
//
// The `bit` dialect models BiT (ResNet-v2 with group norm and weight
// standardization) classifiers at the granularity bitc compiles: one op is one
// kernel once the pass pipeline has fused what it can.
//
//===----------------------------------------------------------------------===//

#ifndef BIT_DIALECT_TD
#define BIT_DIALECT_TD

include "mlir/IR/OpBase.td"

def Bit_Dialect : Dialect {
  let name = "bit";
  let summary = "BiT image classifiers: weight-standardized convs and group norm";
  let description = [{
    Ops operate on static-shaped, ranked `f32` tensors in NCHW layout. Weights
    are `bit.weight` constants backed by `dense_resource` blobs so that 100 MB
    of parameters is never copied into uniqued attributes.
  }];
  let cppNamespace = "::mlir::bit";
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  // The contracts between stages that are not op arguments. Each one is
  // checked (type and placement) by BitDialect::verifyOperationAttribute;
  // a `bit.*` attribute not listed here is an error.
  let discardableAttrs = (ins
    // func.func @forward: the id2label names (importer -> planner, inspect).
    "::mlir::ArrayAttr":$labels,
    // Argument 0 of @forward: the tensor's Hugging Face name.
    "::mlir::StringAttr":$name,
    // bit.weight: the filter is already standardized
    // (bit-fold-weight-standardization).
    "::mlir::UnitAttr":$standardized,
    // Every op with results: the byte offset of each result in the
    // workspace (bit-plan-memory -> planner).
    "::mlir::DenseI64ArrayAttr":$offsets,
    // func.func @forward: the workspace size, and the sum of all
    // intermediate tensors without reuse (bit-plan-memory).
    "::mlir::IntegerAttr":$workspace_bytes,
    "::mlir::IntegerAttr":$naive_bytes
  );
}

class Bit_Op<string mnemonic, list<Trait> traits = []> :
    Op<Bit_Dialect, mnemonic, traits>;

#endif // BIT_DIALECT_TD
