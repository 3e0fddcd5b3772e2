//===- BitOps.td - Operations of the bit dialect ----------*- tablegen -*-===//

#ifndef BIT_OPS_TD
#define BIT_OPS_TD

include "ir/BitAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def F32Tensor4D : 4DTensorOf<[F32]>;
def F32Tensor3D : 3DTensorOf<[F32]>;
def F32Tensor2D : 2DTensorOf<[F32]>;
def F32Tensor1D : 1DTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// bit.weight
//===----------------------------------------------------------------------===//

def Bit_WeightOp : Bit_Op<"weight", [Pure, ConstantLike,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a named model parameter";
  let description = [{
    A constant tensor read from the checkpoint. `param` is the parameter's name
    in the checkpoint (for diagnostics and for `bitc inspect`); `value` is
    usually a `dense_resource` blob that aliases the memory-mapped file.

    ```mlir
    %w = bit.weight "classifier.1.bias" = dense_resource<blob0> : tensor<10xf32>
    ```
  }];
  let arguments = (ins StrAttr:$param, ElementsAttr:$value);
  let results = (outs TensorOf<[F32]>:$result);
  let assemblyFormat = "$param `=` $value attr-dict";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// bit.conv2d
//===----------------------------------------------------------------------===//

def Bit_Conv2DOp : Bit_Op<"conv2d", [Pure, AttrSizedOperandSegments]> {
  let summary = "2-D convolution, optionally with fused prologue and epilogue";
  let description = [{
    `output = conv2d(prologue(input), standardize(weight)) + residual`, OIHW
    weights, no bias, `padding = [top, left, bottom, right]` with zeros added
    after the prologue (so the zero border stays zero).

    - `ws_eps` present: the weight is standardized per output channel
      (`(w - mean) / sqrt(var + ws_eps)`, biased variance) before use.
    - `prologue` present (a `tensor<Nx2xCin>` of per-(n, c) scale and shift
      from a group norm): every input element becomes
      `activation(x * scale + shift)` as the conv loads it.
    - `residual` present: added to the result (after the convolution).
    - `stats` result present: per-tile partial group-norm statistics of the
      output, `tensor<N x tiles x groups x 3>` of (count, mean, M2), with
      tiles of `stats_tile_rows` output rows.
  }];
  let arguments = (ins F32Tensor4D:$input, F32Tensor4D:$weight,
      Optional<F32Tensor3D>:$prologue, Optional<F32Tensor4D>:$residual,
      DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
      DenseI64ArrayAttr:$padding, OptionalAttr<F64Attr>:$ws_eps,
      Bit_OptionalActivationAttr:$prologue_activation,
      OptionalAttr<I64Attr>:$stats_groups,
      OptionalAttr<I64Attr>:$stats_tile_rows);
  let results = (outs F32Tensor4D:$output, Optional<F32Tensor4D>:$stats);
  let assemblyFormat = [{
    $input `,` $weight
    (`prologue` `(` $prologue^ `:` type($prologue) `)`)?
    (`residual` `(` $residual^ `:` type($residual) `)`)?
    attr-dict `:` type($input) `,` type($weight) `->` type($output)
    (`,` type($stats)^)?
  }];
  let hasVerifier = 1;
  let builders = [
    // A plain convolution (no prologue, residual or statistics) whose output
    // type is computed from the operands.
    OpBuilder<(ins "Value":$input, "Value":$weight,
        "ArrayRef<int64_t>":$strides, "ArrayRef<int64_t>":$dilations,
        "ArrayRef<int64_t>":$padding, "FloatAttr":$ws_eps)>
  ];
  let extraClassDeclaration = [{
    /// The output type: N x Cout x window extents (windowOutputSize); an
    /// extent is 0 when the padded input is smaller than the dilated kernel.
    static RankedTensorType inferOutputType(RankedTensorType input,
        RankedTensorType weight, ArrayRef<int64_t> strides,
        ArrayRef<int64_t> dilations, ArrayRef<int64_t> padding);
    int64_t getKernelHeight() { return getWeight().getType().getDimSize(2); }
    int64_t getKernelWidth() { return getWeight().getType().getDimSize(3); }
    /// Multiply-accumulates of one forward at the static batch size.
    int64_t getMacCount();
  }];
}

//===----------------------------------------------------------------------===//
// Group norm and its fused forms
//===----------------------------------------------------------------------===//

def Bit_GroupNormOp : Bit_Op<"group_norm", [Pure,
    AllTypesMatch<["input", "output"]>, AllTypesMatch<["gamma", "beta"]>]> {
  let summary = "group normalization followed by an activation";
  let description = [{
    Per (n, group): mean and biased variance over (C/groups, H, W);
    `y = activation((x - mean) / sqrt(var + eps) * gamma[c] + beta[c])`.
  }];
  let arguments = (ins F32Tensor4D:$input, F32Tensor1D:$gamma,
      F32Tensor1D:$beta, I64Attr:$groups, F64Attr:$eps,
      Bit_OptionalActivationAttr:$activation);
  let results = (outs F32Tensor4D:$output);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
  }];
  let hasVerifier = 1;
}

