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
// CHECK: bit.add %{{.+}}, %{{.+}} {activation = "relu"}
// CHECK: bit.add %{{.+}}, %{{.+}} :
func.func @not_fusable(%x: tensor<1x8x4x4xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %h = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %a = bit.add %h, %x {activation = "relu"} : tensor<1x8x4x4xf32>
  %g = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  %b = bit.add %g, %x : tensor<1x8x4x4xf32>
  return %a, %b, %g : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}
