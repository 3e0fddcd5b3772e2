//===- CheckpointSchemaTest.cpp - expected state dict ---------------------===//

#include "frontend/CheckpointSchema.h"
#include "TestUtil.h"

#include "gtest/gtest.h"

#include <map>

using namespace bitc;
using namespace bitc::test;

namespace {

std::map<std::string, std::vector<int64_t>>
byName(const std::vector<ExpectedTensor> &tensors) {
  std::map<std::string, std::vector<int64_t>> map;
  for (const ExpectedTensor &t : tensors)
    EXPECT_TRUE(map.emplace(t.name, t.shape).second) << "twice: " << t.name;
  return map;
}

TEST(ExpectedTensors, R50x1Preactivation) {
  BitConfig config;
  config.labels.assign(1000, "x");
  std::vector<ExpectedTensor> tensors = expectedTensors(config);
  auto map = byName(tensors);
  // stem 1 + per layer 3 convs + 3 norms x 2 + downsample per stage + head.
  EXPECT_EQ(tensors.size(), 1u + 16 * 9 + 4 + 2 + 2);
  EXPECT_EQ(tensors.front().name, "bit.embedder.convolution.weight");
  EXPECT_EQ(tensors.back().name, "classifier.1.bias");
  EXPECT_EQ(map["bit.embedder.convolution.weight"],
            (std::vector<int64_t>{64, 3, 7, 7}));
  EXPECT_EQ(map.count("bit.embedder.norm.weight"), 0u);
  EXPECT_EQ(map["bit.encoder.stages.0.layers.0.downsample.conv.weight"],
            (std::vector<int64_t>{256, 64, 1, 1}));
  EXPECT_EQ(map.count("bit.encoder.stages.0.layers.0.downsample.norm.weight"),
            0u);
  EXPECT_EQ(map.count("bit.encoder.stages.0.layers.1.downsample.conv.weight"),
            0u);
  EXPECT_EQ(map["bit.encoder.stages.0.layers.0.norm1.weight"],
            (std::vector<int64_t>{64}));
  EXPECT_EQ(map["bit.encoder.stages.0.layers.1.norm1.bias"],
            (std::vector<int64_t>{256}));
  EXPECT_EQ(map["bit.encoder.stages.1.layers.0.conv1.weight"],
            (std::vector<int64_t>{128, 256, 1, 1}));
  EXPECT_EQ(map["bit.encoder.stages.1.layers.0.conv2.weight"],
            (std::vector<int64_t>{128, 128, 3, 3}));
  EXPECT_EQ(map["bit.encoder.stages.1.layers.3.norm3.weight"],
            (std::vector<int64_t>{128}));
  EXPECT_EQ(map["bit.encoder.stages.3.layers.2.conv3.weight"],
            (std::vector<int64_t>{2048, 512, 1, 1}));
  EXPECT_EQ(map["bit.norm.weight"], (std::vector<int64_t>{2048}));
  EXPECT_EQ(map["classifier.1.weight"], (std::vector<int64_t>{1000, 2048}));
  EXPECT_EQ(map["classifier.1.bias"], (std::vector<int64_t>{1000}));

  // 25.5 M parameters (docs/bit-model.md section 4).
  int64_t parameters = 0;
  for (const ExpectedTensor &t : tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape)
      n *= d;
    parameters += n;
  }
  EXPECT_EQ(parameters / 100000, 255);
}

TEST(ExpectedTensors, Bottleneck) {
  BitConfig config;
  config.layerType = LayerType::Bottleneck;
  config.depths = {1, 2};
  config.hiddenSizes = {64, 128};
  config.embeddingSize = 32;
  config.numGroups = 8;
  config.labels = {"a", "b", "c"};
  std::vector<ExpectedTensor> tensors = expectedTensors(config);
  auto map = byName(tensors);
  EXPECT_EQ(map["bit.embedder.norm.weight"], (std::vector<int64_t>{32}));
  EXPECT_EQ(map["bit.encoder.stages.0.layers.0.downsample.conv.weight"],
            (std::vector<int64_t>{64, 32, 1, 1}));
  EXPECT_EQ(map["bit.encoder.stages.0.layers.0.downsample.norm.bias"],
            (std::vector<int64_t>{64}));
  EXPECT_EQ(map["bit.encoder.stages.0.layers.0.norm1.weight"],
            (std::vector<int64_t>{16}));
  EXPECT_EQ(map["bit.encoder.stages.0.layers.0.conv1.weight"],
            (std::vector<int64_t>{16, 32, 1, 1}));
  EXPECT_EQ(map["bit.encoder.stages.1.layers.1.norm3.weight"],
            (std::vector<int64_t>{128}));
  EXPECT_EQ(map["bit.encoder.stages.1.layers.1.conv1.weight"],
            (std::vector<int64_t>{32, 128, 1, 1}));
  EXPECT_EQ(map.count("bit.norm.weight"), 0u);
  EXPECT_EQ(map["classifier.1.weight"], (std::vector<int64_t>{3, 128}));
  // stem conv + norm (3) + 3 layers x 9 + 2 downsamples x 3 + head 2.
  EXPECT_EQ(tensors.size(), 3u + 27 + 6 + 2);
}