def Bit_GroupNormStatsOp : Bit_Op<"group_norm_stats", [Pure,
    AllTypesMatch<["gamma", "beta"]>]> {
  let summary = "group-norm statistics folded into per-(n, c) scale and shift";
  let description = [{
    Reduces the input's per-(n, group) mean and variance and returns
    `tensor<Nx2xC>`: `[n][0][c] = gamma[c] * rstd`,
    `[n][1][c] = beta[c] - gamma[c] * rstd * mean`, so a consumer applies the
    norm as `x * scale + shift`.
  }];
  let arguments = (ins F32Tensor4D:$input, F32Tensor1D:$gamma,
      F32Tensor1D:$beta, I64Attr:$groups, F64Attr:$eps);
  let results = (outs F32Tensor3D:$scale_shift);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
    `->` type($scale_shift)
  }];
  let hasVerifier = 1;
}

def Bit_GroupNormCombineOp : Bit_Op<"group_norm_combine", [Pure,
    AllTypesMatch<["gamma", "beta"]>]> {
  let summary = "merges per-tile partial statistics into scale and shift";
  let description = [{
    `partials` is `tensor<N x tiles x groups x 3>` of (count, mean, M2) per
    tile; tiles are merged with Chan's parallel formula and the result is the
    `tensor<Nx2xC>` scale/shift of `bit.group_norm_stats`.
  }];
  let arguments = (ins F32Tensor4D:$partials, F32Tensor1D:$gamma,
      F32Tensor1D:$beta, F64Attr:$eps);
  let results = (outs F32Tensor3D:$scale_shift);
  let assemblyFormat = [{
    $partials `,` $gamma `,` $beta attr-dict `:` type($partials) `,`
    type($gamma) `->` type($scale_shift)
  }];
  let hasVerifier = 1;
}

def Bit_ApplyNormOp : Bit_Op<"apply_norm", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "applies a scale/shift and an activation elementwise";
  let description = [{
    `activation(x * scale[n][c] + shift[n][c] (+ residual))`; the residual (if
    any) is added before the activation. Used where a group norm feeds
    something other than a convolution (bottleneck blocks, the stem).
  }];
  let arguments = (ins F32Tensor4D:$input, F32Tensor3D:$scale_shift,
      Optional<F32Tensor4D>:$residual, Bit_OptionalActivationAttr:$activation);
  let results = (outs F32Tensor4D:$output);
  let assemblyFormat = [{
    $input `,` $scale_shift (`residual` `(` $residual^ `:` type($residual) `)`)?
    attr-dict `:` type($input) `,` type($scale_shift)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise, padding, pooling, head
//===----------------------------------------------------------------------===//

def Bit_PadOp : Bit_Op<"pad", [Pure]> {
  let summary = "constant padding of the spatial dimensions";
  let arguments = (ins F32Tensor4D:$input, DenseI64ArrayAttr:$padding,
      DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs F32Tensor4D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    // Zero padding; the output type is computed.
    OpBuilder<(ins "Value":$input, "ArrayRef<int64_t>":$padding)>
  ];
  let extraClassDeclaration = [{
    /// The input type grown by `padding` ([top, left, bottom, right]).
    static RankedTensorType inferOutputType(RankedTensorType input,
                                            ArrayRef<int64_t> padding);
    /// The max pool code generation folds this pad into (a zero pad read only
    /// by that pool; the pool kernel then reads this pad's input), or null.
    /// The memory plan keeps the input live until that pool.
    MaxPool2DOp getFoldingPool();
  }];
}

def Bit_MaxPool2DOp : Bit_Op<"max_pool2d", [Pure]> {
  let summary = "max pooling without padding";
  let arguments = (ins F32Tensor4D:$input, DenseI64ArrayAttr:$kernel,
      DenseI64ArrayAttr:$strides);
  let results = (outs F32Tensor4D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "Value":$input, "ArrayRef<int64_t>":$kernel,
                   "ArrayRef<int64_t>":$strides)>
  ];
  let extraClassDeclaration = [{
    /// N x C x window extents (windowOutputSize, no padding); an extent is 0
    /// when the input is smaller than the window.
    static RankedTensorType inferOutputType(RankedTensorType input,
                                            ArrayRef<int64_t> kernel,
                                            ArrayRef<int64_t> strides);
  }];
}

def Bit_AddOp : Bit_Op<"add", [Pure, AllTypesMatch<["lhs", "rhs", "output"]>]> {
  let summary = "elementwise addition followed by an activation";
  let arguments = (ins F32Tensor4D:$lhs, F32Tensor4D:$rhs,
      Bit_OptionalActivationAttr:$activation);
  let results = (outs F32Tensor4D:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Bit_ActivationOp : Bit_Op<"activation", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "elementwise activation";
  let arguments = (ins F32Tensor4D:$input, Bit_ActivationAttr:$kind);
  let results = (outs F32Tensor4D:$output);
  let assemblyFormat = "$kind $input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Bit_GlobalAvgPoolOp : Bit_Op<"global_avg_pool", [Pure]> {
  let summary = "mean over H and W, optionally after a fused norm prologue";
  let arguments = (ins F32Tensor4D:$input, Optional<F32Tensor3D>:$prologue,
      Bit_OptionalActivationAttr:$prologue_activation);
  let results = (outs F32Tensor2D:$output);
  let assemblyFormat = [{
    $input (`prologue` `(` $prologue^ `:` type($prologue) `)`)?
    attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Bit_LinearOp : Bit_Op<"linear", [Pure]> {
  let summary = "fully connected layer: x @ W^T + b";
  let arguments = (ins F32Tensor2D:$input, F32Tensor2D:$weight,
      F32Tensor1D:$bias);
  let results = (outs F32Tensor2D:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` type($input) `,` type($weight)
    `,` type($bias) `->` type($output)
  }];
  let hasVerifier = 1;
}

#endif // BIT_OPS_TD
