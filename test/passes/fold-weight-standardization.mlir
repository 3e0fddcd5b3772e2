// RUN: bitc-opt %s --bit-fold-weight-standardization -split-input-file | FileCheck %s

// The standardized filter of [[1, 2], [3, 4]] per output channel (biased
// variance, eps 1e-8): channel 0 = [1, 3] -> [-1, 1]; channel 1 = [2, 2, ...].
// CHECK-LABEL: func.func @fold
func.func @fold(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  // CHECK: %[[W:.+]] = bit.weight "conv.weight" = dense_resource<conv.weight.standardized> : tensor<2x2x1x1xf32> {bit.standardized}
  // CHECK-NOT: bit.weight
  // CHECK: bit.conv2d %{{.+}}, %[[W]] {dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
  // CHECK-NOT: ws_eps
  %w = bit.weight "conv.weight" = dense<[[[[1.0]], [[3.0]]], [[[2.0]], [[6.0]]]]> : tensor<2x2x1x1xf32>
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, ws_eps = 1.0e-8} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32> -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
// Little-endian f32: -1.0 = 0xBF800000, 1.0 = 0x3F800000 (up to eps rounding).
// CHECK: conv.weight.standardized: "0x04000000{{(000080BF0000803F000080BF0000803F|FFFF7FBFFFFF7F3FFFFF7FBFFFFF7F3F)}}"

// -----

// A conv without ws_eps is left alone; a filter shared by two convs is
// standardized once.
// CHECK-LABEL: func.func @shared
func.func @shared(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = bit.weight "w" = dense<[[[[1.0]], [[3.0]]], [[[2.0]], [[6.0]]]]> : tensor<2x2x1x1xf32>
  // CHECK-DAG: %[[RAW:.+]] = bit.weight "w" = dense<{{.+}}> : tensor<2x2x1x1xf32>
  // CHECK-DAG: %[[STD:.+]] = bit.weight "w" = dense_resource<w.standardized> : tensor<2x2x1x1xf32> {bit.standardized}
  // CHECK: bit.conv2d %{{.+}}, %[[STD]]
  // CHECK: bit.conv2d %{{.+}}, %[[STD]]
  // CHECK: bit.conv2d %{{.+}}, %[[RAW]]
  %a = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, ws_eps = 1.0e-8} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32> -> tensor<1x2x4x4xf32>
  %b = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, ws_eps = 1.0e-8} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32> -> tensor<1x2x4x4xf32>
  %c = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32> -> tensor<1x2x4x4xf32>
  return %a, %b, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