BitConfig tinyConfig() {
  BitConfig config;
  config.embeddingSize = 8;
  config.hiddenSizes = {16, 32};
  config.depths = {1, 2};
  config.numGroups = 2;
  config.labels = {"a", "b"};
  return config;
}

class TensorSet : public ::testing::Test {
protected:
  /// Writes a model.safetensors with every expected tensor, except those for
  /// which `edit` returns false; `edit` may change names and shapes.
  template <typename Edit>
  std::unique_ptr<TensorStore> store(const BitConfig &config, Edit edit,
                                     std::vector<TensorSpec> extra = {}) {
    std::vector<TensorSpec> specs;
    for (ExpectedTensor t : expectedTensors(config))
      if (edit(t))
        specs.push_back(zerosF32(t.name, t.shape));
    for (TensorSpec &s : extra)
      specs.push_back(std::move(s));
    path = dir.write("model.safetensors", buildSafetensors(specs));
    auto s = TensorStore::openDirectory(dir.path());
    EXPECT_TRUE(!!s) << message(s);
    return s ? std::move(*s) : nullptr;
  }
  TempDir dir;
  std::string path;
};

TEST_F(TensorSet, CompleteCheckpointValidates) {
  BitConfig config = tinyConfig();
  auto s = store(config, [](ExpectedTensor &) { return true; });
  ASSERT_TRUE(s);
  EXPECT_EQ(message(validateTensorSet(*s, expectedTensors(config))), "");
}

TEST_F(TensorSet, EveryProblemOneLine) {
  BitConfig config = tinyConfig();
  auto s = store(config,
                 [](ExpectedTensor &t) {
                   if (t.name == "bit.encoder.stages.1.layers.1.conv2.weight")
                     return false;
                   if (t.name == "bit.norm.bias")
                     return false;
                   if (t.name == "classifier.1.weight")
                     t.shape = {3, 32};
                   return true;
                 },
                 {zerosF32("extra.weight", {2}),
                  zerosF32("bit.embedder.norm.weight", {8})});
  ASSERT_TRUE(s);
  EXPECT_EQ(message(validateTensorSet(*s, expectedTensors(config))),
            path +
                ": missing tensor 'bit.encoder.stages.1.layers.1.conv2.weight' "
                "(expected shape [8, 8, 3, 3])\n" +
                path +
                ": missing tensor 'bit.norm.bias' (expected shape [32])\n" +
                path +
                ": tensor 'classifier.1.weight' has shape [3, 32] but the "
                "config implies [2, 32]\n" +
                path + ": unexpected tensor 'bit.embedder.norm.weight'\n" +
                path + ": unexpected tensor 'extra.weight'");
}

TEST_F(TensorSet, WrongLayerTypeIsReported) {
  BitConfig config = tinyConfig();
  auto s = store(config, [](ExpectedTensor &) { return true; });
  ASSERT_TRUE(s);
  config.layerType = LayerType::Bottleneck;
  std::string msg = message(validateTensorSet(*s, expectedTensors(config)));
  EXPECT_NE(msg.find(path + ": missing tensor 'bit.embedder.norm.weight' "
                            "(expected shape [8])"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find(path + ": unexpected tensor 'bit.norm.weight'"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("\n" + path +
                     ": note: the tensors look like layer_type "
                     "'preactivation' but the config says 'bottleneck'"),
            std::string::npos)
      << msg;
}

TEST_F(TensorSet, BottleneckCheckpointPreactConfig) {
  BitConfig config = tinyConfig();
  config.layerType = LayerType::Bottleneck;
  auto s = store(config, [](ExpectedTensor &) { return true; });
  ASSERT_TRUE(s);
  config.layerType = LayerType::Preactivation;
  std::string msg = message(validateTensorSet(*s, expectedTensors(config)));
  llvm::StringRef last = llvm::StringRef(msg).rsplit('\n').second;
  EXPECT_EQ(last, path + ": note: the tensors look like layer_type "
                         "'bottleneck' but the config says 'preactivation'");
}

} // namespace
