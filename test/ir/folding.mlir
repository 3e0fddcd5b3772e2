// RUN: bitc-opt %s -canonicalize -split-input-file | FileCheck %s

// What canonicalization does to bit IR: an activation `none` and a pad of
// zero width fold to their input; dead pure ops disappear.
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x3x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identities(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %a = bit.activation <none> %x : tensor<1x2x3x3xf32>
  %p = bit.pad %a {padding = array<i64: 0, 0, 0, 0>} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  %dead = bit.activation <relu> %p : tensor<1x2x3x3xf32>
  return %p : tensor<1x2x3x3xf32>
}

// -----

// A real activation and a real pad stay.
// CHECK-LABEL: func.func @kept
// CHECK: %[[A:.+]] = bit.activation <relu>
// CHECK: bit.pad %[[A]] {padding = array<i64: 1, 0, 0, 0>}
func.func @kept(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x4x3xf32> {
  %a = bit.activation <relu> %x : tensor<1x2x3x3xf32>
  %p = bit.pad %a {padding = array<i64: 1, 0, 0, 0>} : tensor<1x2x3x3xf32> -> tensor<1x2x4x3xf32>
  return %p : tensor<1x2x4x3xf32>
}

// -----

// bit.weight is a constant: the folder keeps one op per distinct value, so
// two parameters with identical contents (here gamma and beta) are merged.
// CHECK-LABEL: func.func @weights
// CHECK: %[[W:.+]] = bit.weight "g" = dense<1.000000e+00> : tensor<2xf32>
// CHECK-NOT: bit.weight
// CHECK: bit.group_norm %{{.+}}, %[[W]], %[[W]]
func.func @weights(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %g = bit.weight "g" = dense<1.0> : tensor<2xf32>
  %b = bit.weight "b" = dense<1.0> : tensor<2xf32>
  %y = bit.group_norm %x, %g, %b {groups = 1, eps = 1.0e-5} : tensor<1x2x3x3xf32>, tensor<2xf32>
  return %y : tensor<1x2x3x3xf32>
}
