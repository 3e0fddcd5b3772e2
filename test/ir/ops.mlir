// RUN: bitc-opt %s | FileCheck %s
// RUN: bitc-opt %s | bitc-opt | FileCheck %s
// RUN: bitc-opt --mlir-print-op-generic %s | bitc-opt | FileCheck %s

// CHECK-LABEL: func.func @unfused
func.func @unfused(%x: tensor<1x3x33x33xf32>) -> tensor<1x10xf32> {
  // CHECK: %[[W:.+]] = bit.weight "stem.weight" = dense<1.000000e+00> : tensor<8x3x7x7xf32>
  %w = bit.weight "stem.weight" = dense<1.0> : tensor<8x3x7x7xf32>
  // CHECK: %[[C:.+]] = bit.conv2d %{{.+}}, %[[W]] {dilations = array<i64: 1, 1>, padding = array<i64: 2, 3, 3, 2>, strides = array<i64: 2, 2>, ws_eps = 1.000000e-08 : f64} : tensor<1x3x33x33xf32>, tensor<8x3x7x7xf32> -> tensor<1x8x16x16xf32>
  %c = bit.conv2d %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 2, 3, 3, 2>, ws_eps = 1.0e-8} : tensor<1x3x33x33xf32>, tensor<8x3x7x7xf32> -> tensor<1x8x16x16xf32>
  // CHECK: %[[P:.+]] = bit.pad %[[C]] {padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32> -> tensor<1x8x18x18xf32>
  %p = bit.pad %c {padding = array<i64: 1, 1, 1, 1>, value = 0.0} : tensor<1x8x16x16xf32> -> tensor<1x8x18x18xf32>
  // CHECK: bit.max_pool2d %[[P]] {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<1x8x18x18xf32> -> tensor<1x8x8x8xf32>
  %m = bit.max_pool2d %p {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<1x8x18x18xf32> -> tensor<1x8x8x8xf32>
  %g = bit.weight "norm.weight" = dense<1.0> : tensor<8xf32>
  %b = bit.weight "norm.bias" = dense<0.0> : tensor<8xf32>
  // CHECK: bit.group_norm %{{.+}}, %{{.+}}, %{{.+}} {activation = #bit.activation<gelu_tanh>, eps = 1.000000e-05 : f64, groups = 4 : i64} : tensor<1x8x8x8xf32>, tensor<8xf32>
  %n = bit.group_norm %m, %g, %b {groups = 4, eps = 1.0e-5, activation = #bit.activation<gelu_tanh>} : tensor<1x8x8x8xf32>, tensor<8xf32>
  // CHECK: bit.add %{{.+}}, %{{.+}} {activation = #bit.activation<relu>} : tensor<1x8x8x8xf32>
  %a = bit.add %n, %m {activation = #bit.activation<relu>} : tensor<1x8x8x8xf32>
  // CHECK: bit.activation <selu> %{{.+}} : tensor<1x8x8x8xf32>
  %s = bit.activation <selu> %a : tensor<1x8x8x8xf32>
  // CHECK: bit.global_avg_pool %{{.+}} : tensor<1x8x8x8xf32> -> tensor<1x8xf32>
  %pool = bit.global_avg_pool %s : tensor<1x8x8x8xf32> -> tensor<1x8xf32>
  %lw = bit.weight "fc.weight" = dense<0.5> : tensor<10x8xf32>
  %lb = bit.weight "fc.bias" = dense<0.1> : tensor<10xf32>
  // CHECK: bit.linear %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32> -> tensor<1x10xf32>
  %l = bit.linear %pool, %lw, %lb : tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32> -> tensor<1x10xf32>
  return %l : tensor<1x10xf32>
}

// CHECK-LABEL: func.func @fused
func.func @fused(%x: tensor<2x8x16x16xf32>, %r: tensor<2x16x8x8xf32>) -> (tensor<2x16x8x8xf32>, tensor<2x2x16xf32>, tensor<2x8xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %b = bit.weight "b" = dense<0.0> : tensor<8xf32>
  // CHECK: %[[SS:.+]] = bit.group_norm_stats %{{.+}}, %{{.+}}, %{{.+}} {eps = 1.000000e-05 : f64, groups = 2 : i64} : tensor<2x8x16x16xf32>, tensor<8xf32> -> tensor<2x2x8xf32>
  %ss = bit.group_norm_stats %x, %g, %b {groups = 2, eps = 1.0e-5} : tensor<2x8x16x16xf32>, tensor<8xf32> -> tensor<2x2x8xf32>
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // CHECK: %{{.+}}, %[[STATS:.+]] = bit.conv2d %{{.+}}, %{{.+}} prologue(%[[SS]] : tensor<2x2x8xf32>) residual(%{{.+}} : tensor<2x16x8x8xf32>) {{{.*}}prologue_activation = #bit.activation<relu>, stats_groups = 4 : i64, stats_tile_rows = 3 : i64{{.*}}} : tensor<2x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<2x16x8x8xf32>, tensor<2x3x4x3xf32>
  %y, %stats = bit.conv2d %x, %w prologue(%ss : tensor<2x2x8xf32>) residual(%r : tensor<2x16x8x8xf32>) {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 1, 1>, prologue_activation = #bit.activation<relu>, stats_groups = 4, stats_tile_rows = 3} : tensor<2x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<2x16x8x8xf32>, tensor<2x3x4x3xf32>
  %g16 = bit.weight "g16" = dense<1.0> : tensor<16xf32>
  // CHECK: %[[C:.+]] = bit.group_norm_combine %[[STATS]], %{{.+}}, %{{.+}} {eps = 1.000000e-05 : f64} : tensor<2x3x4x3xf32>, tensor<16xf32> -> tensor<2x2x16xf32>
  %c = bit.group_norm_combine %stats, %g16, %g16 {eps = 1.0e-5} : tensor<2x3x4x3xf32>, tensor<16xf32> -> tensor<2x2x16xf32>
  // CHECK: bit.apply_norm %{{.+}}, %[[C]] residual(%{{.+}} : tensor<2x16x8x8xf32>) {activation = #bit.activation<relu>} : tensor<2x16x8x8xf32>, tensor<2x2x16xf32>
  %n = bit.apply_norm %y, %c residual(%r : tensor<2x16x8x8xf32>) {activation = #bit.activation<relu>} : tensor<2x16x8x8xf32>, tensor<2x2x16xf32>
  // CHECK: bit.global_avg_pool %{{.+}} prologue(%[[SS]] : tensor<2x2x8xf32>) {prologue_activation = #bit.activation<gelu>} : tensor<2x8x16x16xf32> -> tensor<2x8xf32>
  %pool = bit.global_avg_pool %x prologue(%ss : tensor<2x2x8xf32>) {prologue_activation = #bit.activation<gelu>} : tensor<2x8x16x16xf32> -> tensor<2x8xf32>
  return %n, %c, %pool : tensor<2x16x8x8xf32>, tensor<2x2x16xf32>, tensor<2x8xf32>
}

// CHECK-LABEL: func.func @resource
func.func @resource() -> tensor<2xf32> {
  // CHECK: bit.weight "blob" = dense_resource<blob> : tensor<2xf32>
  %w = bit.weight "blob" = dense_resource<blob> : tensor<2xf32>
  return %w : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
