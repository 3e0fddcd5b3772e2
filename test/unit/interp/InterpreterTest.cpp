//===- InterpreterTest.cpp - Driver, weights and errors -------------------===//

#include "InterpTestUtil.h"
#include "ir/WeightData.h"

#include "gmock/gmock.h"

using namespace bitc;
using namespace bitc::test;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

using InterpreterTest = InterpTest;

TEST_F(InterpreterTest, DenseWeights) {
  const char *text = R"mlir(
func.func @f() -> (tensor<2x2xf32>, tensor<3xf32>) {
  %a = bit.weight "a" = dense<[[1.0, 2.0], [3.0, -4.5]]> : tensor<2x2xf32>
  %b = bit.weight "b" = dense<0.25> : tensor<3xf32>
  return %a, %b : tensor<2x2xf32>, tensor<3xf32>
}
)mlir";
  auto out = run(text, {});
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[0], tensor({2, 2}, {1, 2, 3, -4.5f}), 0, 0);
  expectClose(out[1], tensor({3}, {0.25f, 0.25f, 0.25f}), 0, 0);
}

/// A weight in a resource blob: a 4-byte alignment (4), then 1.0f and -2.0f
/// little-endian.
const char *kResourceWeight = R"mlir(
func.func @f() -> tensor<2xf32> {
  %a = bit.weight "classifier.1.bias" = dense_resource<blob0> : tensor<2xf32>
  return %a : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob0: "0x040000000000803F000000C0"
    }
  }
#-}
)mlir";

TEST_F(InterpreterTest, ResourceWeights) {
  auto out = run(kResourceWeight, {});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({2}, {1.0f, -2.0f}), 0, 0);
}

TEST_F(InterpreterTest, ElidedWeightsAreAnError) {
  const char *text = R"mlir(
func.func @f() -> tensor<2xf32> {
  %a = bit.weight "stem.weight" = dense_resource<__elided__> : tensor<2xf32>
  return %a : tensor<2xf32>
}
)mlir";
  std::string error = runError(text, {});
  EXPECT_THAT(error, StartsWith("test.mlir:3:8: "));
  EXPECT_THAT(error, HasSubstr("weights of 'stem.weight' are elided"));
}

TEST_F(InterpreterTest, ShortBlobIsAnError) {
  const char *text = R"mlir(
func.func @f() -> tensor<3xf32> {
  %a = bit.weight "w" = dense_resource<blob0> : tensor<3xf32>
  return %a : tensor<3xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob0: "0x040000000000803F000000C0"
    }
  }
#-}
)mlir";
  std::string error = runError(text, {});
  EXPECT_THAT(error, HasSubstr("weights of 'w' hold 8 bytes, expected 12"));
}

TEST_F(InterpreterTest, ReleasedWeightsAreAnError) {
  mlir::func::FuncOp func = parse(kResourceWeight);
  ASSERT_TRUE(func);
  // What planKernels does to each weight after its last use.
  func.walk([](mlir::bit::WeightOp op) { mlir::bit::releaseWeightData(op); });
  auto results = interpret(func, {});
  ASSERT_FALSE(bool(results));
  EXPECT_EQ(llvm::toString(results.takeError()),
            "test.mlir:3:8: 'bit.weight' op weights of 'classifier.1.bias' "
            "were released by their last reader (weight standardization "
            "folding or planKernels) and cannot be read again");
}

TEST_F(InterpreterTest, UnsupportedOp) {
  const char *text = R"mlir(
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "test.frobnicate"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
)mlir";
  EXPECT_EQ(runError(text, {tensor({2}, {1, 2})}),
            "test.mlir:3:8: unsupported op 'test.frobnicate'");
}

TEST_F(InterpreterTest, NamedLocationsAreReported) {
  const char *text = R"mlir(
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "test.frobnicate"(%x) : (tensor<2xf32>) -> tensor<2xf32> loc("conv1")
  return %y : tensor<2xf32>
}
)mlir";
  EXPECT_EQ(runError(text, {tensor({2}, {1, 2})}),
            "'conv1': unsupported op 'test.frobnicate'");
}

