// RUN: bitc-opt %s --bit-plan-memory -split-input-file | FileCheck %s
// RUN: bitc-opt %s --bit-plan-memory=alignment=4 -split-input-file | FileCheck %s --check-prefix=ALIGN4

// A chain a -> b -> c -> d of 4 KiB tensors: a and c (and b and d) never
// live at the same time, so two slots suffice; the naive plan needs four.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: bit.naive_bytes = 16384 : i64, bit.workspace_bytes = 8192 : i64
// CHECK: bit.activation <relu> %arg0 {bit.offsets = array<i64: [[A:[0-9]+]]>}
// CHECK: bit.activation <relu> %{{.+}} {bit.offsets = array<i64: [[B:[0-9]+]]>}
// CHECK: bit.activation <relu> %{{.+}} {bit.offsets = array<i64: [[A]]>}
// CHECK: bit.activation <relu> %{{.+}} {bit.offsets = array<i64: [[B]]>}
func.func @chain(%x: tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32> {
  %a = bit.activation <relu> %x : tensor<1x4x16x16xf32>
  %b = bit.activation <relu> %a : tensor<1x4x16x16xf32>
  %c = bit.activation <relu> %b : tensor<1x4x16x16xf32>
  %d = bit.activation <relu> %c : tensor<1x4x16x16xf32>
  return %d : tensor<1x4x16x16xf32>
}

// -----

// A skip connection keeps %a alive across the block: three slots. Sizes are
// rounded up to the alignment (8 bytes -> 64 by default, 8 with alignment=4).
// CHECK-LABEL: func.func @skip
// CHECK-SAME: bit.naive_bytes = 256 : i64, bit.workspace_bytes = 192 : i64
// ALIGN4-LABEL: func.func @skip
// ALIGN4-SAME: bit.naive_bytes = 32 : i64, bit.workspace_bytes = 24 : i64
func.func @skip(%x: tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32> {
  %a = bit.activation <relu> %x : tensor<1x2x1x1xf32>
  %b = bit.activation <relu> %a : tensor<1x2x1x1xf32>
  %c = bit.activation <relu> %b : tensor<1x2x1x1xf32>
  %d = bit.add %c, %a : tensor<1x2x1x1xf32>
  return %d : tensor<1x2x1x1xf32>
}

// -----

// A zero pad read only by a max pool is folded into the pool kernel, which
// reads the pad's input: that input (%s) stays live through the pool, so the
// pool's output is not placed over it (it would be at 1600 otherwise, with a
// 2624-byte workspace).
// CHECK-LABEL: func.func @pad_into_pool
// CHECK-SAME: bit.workspace_bytes = 2880 : i64
// CHECK: bit.activation <relu> %arg0 {bit.offsets = array<i64: 1600>}
// CHECK: bit.pad {{.*}}bit.offsets = array<i64: 0>
// CHECK: bit.max_pool2d {{.*}}bit.offsets = array<i64: 2624>
func.func @pad_into_pool(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %s = bit.activation <relu> %x : tensor<1x4x8x8xf32>
  %p = bit.pad %s {padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x4x8x8xf32> -> tensor<1x4x10x10xf32>
  %m = bit.max_pool2d %p {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>}
      : tensor<1x4x10x10xf32> -> tensor<1x4x4x4xf32>
  %r = bit.activation <relu> %m : tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}

// -----

// Several results (bitc compile --outputs): the [N][C] result %p is written
// into the caller's buffer and takes no workspace (offset -1); the returned
// feature map %a is copied out right after it is computed, so it lives only
// until its last reader inside the function and %c reuses its bytes (three
// slots, 12288 bytes, if the return kept it alive).
// CHECK-LABEL: func.func @results
// CHECK-SAME: bit.naive_bytes = 12288 : i64, bit.workspace_bytes = 8192 : i64
// CHECK: bit.activation <relu> %arg0 {bit.offsets = array<i64: [[A:[0-9]+]]>}
// CHECK: bit.activation <relu> %{{.+}} {bit.offsets = array<i64: [[B:[0-9]+]]>}
// CHECK: bit.activation <relu> %{{.+}} {bit.offsets = array<i64: [[A]]>}
// CHECK: bit.global_avg_pool {{.*}}bit.offsets = array<i64: -1>
func.func @results(%x: tensor<1x4x16x16xf32>)
    -> (tensor<1x4x16x16xf32>, tensor<1x4xf32>) {
  %a = bit.activation <relu> %x : tensor<1x4x16x16xf32>
  %b = bit.activation <relu> %a : tensor<1x4x16x16xf32>
  %c = bit.activation <relu> %b : tensor<1x4x16x16xf32>
  %p = bit.global_avg_pool %c : tensor<1x4x16x16xf32> -> tensor<1x4xf32>
  return %a, %p : tensor<1x4x16x16xf32>, tensor<1x4xf32>
}
