// RUN: bitc-opt %s --bit-tile-group-norm -split-input-file | FileCheck %s
// RUN: bitc-opt %s --bit-tile-group-norm=tile-pixels=1 -split-input-file | FileCheck %s --check-prefix=ROWS
// RUN: bitc-opt %s --bit-tile-group-norm=tile-pixels=21 -split-input-file | FileCheck %s --check-prefix=SHORT

// The conv producing the normalized tensor emits per-tile partials; the
// stats op becomes a combine. 1024 pixels / width 20 = 51 rows, clamped to
// the 20 rows of the output: one tile. With tile-pixels=1, one row per tile.
// CHECK-LABEL: func.func @conv_producer
// CHECK: %[[Y:.+]], %[[P:.+]] = bit.conv2d %{{.+}}, %{{.+}} residual(%{{.+}}) {{{.*}}stats_groups = 2 : i64, stats_tile_rows = 20 : i64{{.*}}} : tensor<1x4x20x20xf32>, tensor<8x4x1x1xf32> -> tensor<1x8x20x20xf32>, tensor<1x1x2x3xf32>
// CHECK: %[[SS:.+]] = bit.group_norm_combine %[[P]], %{{.+}}, %{{.+}} {eps = 1.000000e-05 : f64} : tensor<1x1x2x3xf32>, tensor<8xf32> -> tensor<1x2x8xf32>
// CHECK-NOT: bit.group_norm_stats
// CHECK: bit.conv2d %[[Y]], %{{.+}} prologue(%[[SS]]
// ROWS-LABEL: func.func @conv_producer
// ROWS: stats_tile_rows = 1 : i64{{.*}} -> tensor<1x8x20x20xf32>, tensor<1x20x2x3xf32>
func.func @conv_producer(%x: tensor<1x4x20x20xf32>, %r: tensor<1x8x20x20xf32>) -> tensor<1x8x20x20xf32> {
  %w = bit.weight "w" = dense<1.0> : tensor<8x4x1x1xf32>
  %w2 = bit.weight "w2" = dense<1.0> : tensor<8x8x1x1xf32>
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %y = bit.conv2d %x, %w residual(%r : tensor<1x8x20x20xf32>) {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x4x20x20xf32>, tensor<8x4x1x1xf32> -> tensor<1x8x20x20xf32>
  %ss = bit.group_norm_stats %y, %g, %g {groups = 2, eps = 1.0e-5} : tensor<1x8x20x20xf32>, tensor<8xf32> -> tensor<1x2x8xf32>
  %z = bit.conv2d %y, %w2 prologue(%ss : tensor<1x2x8xf32>) {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, prologue_activation = #bit.activation<relu>} : tensor<1x8x20x20xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x20x20xf32>
  return %z : tensor<1x8x20x20xf32>
}

// -----

// A tensor that no conv produced (the stem's max pool) keeps a standalone
// statistics reduction; a 7-row output with 3-row tiles has a short last tile.
// CHECK-LABEL: func.func @pool_producer
// CHECK: bit.group_norm_stats
// CHECK-NOT: bit.group_norm_combine
func.func @pool_producer(%x: tensor<1x8x9x9xf32>) -> tensor<1x2x8xf32> {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %m = bit.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>} : tensor<1x8x9x9xf32> -> tensor<1x8x7x7xf32>
  %ss = bit.group_norm_stats %m, %g, %g {groups = 2, eps = 1.0e-5} : tensor<1x8x7x7xf32>, tensor<8xf32> -> tensor<1x2x8xf32>
  return %ss : tensor<1x2x8xf32>
}

// -----

// CHECK-LABEL: func.func @short_last_tile
// SHORT-LABEL: func.func @short_last_tile
// SHORT: stats_tile_rows = 3 : i64{{.*}} -> tensor<2x8x7x7xf32>, tensor<2x3x4x3xf32>
func.func @short_last_tile(%x: tensor<2x8x7x7xf32>) -> tensor<2x2x8xf32> {
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x3x3xf32>
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<2x8x7x7xf32>, tensor<8x8x3x3xf32> -> tensor<2x8x7x7xf32>
  %ss = bit.group_norm_stats %y, %g, %g {groups = 4, eps = 1.0e-5} : tensor<2x8x7x7xf32>, tensor<8xf32> -> tensor<2x2x8xf32>
  return %ss : tensor<2x2x8xf32>
}

// -----

// A conv that already emits statistics (for another norm) is left alone: the
// second norm keeps its own reduction.
// CHECK-LABEL: func.func @conv_with_stats
// CHECK: bit.conv2d {{.*}}stats_tile_rows = 4 : i64
// CHECK: bit.group_norm_stats
func.func @conv_with_stats(%x: tensor<1x8x4x4xf32>) -> (tensor<1x1x2x3xf32>, tensor<1x2x8xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<8x8x1x1xf32>
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  %y, %p = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, stats_groups = 2 : i64, stats_tile_rows = 4 : i64} : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32> -> tensor<1x8x4x4xf32>, tensor<1x1x2x3xf32>
  %ss = bit.group_norm_stats %y, %g, %g {groups = 2, eps = 1.0e-5} : tensor<1x8x4x4xf32>, tensor<8xf32> -> tensor<1x2x8xf32>
  return %p, %ss : tensor<1x1x2x3xf32>, tensor<1x2x8xf32>
}
