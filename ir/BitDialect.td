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
}

class Bit_Op<string mnemonic, list<Trait> traits = []> :
    Op<Bit_Dialect, mnemonic, traits>;

#endif // BIT_DIALECT_TD
