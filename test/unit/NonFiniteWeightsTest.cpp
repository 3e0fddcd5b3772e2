//===- NonFiniteWeightsTest.cpp - NaN and infinity in weights -------------===//

#include "frontend/NonFiniteWeights.h"
#include "TestUtil.h"

#include "gtest/gtest.h"
#include <limits>

using namespace bitc;
using namespace bitc::test;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

std::unique_ptr<TensorStore> openStore(TempDir &dir,
                                       const std::vector<TensorSpec> &specs,
                                       std::string &path) {
  path = dir.write("model.safetensors", buildSafetensors(specs));
  auto store = TensorStore::openFile(path);
  EXPECT_TRUE(!!store) << message(store);
  return store ? std::move(*store) : nullptr;
}

TEST(NonFiniteWeights, OneLinePerTensorWithCountAndFirstIndex) {
  TempDir dir;
  std::string path;
  // F16 0x7c00 is +inf, 0xfe00 a NaN; BF16 0xff80 is -inf.
  auto store = openStore(dir,
                         {{"a", "F32", {4}, floatBytes({1, kInf, kNaN, -kInf})},
                          {"b", "F32", {2}, floatBytes({1, 2})},
                          {"c", "F16", {3}, u16Bytes({0x3c00, 0x7c00, 0xfe00})},
                          {"d", "BF16", {2}, u16Bytes({0xff80, 0x3f80})}},
                         path);
  ASSERT_TRUE(store);
  auto lines = describeNonFiniteWeights(*store);
  ASSERT_TRUE(!!lines) << message(lines);
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0], path + ": tensor 'a': 3 of 4 values are not finite "
                                "(first: inf at index 1)");
  EXPECT_EQ((*lines)[1], path + ": tensor 'c': 2 of 3 values are not finite "
                                "(first: inf at index 1)");
  EXPECT_EQ((*lines)[2], path + ": tensor 'd': 1 of 2 values are not finite "
                                "(first: -inf at index 0)");
}

TEST(NonFiniteWeights, FiniteStoreHasNoLines) {
  TempDir dir;
  std::string path;
  auto store =
      openStore(dir, {{"a", "F32", {2}, floatBytes({0, -1e30f})}}, path);
  ASSERT_TRUE(store);
  auto lines = describeNonFiniteWeights(*store);
  ASSERT_TRUE(!!lines) << message(lines);
  EXPECT_TRUE(lines->empty());
}

TEST(NonFiniteWeights, ManyTensorsAreCapped) {
  TempDir dir;
  std::string path;
  std::vector<TensorSpec> specs;
  for (char name = 'a'; name <= 'e'; ++name)
    specs.push_back({std::string(1, name), "F32", {1}, floatBytes({kNaN})});
  auto store = openStore(dir, specs, path);
  ASSERT_TRUE(store);
  auto lines = describeNonFiniteWeights(*store, /*maxLines=*/2);
  ASSERT_TRUE(!!lines) << message(lines);
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[1], path + ": tensor 'b': 1 of 1 values are not finite "
                                "(first: nan at index 0)");
  EXPECT_EQ((*lines)[2],
            path + ": ... and 3 more tensors with non-finite values");
}

} // namespace
