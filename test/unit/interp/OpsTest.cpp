//===- OpsTest.cpp - pad, pooling, add, activation, linear ----------------===//

#include "InterpTestUtil.h"

using namespace bitc;
using namespace bitc::test;

namespace {

using OpsTest = InterpTest;

TEST_F(OpsTest, PadWithConstant) {
  const char *text = R"mlir(
func.func @f(%x: tensor<1x1x1x2xf32>) -> tensor<1x1x3x3xf32> {
  %y = bit.pad %x {padding = array<i64: 1, 0, 1, 1>, value = 5.0e-01 : f64}
      : tensor<1x1x1x2xf32> -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}
)mlir";
  auto out = run(text, {tensor({1, 1, 1, 2}, {7, 8})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({1, 1, 3, 3},
                             {0.5f, 0.5f, 0.5f, 7, 8, 0.5f, 0.5f, 0.5f, 0.5f}));
}

TEST_F(OpsTest, PadDefaultsToZero) {
  const char *text = R"mlir(
func.func @f(%x: tensor<1x1x1x1xf32>) -> tensor<1x1x2x1xf32> {
  %y = bit.pad %x {padding = array<i64: 0, 0, 1, 0>}
      : tensor<1x1x1x1xf32> -> tensor<1x1x2x1xf32>
  return %y : tensor<1x1x2x1xf32>
}
)mlir";
  auto out = run(text, {tensor({1, 1, 1, 1}, {-3})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({1, 1, 2, 1}, {-3, 0}));
}

TEST_F(OpsTest, MaxPoolWithoutPadding) {
  // v[y][x] = -(5y + x) <= 0; 3x3 windows at stride 2 start at 0 and 2.
  const char *text = R"mlir(
func.func @f(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x2x2xf32> {
  %y = bit.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>}
      : tensor<1x2x5x5xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
)mlir";
  HostTensor x{{1, 2, 5, 5}, std::vector<float>(50)};
  for (int y = 0; y < 5; ++y)
    for (int c = 0; c < 5; ++c) {
      x.data[y * 5 + c] = -float(5 * y + c);
      x.data[25 + y * 5 + c] = float(5 * y + c);
    }
  auto out = run(text, {x});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({1, 2, 2, 2}, {0, -2, -10, -12, 12, 14, 22, 24}));
}

TEST_F(OpsTest, AddWithActivation) {
  const char *text = R"mlir(
func.func @f(%a: tensor<1x1x1x3xf32>, %b: tensor<1x1x1x3xf32>)
    -> (tensor<1x1x1x3xf32>, tensor<1x1x1x3xf32>) {
  %y = bit.add %a, %b {activation = #bit.activation<relu>} : tensor<1x1x1x3xf32>
  %z = bit.add %a, %b : tensor<1x1x1x3xf32>
  return %y, %z : tensor<1x1x1x3xf32>, tensor<1x1x1x3xf32>
}
)mlir";
  auto out = run(text, {tensor({1, 1, 1, 3}, {1, -2, 0.25f}),
                        tensor({1, 1, 1, 3}, {2, 1, 0.5f})});
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[0], tensor({1, 1, 1, 3}, {3, 0, 0.75f}));
  expectClose(out[1], tensor({1, 1, 1, 3}, {3, -1, 0.75f}));
}

