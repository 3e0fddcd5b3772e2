//===- Passes.td - Passes of the bit dialect --------------*- tablegen -*-===//

#ifndef BIT_PASSES_TD
#define BIT_PASSES_TD

include "mlir/Pass/PassBase.td"

def BitFoldWeightStandardization
    : Pass<"bit-fold-weight-standardization", "mlir::func::FuncOp"> {
  let summary = "standardize constant conv weights at compile time";
  let description = [{
    Every `bit.conv2d` with a `ws_eps` and a `bit.weight` filter gets a new
    filter `W'[o] = (W[o] - mean(W[o])) / sqrt(var(W[o]) + ws_eps)` (biased
    variance over in x kh x kw, accumulated in double) and loses its `ws_eps`.

    Before:
    ```mlir
    %w = bit.weight "conv1.weight" = dense_resource<a> : tensor<64x256x1x1xf32>
    %y = bit.conv2d %x, %w {ws_eps = 1.0e-8, ...}
    ```
    After:
    ```mlir
    %w = bit.weight "conv1.weight" = dense_resource<b> : tensor<64x256x1x1xf32> {bit.standardized}
    %y = bit.conv2d %x, %w {...}
    ```
  }];
  let dependentDialects = ["mlir::bit::BitDialect"];
}

def BitFuseGroupNorm : Pass<"bit-fuse-group-norm", "mlir::func::FuncOp"> {
  let summary = "turn group norm + activation into consumer prologues";
  let description = [{
    A `bit.group_norm` becomes `bit.group_norm_stats` (per-(n, c) scale and
    shift, computed once) and every consumer applies `act(x * scale + shift)`
    while it loads its input: convolutions and the global average pool take a
    `prologue`; other consumers get a `bit.apply_norm`. A norm without
    activation whose only user is a `bit.add` becomes one `bit.apply_norm`
    with the other addend as its residual (post-activation bottleneck blocks).

    Before:
    ```mlir
    %p = bit.group_norm %x, %g, %b {activation = "relu", ...}
    %s = bit.conv2d %p, %w0 ...   // projection shortcut
    %h = bit.conv2d %p, %w1 ...   // conv1
    ```
    After:
    ```mlir
    %ss = bit.group_norm_stats %x, %g, %b {...}
    %s = bit.conv2d %x, %w0 prologue(%ss) {prologue_activation = "relu", ...}
    %h = bit.conv2d %x, %w1 prologue(%ss) {prologue_activation = "relu", ...}
    ```
  }];
  let options = [
    Option<"fuseIntoPool", "fuse-into-pool", "bool", /*default=*/"true",
           "also fuse the final norm into the global average pool">
  ];
  let dependentDialects = ["mlir::bit::BitDialect"];
}

def BitFuseResidual : Pass<"bit-fuse-residual", "mlir::func::FuncOp"> {
  let summary = "move residual additions into the producing conv's epilogue";
  let description = [{
    `bit.add(conv(x), r)` without activation, where the conv result has no
    other user and `r` is available before the conv, becomes
    `conv(x) residual(r)`.
  }];
  let dependentDialects = ["mlir::bit::BitDialect"];
}

def BitTileGroupNorm : Pass<"bit-tile-group-norm", "mlir::func::FuncOp"> {
  let summary = "reduce group-norm statistics tile by tile in the producer";
  let description = [{
    A `bit.group_norm_stats` of a `bit.conv2d` result becomes a `stats` result
    of that conv (per tile of `stats_tile_rows` output rows and per group:
    count, mean and M2 of the finished output, computed while the tile is in
    cache) and a tiny `bit.group_norm_combine` that merges the tiles with
    Chan's parallel formula. Tiles are whole output rows, as many as make up
    about `tile-pixels` pixels (at least one row, at most the whole image),
    so they line up with the row bands the conv kernels are tiled by.
  }];
  let options = [
    Option<"tilePixels", "tile-pixels", "int64_t", /*default=*/"1024",
           "target pixels (rows x width) per statistics tile">
  ];
  let dependentDialects = ["mlir::bit::BitDialect"];
}

def BitPlanMemory : Pass<"bit-plan-memory", "mlir::func::FuncOp"> {
  let summary = "assign arena offsets to intermediate tensors by liveness";
  let description = [{
    Every result of a non-weight op gets a byte offset in one workspace
    (`bit.offsets`, one per result) such that tensors whose live ranges
    overlap never share bytes; the function gets `bit.workspace_bytes` (the
    arena size) and `bit.naive_bytes` (the sum of all intermediate tensors).
    Placement is greedy best-fit in order of decreasing size, offsets aligned
    to `alignment` bytes. Function results: an [N][C] result is written
    into the caller's buffer (offset -1, no workspace); a returned feature
    map lives until its last reader inside the function (code generation
    copies it out right after it is computed).
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "byte alignment of every tensor in the arena">
  ];
  let dependentDialects = ["mlir::bit::BitDialect"];
}

#endif // BIT_PASSES_TD