TEST_F(InterpreterTest, InputMismatches) {
  const char *text = R"mlir(
func.func @f(%x: tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32> {
  %y = bit.activation <relu> %x : tensor<1x1x1x2xf32>
  return %y : tensor<1x1x1x2xf32>
}
)mlir";
  EXPECT_THAT(runError(text, {}), HasSubstr("expects 1 inputs, got 0"));
  std::string shape = runError(text, {tensor({1, 2}, {1, 2})});
  EXPECT_THAT(shape, StartsWith("test.mlir:2:1: "));
  EXPECT_THAT(shape, HasSubstr("input #0 has shape 1x2, expected 1x1x1x2"));
  EXPECT_THAT(runError(text, {tensor({1, 1, 1, 2}, {1, 2, 3})}),
              HasSubstr("input #0 has 3 elements"));
  EXPECT_EQ(runError(text, {tensor({1, 1, 1, 2}, {1, 2})}), "");
}

TEST_F(InterpreterTest, InvalidIRIsReportedOnOneLine) {
  // Verification runs first: the wrong conv output shape is reported.
  const char *text = R"mlir(
func.func @f(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x2x2xf32>)
    -> tensor<1x1x3x3xf32> {
  %y = "bit.conv2d"(%x, %w) {strides = array<i64: 1, 1>,
      dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
      operandSegmentSizes = array<i32: 1, 1, 0, 0>}
      : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}
)mlir";
  std::string error = runError(
      text, {randomTensor({1, 1, 3, 3}, 1), randomTensor({1, 1, 2, 2}, 2)},
      /*verify=*/false);
  EXPECT_THAT(error, StartsWith("invalid IR: test.mlir:4:8: "));
  EXPECT_THAT(error, HasSubstr("output shape must be"));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST_F(InterpreterTest, DynamicShapesAreRejected) {
  const char *text = R"mlir(
func.func @f(%x: tensor<?x1x1x2xf32>) -> tensor<?x1x1x2xf32> {
  %y = bit.activation <relu> %x : tensor<?x1x1x2xf32>
  return %y : tensor<?x1x1x2xf32>
}
)mlir";
  EXPECT_THAT(runError(text, {tensor({1, 1, 1, 2}, {1, 2})}),
              HasSubstr("only static f32 tensors are supported"));
}

TEST_F(InterpreterTest, ValuesWithSeveralUsesAndPassThrough) {
  // %x feeds two ops and is returned; %a is used twice and returned: values
  // must stay alive until their last use.
  const char *text = R"mlir(
func.func @f(%x: tensor<1x1x1x2xf32>)
    -> (tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>) {
  %a = bit.add %x, %x : tensor<1x1x1x2xf32>
  %unused = bit.activation <relu> %a : tensor<1x1x1x2xf32>
  %b = bit.add %a, %x {activation = #bit.activation<relu>} : tensor<1x1x1x2xf32>
  %c = bit.add %b, %a : tensor<1x1x1x2xf32>
  return %c, %x, %a
      : tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>
}
)mlir";
  auto out = run(text, {tensor({1, 1, 1, 2}, {1, -2})});
  ASSERT_EQ(out.size(), 3u);
  // a = [2 -4], b = relu(a + x) = [3 0], c = b + a = [5 -4].
  expectClose(out[0], tensor({1, 1, 1, 2}, {5, -4}), 0, 0);
  expectClose(out[1], tensor({1, 1, 1, 2}, {1, -2}), 0, 0);
  expectClose(out[2], tensor({1, 1, 1, 2}, {2, -4}), 0, 0);
}

TEST_F(InterpreterTest, ExternalFunction) {
  const char *text = R"mlir(
func.func private @f(%x: tensor<2xf32>) -> tensor<2xf32>
)mlir";
  EXPECT_THAT(runError(text, {}), HasSubstr("function '@f' has no body"));
}

} // namespace