TEST_F(OpsTest, ActivationValues) {
  auto apply = [&](const std::string &kind,
                   std::vector<float> in = {-1, 1, 0, 2}) {
    std::string text = R"mlir(
func.func @f(%x: tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32> {
  %y = bit.activation <)mlir" +
                       kind + R"mlir(> %x : tensor<1x1x1x4xf32>
  return %y : tensor<1x1x1x4xf32>
}
)mlir";
    auto out = run(text, {tensor({1, 1, 1, 4}, in)});
    return out.empty() ? HostTensor{} : out[0];
  };
  // Reference values: torch.nn.functional.gelu / gelu(approximate="tanh") /
  // selu at -1, 1, 0, 2.
  expectClose(apply("relu"), tensor({1, 1, 1, 4}, {0, 1, 0, 2}));
  expectClose(apply("none"), tensor({1, 1, 1, 4}, {-1, 1, 0, 2}));
  expectClose(apply("gelu"), tensor({1, 1, 1, 4}, {-0.15865525f, 0.84134475f, 0,
                                                   1.95449974f}));
  expectClose(
      apply("gelu_tanh"),
      tensor({1, 1, 1, 4}, {-0.15880801f, 0.84119199f, 0, 1.95459769f}));
  expectClose(apply("selu"), tensor({1, 1, 1, 4}, {-1.11133074f, 1.05070099f, 0,
                                                   2.10140197f}));
  // The other ACT2FN activations, reference values from torch (float64):
  // F.relu6, F.silu, torch.tanh, torch.sigmoid, F.leaky_relu, F.mish,
  // x * sigmoid(1.702 x), Hugging Face's FastGELU formula, clip(F.gelu, -10,
  // 10), the Laplace CDF (mu 0.707107, sigma 0.282095) and relu(x)^2.
  auto at = [](std::vector<float> values) {
    return tensor({1, 1, 1, 4}, std::move(values));
  };
  expectClose(apply("relu6"), at({0, 1, 0, 2}));
  expectClose(apply("relu6", {-1, 7, 6, 2}), at({0, 6, 6, 2}));
  expectClose(apply("silu"), at({-0.26894142f, 0.73105858f, 0, 1.76159416f}));
  expectClose(apply("tanh"), at({-0.76159416f, 0.76159416f, 0, 0.96402758f}));
  expectClose(apply("sigmoid"),
              at({0.26894142f, 0.73105858f, 0.5f, 0.88079708f}));
  expectClose(apply("leaky_relu"), at({-0.01f, 1, 0, 2}));
  expectClose(apply("mish"), at({-0.30340146f, 0.86509839f, 0, 1.94395896f}));
  expectClose(apply("quick_gelu"),
              at({-0.15420423f, 0.84579577f, 0, 1.93565862f}));
  expectClose(apply("gelu_fast"),
              at({-0.15880801f, 0.84119199f, 0, 1.95459769f}));
  expectClose(apply("gelu_10"),
              at({-0.15865525f, 0.84134475f, 0, 1.95449974f}));
  expectClose(apply("gelu_10", {12, -12, 0, 10.5f}), at({10, 0, 0, 10}));
  expectClose(apply("laplace"), at({0, 0.85042965f, 0.00609446f, 0.99999771f}));
  expectClose(apply("relu2"), at({0, 1, 0, 4}));
}

TEST_F(OpsTest, GlobalAvgPoolWithPrologue) {
  // Channel 0: relu(2x + 1) of [0 1 -1 2] = [1 3 0 5] -> 2.25.
  // Channel 1: relu(-x) of [1 -2 3 -4] = [0 2 0 4] -> 1.5.
  const char *text = R"mlir(
func.func @f(%x: tensor<1x2x2x2xf32>, %p: tensor<1x2x2xf32>)
    -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %y = bit.global_avg_pool %x prologue(%p : tensor<1x2x2xf32>)
      {prologue_activation = #bit.activation<relu>} : tensor<1x2x2x2xf32> -> tensor<1x2xf32>
  %z = bit.global_avg_pool %x : tensor<1x2x2x2xf32> -> tensor<1x2xf32>
  return %y, %z : tensor<1x2xf32>, tensor<1x2xf32>
}
)mlir";
  auto out = run(text, {tensor({1, 2, 2, 2}, {0, 1, -1, 2, 1, -2, 3, -4}),
                        tensor({1, 2, 2}, {2, -1, 1, 0})});
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[0], tensor({1, 2}, {2.25f, 1.5f}));
  expectClose(out[1], tensor({1, 2}, {0.5f, -0.5f}));
}

TEST_F(OpsTest, Linear) {
  // [1 2 3; -1 0 1] @ [[1 0 1]; [0.5 0.5 0.5]]^T + [10, -1].
  const char *text = R"mlir(
func.func @f(%x: tensor<2x3xf32>, %w: tensor<2x3xf32>, %b: tensor<2xf32>)
    -> tensor<2x2xf32> {
  %y = bit.linear %x, %w, %b : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>
      -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
)mlir";
  auto out = run(text, {tensor({2, 3}, {1, 2, 3, -1, 0, 1}),
                        tensor({2, 3}, {1, 0, 1, 0.5f, 0.5f, 0.5f}),
                        tensor({2}, {10, -1})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({2, 2}, {14, 2, 10, -1}));
}

} // namespace
