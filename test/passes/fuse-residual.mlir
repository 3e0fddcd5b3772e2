// RUN: bitc-opt %s --bit-fuse-residual -split-input-file | FileCheck %s

// Projection block: both addends are convs; only conv3 (defined after the
// shortcut) can take the other as its residual.
// CHECK-LABEL: func.func @projection
// CHECK: %[[S:.+]] = bit.conv2d %{{.+}}, %{{.+}} {dilations
// CHECK: %[[H:.+]] = bit.conv2d %{{.+}}, %{{.+}} residual(%[[S]] : tensor<1x8x4x4xf32>)
// CHECK-NOT: bit.add
// CHECK: return %[[H]]
func.func @projection(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %s = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %h = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %out = bit.add %h, %s : tensor<1x8x4x4xf32>
  return %out : tensor<1x8x4x4xf32>
}

// -----

// Identity shortcut on the left-hand side.
// CHECK-LABEL: func.func @identity_lhs
// CHECK: bit.conv2d %{{.+}}, %{{.+}} residual(%arg0 : tensor<1x8x4x4xf32>)
// CHECK-NOT: bit.add
func.func @identity_lhs(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %h = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %out = bit.add %x, %h : tensor<1x8x4x4xf32>
  return %out : tensor<1x8x4x4xf32>
}

// -----

// Not fused: the add has an activation, or the conv result has another user.
// CHECK-LABEL: func.func @not_fusable
// CHECK: bit.add %{{.+}}, %{{.+}} {activation = #bit.activation<relu>}
// CHECK: bit.add %{{.+}}, %{{.+}} :
func.func @not_fusable(%x: tensor<1x8x4x4xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %h = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %a = bit.add %h, %x {activation = #bit.activation<relu>} : tensor<1x8x4x4xf32>
  %g = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %b = bit.add %g, %x : tensor<1x8x4x4xf32>
  return %a, %b, %g : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}

// -----

// Not fused: the conv already emits statistics (its epilogue would compute
// them before the add), or the other addend is computed after the conv (it
// does not dominate the conv, so the conv cannot read it; and it is no conv
// that could take the first as its residual instead).
// CHECK-LABEL: func.func @stats_or_late_residual
// CHECK: bit.add %[[S:.+]], %{{.+}} :
// CHECK: bit.add %[[H:.+]], %[[LATE:.+]] :
// CHECK-NOT: residual(
func.func @stats_or_late_residual(%x: tensor<1x8x4x4xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x1x2x3xf32>, tensor<1x8x4x4xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %s, %p = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, stats_groups = 2 : i64, stats_tile_rows = 4 : i64} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>, tensor<1x1x2x3xf32>
  %a = bit.add %s, %x : tensor<1x8x4x4xf32>
  %h = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %late = bit.activation <relu> %x : tensor<1x8x4x4xf32>
  %b = bit.add %h, %late : tensor<1x8x4x4xf32>
  return %a, %p, %b : tensor<1x8x4x4xf32>, tensor<1x1x2x3xf32>, tensor<1x8x4x4xf32>
}
