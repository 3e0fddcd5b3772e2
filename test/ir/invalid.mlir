// RUN: bitc-opt %s -split-input-file -verify-diagnostics

// One case per verifier error of the bit dialect.

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{strides must be positive, got 0}}
  %y = bit.conv2d %x, %w {strides = array<i64: 0, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{strides must have 2 elements, got 3}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{dilations must be positive, got -1}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, -1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{padding must be non-negative, got -1}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, -1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{padding must have 4 elements [top, left, bottom, right], got 2}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x4x3x3xf32>
  // expected-error @+1 {{weight has 4 input channels but the input has 8}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x4x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{output shape must be 'tensor<1x16x16x16xf32>', got 'tensor<1x16x8x8xf32>'}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x8x8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{input 16x16 is too small for the kernel}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 9, 9>, padding = array<i64: 0, 0, 0, 0>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x1x1xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{ws_eps must be positive, got 0}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, ws_eps = 0.0} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // The spelling before activations became an enum attribute.
  // expected-error @+1 {{attribute 'prologue_activation' failed to satisfy constraint: activation}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, prologue_activation = "relu"} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{prologue_activation requires a prologue operand}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, prologue_activation = #bit.activation<relu>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>, %ss: tensor<1x2x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{prologue must be tensor<1x2x8xf32>, got 'tensor<1x2x16xf32>'}}
  %y = bit.conv2d %x, %w prologue(%ss : tensor<1x2x16xf32>) {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>, %r: tensor<1x16x8x8xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{residual must have the output type 'tensor<1x16x16x16xf32>', got 'tensor<1x16x8x8xf32>'}}
  %y = bit.conv2d %x, %w residual(%r : tensor<1x16x8x8xf32>) {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{a stats result requires stats_groups and stats_tile_rows}}
  %y, %s = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>, tensor<1x2x4x3xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{groups (3) must divide the channel count (16)}}
  %y, %s = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, stats_groups = 3, stats_tile_rows = 8} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>, tensor<1x2x3x3xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{stats must be 'tensor<1x2x4x3xf32>', got 'tensor<1x3x4x3xf32>'}}
  %y, %s = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, stats_groups = 4, stats_tile_rows = 8} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>, tensor<1x3x4x3xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{stats_tile_rows must be positive, got 0}}
  %y, %s = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, stats_groups = 4, stats_tile_rows = 0} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>, tensor<1x3x4x3xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<16x8x3x3xf32>
  // expected-error @+1 {{stats_groups and stats_tile_rows require a stats result}}
  %y = bit.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, stats_groups = 4} : tensor<1x8x16x16xf32>, tensor<16x8x3x3xf32> -> tensor<1x16x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  // expected-error @+1 {{groups (3) must divide the channel count (8)}}
  %y = bit.group_norm %x, %g, %g {groups = 3, eps = 1.0e-5} : tensor<1x8x16x16xf32>, tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  // expected-error @+1 {{groups must be positive, got 0}}
  %y = bit.group_norm %x, %g, %g {groups = 0, eps = 1.0e-5} : tensor<1x8x16x16xf32>, tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  // expected-error @+1 {{eps must be positive, got -1}}
  %y = bit.group_norm %x, %g, %g {groups = 2, eps = -1.0} : tensor<1x8x16x16xf32>, tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<4xf32>
  // expected-error @+1 {{gamma and beta must have 8 elements, got 4 and 4}}
  %y = bit.group_norm %x, %g, %g {groups = 2, eps = 1.0e-5} : tensor<1x8x16x16xf32>, tensor<4xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  // Hugging Face's alias, not the dialect's spelling (silu).
  // expected-error @+2 {{expected ::mlir::bit::Activation to be one of: none, relu, gelu, gelu_tanh, selu, relu6, silu, tanh, sigmoid, leaky_relu, mish, quick_gelu, gelu_fast, gelu_10, laplace, relu2}}
  // expected-error @+1 {{failed to parse Bit_ActivationAttr parameter 'value'}}
  %y = bit.group_norm %x, %g, %g {groups = 2, eps = 1.0e-5, activation = #bit.activation<swish>} : tensor<1x8x16x16xf32>, tensor<8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  // expected-error @+1 {{result must be tensor<1x2x8xf32>, got 'tensor<1x8x2xf32>'}}
  %s = bit.group_norm_stats %x, %g, %g {groups = 2, eps = 1.0e-5} : tensor<1x8x16x16xf32>, tensor<8xf32> -> tensor<1x8x2xf32>
  return
}

// -----

