//===- NormTest.cpp - The group-norm ops in the reference interpreter -----===//

#include "InterpTestUtil.h"

using namespace bitc;
using namespace bitc::test;
using mlir::bit::Activation;

namespace {

using NormTest = InterpTest;

const char *kGroupNormStats = R"mlir(
func.func @f(%x: tensor<2x6x3x4xf32>, %g: tensor<6xf32>, %b: tensor<6xf32>)
    -> tensor<2x2x6xf32> {
  %s = bit.group_norm_stats %x, %g, %b {groups = 3 : i64, eps = 1.0e-05 : f64}
      : tensor<2x6x3x4xf32>, tensor<6xf32> -> tensor<2x2x6xf32>
  return %s : tensor<2x2x6xf32>
}
)mlir";

TEST_F(NormTest, GroupNormOfEveryActivation) {
  HostTensor x = randomTensor({2, 6, 3, 4}, 1, -3.0f, 2.0f);
  HostTensor gamma = randomTensor({6}, 2, 0.5f, 2.0f);
  HostTensor beta = randomTensor({6}, 3);
  for (Activation act : {Activation::None, Activation::Relu, Activation::Gelu,
                         Activation::GeluTanh, Activation::Selu}) {
    std::string name = mlir::bit::stringifyActivation(act).str();
    SCOPED_TRACE(name);
    std::string text = R"mlir(
func.func @f(%x: tensor<2x6x3x4xf32>, %g: tensor<6xf32>, %b: tensor<6xf32>)
    -> tensor<2x6x3x4xf32> {
  %y = bit.group_norm %x, %g, %b {groups = 3 : i64, eps = 1.0e-05 : f64,
      activation = #bit.activation<)mlir" +
                       name + R"mlir(>} : tensor<2x6x3x4xf32>, tensor<6xf32>
  return %y : tensor<2x6x3x4xf32>
}
)mlir";
    auto out = run(text, {x, gamma, beta});
    ASSERT_EQ(out.size(), 1u);
    expectClose(out[0], naiveGroupNorm(x, gamma, beta, 3, 1e-5, act), 1e-5,
                1e-5);
  }
}

TEST_F(NormTest, HandComputedGroupNorm) {
  // One group of [1 2 3 4]: mean 2.5, variance 1.25; eps 0.25 makes the
  // denominator sqrt(1.5). gamma 2, beta 1, no activation.
  const char *text = R"mlir(
func.func @f(%x: tensor<1x1x2x2xf32>, %g: tensor<1xf32>, %b: tensor<1xf32>)
    -> tensor<1x1x2x2xf32> {
  %y = bit.group_norm %x, %g, %b {groups = 1 : i64, eps = 2.5e-01 : f64}
      : tensor<1x1x2x2xf32>, tensor<1xf32>
  return %y : tensor<1x1x2x2xf32>
}
)mlir";
  auto out = run(text, {tensor({1, 1, 2, 2}, {1, 2, 3, 4}), tensor({1}, {2}),
                        tensor({1}, {1})});
  ASSERT_EQ(out.size(), 1u);
  const double d = std::sqrt(1.5);
  expectClose(out[0],
              tensor({1, 1, 2, 2}, {float(1 - 3 / d), float(1 - 1 / d),
                                    float(1 + 1 / d), float(1 + 3 / d)}));
}

TEST_F(NormTest, GroupNormStatsMatchNaive) {
  HostTensor x = randomTensor({2, 6, 3, 4}, 11, -1.0f, 3.0f);
  HostTensor gamma = randomTensor({6}, 12);
  HostTensor beta = randomTensor({6}, 13);
  auto out = run(kGroupNormStats, {x, gamma, beta});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], naiveScaleShift(x, gamma, beta, 3, 1e-5), 1e-5, 1e-5);
}

TEST_F(NormTest, HandComputedCombine) {
  // Two tiles of one group: (4, 2.5, 5) = [1 2 3 4] and (2, 5.5, 0.5) =
  // [5 6]; merged: mean 3.5, M2 = 5 + 0.5 + 3^2 * 4 * 2 / 6 = 17.5, so
  // var = 35/12 (that of 1..6). An empty tile is ignored.
  const char *text = R"mlir(
func.func @f(%p: tensor<1x3x1x3xf32>, %g: tensor<2xf32>, %b: tensor<2xf32>)
    -> tensor<1x2x2xf32> {
  %s = bit.group_norm_combine %p, %g, %b {eps = 1.0e-05 : f64}
      : tensor<1x3x1x3xf32>, tensor<2xf32> -> tensor<1x2x2xf32>
  return %s : tensor<1x2x2xf32>
}
)mlir";
  auto out =
      run(text, {tensor({1, 3, 1, 3}, {4, 2.5f, 5, 0, 0, 0, 2, 5.5f, 0.5f}),
                 tensor({2}, {1, 2}), tensor({2}, {0, 1})});
  ASSERT_EQ(out.size(), 1u);
  const double rstd = 1 / std::sqrt(35.0 / 12 + 1e-5);
  expectClose(out[0], tensor({1, 2, 2},
                             {float(rstd), float(2 * rstd), float(-rstd * 3.5),
                              float(1 - 2 * rstd * 3.5)}));
}

