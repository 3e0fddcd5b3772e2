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
  %y = bit.add %a, %b {activation = "relu"} : tensor<1x1x1x3xf32>
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
  auto apply = [&](const std::string &kind) {
    std::string text = R"mlir(
func.func @f(%x: tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32> {
  %y = bit.activation ")mlir" +
                       kind + R"mlir(" %x : tensor<1x1x1x4xf32>
  return %y : tensor<1x1x1x4xf32>
}
)mlir";
    auto out = run(text, {tensor({1, 1, 1, 4}, {-1, 1, 0, 2})});
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
}

TEST_F(OpsTest, GlobalAvgPoolWithPrologue) {
  // Channel 0: relu(2x + 1) of [0 1 -1 2] = [1 3 0 5] -> 2.25.
  // Channel 1: relu(-x) of [1 -2 3 -4] = [0 2 0 4] -> 1.5.
  const char *text = R"mlir(
func.func @f(%x: tensor<1x2x2x2xf32>, %p: tensor<1x2x2xf32>)
    -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %y = bit.global_avg_pool %x prologue(%p : tensor<1x2x2xf32>)
      {prologue_activation = "relu"} : tensor<1x2x2x2xf32> -> tensor<1x2xf32>
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