func.func @f(%p: tensor<1x2x2x2xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  // expected-error @+1 {{partials must end in a dimension of 3 (count, mean, M2), got 'tensor<1x2x2x2xf32>'}}
  %s = bit.group_norm_combine %p, %g, %g {eps = 1.0e-5} : tensor<1x2x2x2xf32>, tensor<8xf32> -> tensor<1x2x8xf32>
  return
}

// -----

func.func @f(%p: tensor<1x2x3x3xf32>) {
  %g = bit.weight "g" = dense<1.0> : tensor<8xf32>
  // expected-error @+1 {{groups (3) must divide the channel count (8)}}
  %s = bit.group_norm_combine %p, %g, %g {eps = 1.0e-5} : tensor<1x2x3x3xf32>, tensor<8xf32> -> tensor<1x2x8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>, %s: tensor<1x2x4xf32>) {
  // expected-error @+1 {{scale_shift must be tensor<1x2x8xf32>, got 'tensor<1x2x4xf32>'}}
  %y = bit.apply_norm %x, %s : tensor<1x8x16x16xf32>, tensor<1x2x4xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{output shape must be 'tensor<1x8x18x19xf32>', got 'tensor<1x8x18x18xf32>'}}
  %y = bit.pad %x {padding = array<i64: 1, 1, 1, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x18x18xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{padding must be non-negative, got -2}}
  %y = bit.pad %x {padding = array<i64: 1, 1, 1, -2>} : tensor<1x8x16x16xf32> -> tensor<1x8x18x15xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x2x2xf32>) {
  // expected-error @+1 {{input 2x2 is too small for the 3x3 window}}
  %y = bit.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<1x8x2x2xf32> -> tensor<1x8x1x1xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{output shape must be 'tensor<1x8x7x7xf32>', got 'tensor<1x8x8x8xf32>'}}
  %y = bit.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{kernel must be positive, got 0}}
  %y = bit.max_pool2d %x {kernel = array<i64: 0, 3>, strides = array<i64: 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+2 {{expected ::mlir::bit::Activation to be one of: none, relu, gelu, gelu_tanh, selu, relu6, silu, tanh, sigmoid, leaky_relu, mish, quick_gelu, gelu_fast, gelu_10, laplace, relu2}}
  // expected-error @+1 {{failed to parse Bit_ActivationAttr parameter 'value'}}
  %y = bit.activation <prelu> %x : tensor<1x8x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+2 {{expected ::mlir::bit::Activation to be one of: none, relu, gelu, gelu_tanh, selu, relu6, silu, tanh, sigmoid, leaky_relu, mish, quick_gelu, gelu_fast, gelu_10, laplace, relu2}}
  // expected-error @+1 {{failed to parse Bit_ActivationAttr parameter 'value'}}
  %y = bit.add %x, %x {activation = #bit.activation<elu>} : tensor<1x8x16x16xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{output must be tensor<1x8xf32>, got 'tensor<1x4xf32>'}}
  %y = bit.global_avg_pool %x : tensor<1x8x16x16xf32> -> tensor<1x4xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{prologue_activation requires a prologue operand}}
  %y = bit.global_avg_pool %x {prologue_activation = #bit.activation<relu>} : tensor<1x8x16x16xf32> -> tensor<1x8xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<10x4xf32>
  %b = bit.weight "b" = dense<1.0> : tensor<10xf32>
  // expected-error @+1 {{weight has 4 input features but the input has 8}}
  %y = bit.linear %x, %w, %b : tensor<1x8xf32>, tensor<10x4xf32>, tensor<10xf32> -> tensor<1x10xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<10x8xf32>
  %b = bit.weight "b" = dense<1.0> : tensor<9xf32>
  // expected-error @+1 {{bias must have 10 elements, got 9}}
  %y = bit.linear %x, %w, %b : tensor<1x8xf32>, tensor<10x8xf32>, tensor<9xf32> -> tensor<1x10xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8xf32>) {
  %w = bit.weight "w" = dense<1.0> : tensor<10x8xf32>
  %b = bit.weight "b" = dense<1.0> : tensor<10xf32>
  // expected-error @+1 {{output must be tensor<1x10xf32>, got 'tensor<1x11xf32>'}}
  %y = bit.linear %x, %w, %b : tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32> -> tensor<1x11xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{parameter name must not be empty}}
  %w = bit.weight "" = dense<1.0> : tensor<2xf32>
  return
}

// -----

func.func @f(%x: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{result #0 must be tensor of 32-bit float values, but got 'tensor<2xi32>'}}
  %w = bit.weight "w" = dense<1> : tensor<2xi32>
  return
}