TEST_F(NormTest, CombineOfConvStatsEqualsGroupNormStats) {
  // The tiled statistics of a conv output, merged, must give the same
  // scale/shift as reducing the output directly. 11 rows in tiles of 4.
  const char *text = R"mlir(
func.func @f(%x: tensor<2x3x11x5xf32>, %w: tensor<8x3x3x3xf32>,
             %g: tensor<8xf32>, %b: tensor<8xf32>)
    -> (tensor<2x2x8xf32>, tensor<2x2x8xf32>, tensor<2x3x4x3xf32>) {
  %y, %s = bit.conv2d %x, %w {strides = array<i64: 1, 1>,
      dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>,
      ws_eps = 1.0e-08 : f64, stats_groups = 4 : i64, stats_tile_rows = 4 : i64}
      : tensor<2x3x11x5xf32>, tensor<8x3x3x3xf32>
      -> tensor<2x8x11x5xf32>, tensor<2x3x4x3xf32>
  %direct = bit.group_norm_stats %y, %g, %b {groups = 4 : i64, eps = 1.0e-05 : f64}
      : tensor<2x8x11x5xf32>, tensor<8xf32> -> tensor<2x2x8xf32>
  %merged = bit.group_norm_combine %s, %g, %b {eps = 1.0e-05 : f64}
      : tensor<2x3x4x3xf32>, tensor<8xf32> -> tensor<2x2x8xf32>
  return %direct, %merged, %s
      : tensor<2x2x8xf32>, tensor<2x2x8xf32>, tensor<2x3x4x3xf32>
}
)mlir";
  HostTensor x = randomTensor({2, 3, 11, 5}, 21);
  HostTensor w = randomTensor({8, 3, 3, 3}, 22);
  HostTensor gamma = randomTensor({8}, 23, 0.5f, 1.5f);
  HostTensor beta = randomTensor({8}, 24);
  auto out = run(text, {x, w, gamma, beta});
  ASSERT_EQ(out.size(), 3u);
  expectClose(out[1], out[0], 1e-5, 1e-5);
  // Last tile: 3 rows x 5 columns x 2 channels per group.
  EXPECT_EQ(out[2].data[(2 * 4 + 0) * 3], 30.0f);
  EXPECT_EQ(out[2].data[0], 40.0f);
}

TEST_F(NormTest, ApplyNormWithResidualBeforeActivation) {
  // relu(x * 2 - 3 + 0.5): x = 1 -> relu(-0.5) = 0, x = 2 -> 1.5.
  // Channel 1: x * -1 + 0 + r.
  const char *text = R"mlir(
func.func @f(%x: tensor<1x2x1x2xf32>, %s: tensor<1x2x2xf32>,
             %r: tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32> {
  %y = bit.apply_norm %x, %s residual(%r : tensor<1x2x1x2xf32>)
      {activation = #bit.activation<relu>} : tensor<1x2x1x2xf32>, tensor<1x2x2xf32>
  return %y : tensor<1x2x1x2xf32>
}
)mlir";
  auto out = run(text, {tensor({1, 2, 1, 2}, {1, 2, 3, -4}),
                        tensor({1, 2, 2}, {2, -1, -3, 0}),
                        tensor({1, 2, 1, 2}, {0.5f, 0.5f, 1, 1})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({1, 2, 1, 2}, {0, 1.5f, 0, 5}));
}

TEST_F(NormTest, FusedPrologueEqualsGroupNormThenConv) {
  // GN + gelu feeding a padded conv, unfused and fused into the prologue:
  // the border must stay zero in both.
  const char *text = R"mlir(
func.func @unfused(%x: tensor<2x4x6x6xf32>, %g: tensor<4xf32>,
                   %b: tensor<4xf32>, %w: tensor<3x4x3x3xf32>)
    -> tensor<2x3x3x3xf32> {
  %a = bit.group_norm %x, %g, %b {groups = 2 : i64, eps = 1.0e-05 : f64,
      activation = #bit.activation<gelu>} : tensor<2x4x6x6xf32>, tensor<4xf32>
  %y = bit.conv2d %a, %w {strides = array<i64: 2, 2>,
      dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>,
      ws_eps = 1.0e-08 : f64}
      : tensor<2x4x6x6xf32>, tensor<3x4x3x3xf32> -> tensor<2x3x3x3xf32>
  return %y : tensor<2x3x3x3xf32>
}
func.func @fused(%x: tensor<2x4x6x6xf32>, %g: tensor<4xf32>,
                 %b: tensor<4xf32>, %w: tensor<3x4x3x3xf32>)
    -> tensor<2x3x3x3xf32> {
  %s = bit.group_norm_stats %x, %g, %b {groups = 2 : i64, eps = 1.0e-05 : f64}
      : tensor<2x4x6x6xf32>, tensor<4xf32> -> tensor<2x2x4xf32>
  %y = bit.conv2d %x, %w prologue(%s : tensor<2x2x4xf32>) {
      strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
      padding = array<i64: 1, 1, 0, 0>, ws_eps = 1.0e-08 : f64,
      prologue_activation = #bit.activation<gelu>}
      : tensor<2x4x6x6xf32>, tensor<3x4x3x3xf32> -> tensor<2x3x3x3xf32>
  return %y : tensor<2x3x3x3xf32>
}
)mlir";
  std::vector<HostTensor> inputs = {randomTensor({2, 4, 6, 6}, 31, -2.0f, 3.0f),
                                    randomTensor({4}, 32, 0.5f, 1.5f),
                                    randomTensor({4}, 33),
                                    randomTensor({3, 4, 3, 3}, 34)};
  auto unfused = run(text, inputs, "unfused");
  auto fused = run(text, inputs, "fused");
  ASSERT_EQ(unfused.size(), 1u);
  ASSERT_EQ(fused.size(), 1u);
  expectClose(fused[0], unfused[0], 1e-4, 1e-4);
}

} // namespace
