// RUN: bitc-opt %s --bit-fuse-group-norm -split-input-file | FileCheck %s
// RUN: bitc-opt %s --bit-fuse-group-norm=fuse-into-pool=false -split-input-file | FileCheck %s --check-prefix=NOPOOL

// Pre-activation block: one norm feeds the projection shortcut and conv1;
// the statistics are computed once and both convs apply them.
// CHECK-LABEL: func.func @feeds_two_convs
// CHECK: %[[SS:.+]] = bit.group_norm_stats %[[X:[^,]+]], %{{.+}}, %{{.+}} {eps = 1.000000e-05 : f64, groups = 2 : i64}
// CHECK-NEXT: bit.conv2d %[[X]], %{{.+}} prologue(%[[SS]] : tensor<1x2x8xf32>) {{{.*}}prologue_activation = #bit.activation<relu>
// CHECK-NEXT: bit.conv2d %[[X]], %{{.+}} prologue(%[[SS]] : tensor<1x2x8xf32>) {{{.*}}prologue_activation = #bit.activation<relu>
// CHECK-NOT: bit.group_norm {{.*}}activation
// CHECK-NOT: bit.apply_norm
func.func @feeds_two_convs(%x: tensor<1x8x8x8xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x4x8x8xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %b = bit.weight "b" = dense<0.0> : tensor<8xf32>
  %w0 = bit.weight "w0" = dense<1.0> : tensor<16x8x1x1xf32>
  %w1 = bit.weight "w1" = dense<1.0> : tensor<4x8x1x1xf32>
  %p = bit.group_norm %x, %g, %b {groups = 2, eps = 1.0e-5, activation = #bit.activation<relu>} : tensor<1x8x8x8xf32>, tensor<8xf32>
  %s = bit.conv2d %p, %w0 {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x8x8xf32>, tensor<16x8x1x1xf32> -> tensor<1x16x4x4xf32>
  %h = bit.conv2d %p, %w1 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32> -> tensor<1x4x8x8xf32>
  return %s, %h : tensor<1x16x4x4xf32>, tensor<1x4x8x8xf32>
}

// -----

// Final norm before pooling: fused into the pool's prologue (or applied
// separately with fuse-into-pool=false).
// CHECK-LABEL: func.func @final_norm_before_pool
// CHECK: %[[SS:.+]] = bit.group_norm_stats
// CHECK: bit.global_avg_pool %{{.+}} prologue(%[[SS]] : tensor<1x2x8xf32>) {prologue_activation = #bit.activation<gelu>}
// NOPOOL-LABEL: func.func @final_norm_before_pool
// NOPOOL: %[[SS:.+]] = bit.group_norm_stats
// NOPOOL: %[[A:.+]] = bit.apply_norm %{{.+}}, %[[SS]] {activation = #bit.activation<gelu>}
// NOPOOL: bit.global_avg_pool %[[A]] :
func.func @final_norm_before_pool(%x: tensor<1x8x4x4xf32>) -> tensor<1x8xf32> {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %n = bit.group_norm %x, %g, %g {groups = 2, eps = 1.0e-5, activation = #bit.activation<gelu>} : tensor<1x8x4x4xf32>, tensor<8xf32>
  %p = bit.global_avg_pool %n : tensor<1x8x4x4xf32> -> tensor<1x8xf32>
  return %p : tensor<1x8xf32>
}

// -----

// Bottleneck layout: norm3 has no activation and feeds the residual add,
// whose activation follows the sum; the shortcut norm has no activation.
// CHECK-LABEL: func.func @bottleneck_no_activation
// CHECK: %[[SSD:.+]] = bit.group_norm_stats %[[D:[^,]+]],
// CHECK: %[[SC:.+]] = bit.apply_norm %[[D]], %[[SSD]] :
// CHECK: %[[SS3:.+]] = bit.group_norm_stats %[[H:[^,]+]],
// CHECK: bit.apply_norm %[[H]], %[[SS3]] residual(%[[SC]] : tensor<1x8x4x4xf32>) {activation = #bit.activation<relu>}
// CHECK-NOT: bit.add
// CHECK-NOT: bit.group_norm {{.*}}activation
func.func @bottleneck_no_activation(%d: tensor<1x8x4x4xf32>, %h: tensor<1x8x4x4xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %sc = bit.group_norm %d, %g, %g {groups = 2, eps = 1.0e-5, activation = #bit.activation<none>} : tensor<1x8x4x4xf32>, tensor<8xf32>
  %n3 = bit.group_norm %h, %g, %g {groups = 2, eps = 1.0e-5, activation = #bit.activation<none>} : tensor<1x8x4x4xf32>, tensor<8xf32>
  %out = bit.add %n3, %sc {activation = #bit.activation<relu>} : tensor<1x8x4x4xf32>
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %next = bit.conv2d %sc, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  return %out, %next : tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>
}

// -----

// Stem of a bottleneck model: the norm feeds a pad and a max pool, which
// cannot take a prologue, so the norm is applied once, elementwise.
// CHECK-LABEL: func.func @stem_with_max_pool
// CHECK: %[[SS:.+]] = bit.group_norm_stats
// CHECK: %[[A:.+]] = bit.apply_norm %{{.+}}, %[[SS]] {activation = #bit.activation<relu>}
// CHECK: bit.pad %[[A]]
// CHECK: bit.max_pool2d
func.func @stem_with_max_pool(%x: tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32> {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %n = bit.group_norm %x, %g, %g {groups = 2, eps = 1.0e-5, activation = #bit.activation<relu>} : tensor<1x8x8x8xf32>, tensor<8xf32>
  %p = bit.pad %n {padding = array<i64: 0, 0, 1, 1>} : tensor<1x8x8x8xf32> -> tensor<1x8x9x9xf32>
  %m = bit.max_pool2d %p {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<1x8x9x9xf32> -> tensor<1x8x4x4xf32>
  return %m : tensor<1x8x4x4xf32>
}

// -----

// A norm used as a conv's residual (not its input) is applied separately.
// CHECK-LABEL: func.func @norm_as_residual
// CHECK: %[[A:.+]] = bit.apply_norm
// CHECK: bit.conv2d %{{.+}}, %{{.+}} residual(%[[A]] : tensor<1x8x4x4xf32>)
func.func @norm_as_residual(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %n = bit.group_norm %x, %g, %g {groups = 2, eps = 1.0e-5, activation = #bit.activation<selu>} : tensor<1x8x4x4xf32>, tensor<8xf32>
  %y = bit.conv2d %x, %w residual(%n : tensor<1x8x4x4xf32>) {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// A conv that already applies a prologue cannot take a second one: the norm
// is applied by a bit.apply_norm and the conv keeps its own prologue.
// CHECK-LABEL: func.func @conv_with_prologue
// CHECK: %[[SS:.+]] = bit.group_norm_stats %[[X:[^,]+]],
// CHECK: %[[A:.+]] = bit.apply_norm %[[X]], %[[SS]] {activation = #bit.activation<relu>}
// CHECK: bit.conv2d %[[A]], %{{.+}} prologue(%[[P:[^ ]+]] : tensor<1x2x8xf32>)
// CHECK-SAME: prologue_activation = #bit.activation<gelu>
func.func @conv_with_prologue(%x: tensor<1x8x4x4xf32>, %pro: tensor<1x2x8xf32>) -> tensor<1x8x4x4xf32> {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %p = bit.group_norm %x, %g, %g {groups = 2, eps = 1.0e-5, activation = #bit.activation<relu>} : tensor<1x8x4x4xf32>, tensor<8xf32>
  %y = bit.conv2d %p, %w prologue(%pro : tensor<1x2x8xf32>) {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, prologue_activation = #bit.activation<gelu>} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}
