//===- BitConfigTest.cpp - config.json reader -----------------------------===//

#include "frontend/BitConfig.h"
#include "TestUtil.h"
#include "ir/Activation.h"

#include "gtest/gtest.h"

#include <sys/stat.h>

using namespace bitc;
using namespace bitc::test;

namespace {

TEST(MakeDivisible, TimmValues) {
  EXPECT_EQ(makeDivisible(256 * 0.25), 64);
  EXPECT_EQ(makeDivisible(2048), 2048);
  EXPECT_EQ(makeDivisible(24), 24);
  EXPECT_EQ(makeDivisible(64), 64);
  EXPECT_EQ(makeDivisible(8), 8);
  EXPECT_EQ(makeDivisible(3), 8);   // never below the divisor
  EXPECT_EQ(makeDivisible(0.5), 8); // likewise
  EXPECT_EQ(makeDivisible(12), 16); // int(16) // 8 * 8
  EXPECT_EQ(makeDivisible(17), 16); // 16 >= 0.9 * 17
  EXPECT_EQ(makeDivisible(20), 24);
  EXPECT_EQ(makeDivisible(9), 16); // 8 < 0.9 * 9: bumped
  EXPECT_EQ(makeDivisible(36), 40);
  EXPECT_EQ(makeDivisible(100), 104);
  EXPECT_EQ(makeDivisible(1536 * 0.25), 384);
  EXPECT_EQ(makeDivisible(6144), 6144);
  EXPECT_EQ(makeDivisible(30, 16), 32);
  EXPECT_EQ(makeDivisible(0), 8);
  EXPECT_EQ(makeDivisible(-5), 8);
}

TEST(StageWidth, R50x1) {
  BitConfig config;
  const int64_t widths[] = {256, 512, 1024, 2048};
  const int64_t mids[] = {64, 128, 256, 512};
  for (size_t s = 0; s < 4; ++s) {
    EXPECT_EQ(config.stageWidth(s), widths[s]);
    EXPECT_EQ(config.stageMidWidth(s), mids[s]);
  }
}

TEST(StageWidth, R50x3) {
  BitConfig config;
  config.widthFactor = 3;
  const int64_t widths[] = {768, 1536, 3072, 6144};
  const int64_t mids[] = {192, 384, 768, 1536};
  for (size_t s = 0; s < 4; ++s) {
    EXPECT_EQ(config.stageWidth(s), widths[s]);
    EXPECT_EQ(config.stageMidWidth(s), mids[s]);
  }
  EXPECT_EQ(config.stageWidth(4), 0); // out of range: no crash
}

TEST(StageWidth, SmallWidthsRoundUp) {
  BitConfig config;
  config.hiddenSizes = {12, 20};
  EXPECT_EQ(config.stageWidth(0), 16);
  EXPECT_EQ(config.stageMidWidth(0), 8);
  EXPECT_EQ(config.stageWidth(1), 24);
  EXPECT_EQ(config.stageMidWidth(1), 8);
}

class BitConfigFile : public JsonFileTest<BitConfig> {
protected:
  BitConfigFile() : JsonFileTest("config.json", readBitConfig) {}
};

TEST_F(BitConfigFile, Defaults) {
  llvm::Expected<BitConfig> config = read("{}");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->numChannels, 3);
  EXPECT_EQ(config->embeddingSize, 64);
  EXPECT_EQ(config->hiddenSizes, (std::vector<int64_t>{256, 512, 1024, 2048}));
  EXPECT_EQ(config->depths, (std::vector<int64_t>{3, 4, 6, 3}));
  EXPECT_EQ(config->layerType, LayerType::Preactivation);
  EXPECT_EQ(config->hiddenAct, "relu");
  EXPECT_EQ(config->globalPadding, GlobalPadding::Pytorch);
  EXPECT_FALSE(config->embeddingDynamicPadding);
  EXPECT_EQ(config->numGroups, 32);
  EXPECT_EQ(config->outputStride, 32);
  EXPECT_EQ(config->widthFactor, 1);
  EXPECT_EQ(config->wsEps, 1e-8);
  EXPECT_EQ(config->labels, (std::vector<std::string>{"LABEL_0", "LABEL_1"}));
  EXPECT_TRUE(config->outFeatures.empty());
}

TEST_F(BitConfigFile, Bit50Like) {
  llvm::Expected<BitConfig> config = read(R"({
    "architectures": ["BitForImageClassification"], "model_type": "bit",
    "depths": [3, 4, 6, 3], "hidden_sizes": [256, 512, 1024, 2048],
    "embedding_size": 64, "num_channels": 3, "num_groups": 32,
    "layer_type": "preactivation", "hidden_act": "relu",
    "global_padding": null, "embedding_dynamic_padding": false,
    "output_stride": 32, "width_factor": 1, "drop_path_rate": 0.0,
    "out_features": ["stage4"], "out_indices": [4], "torch_dtype": "float32",
    "id2label": {"2": "two", "0": "zero", "1": "one"},
    "label2id": {"zero": 0, "one": 1, "two": 2}, "num_labels": 3,
    "something_new": {"nested": [1, 2, 3]}
  })");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->labels, (std::vector<std::string>{"zero", "one", "two"}));
  EXPECT_EQ(config->outFeatures, (std::vector<std::string>{"stage4"}));
  EXPECT_EQ(config->architecture, "BitForImageClassification");
}

TEST_F(BitConfigFile, BackboneOutputsAlignedAsHuggingFaceDoes) {
  llvm::Expected<BitConfig> config = read(R"({"out_indices": [0, -2, -1]})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->outFeatures,
            (std::vector<std::string>{"stem", "stage3", "stage4"}));
  config = read(R"({"out_features": ["stem", "stage2"], "out_indices": [0, 2],
                    "depths": [1, 1], "hidden_sizes": [256, 512]})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->outFeatures, (std::vector<std::string>{"stem", "stage2"}));
  EXPECT_EQ(config->stageNames(),
            (std::vector<std::string>{"stem", "stage1", "stage2"}));
}

TEST_F(BitConfigFile, NoLabels) {
  llvm::Expected<BitConfig> config = read(R"({"num_labels": 0})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_TRUE(config->labels.empty());
  config = read(R"({"id2label": {}, "label2id": {}})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_TRUE(config->labels.empty());
}

TEST_F(BitConfigFile, Variants) {
  llvm::Expected<BitConfig> config = read(R"({
    "layer_type": "bottleneck", "hidden_act": "gelu_pytorch_tanh",
    "global_padding": "same", "embedding_dynamic_padding": true,
    "output_stride": 16, "width_factor": 3, "num_groups": 32.0,
    "num_labels": 4, "drop_path_rate": 0.1
  })");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->layerType, LayerType::Bottleneck);
  EXPECT_EQ(config->hiddenAct, "gelu_pytorch_tanh");
  EXPECT_EQ(config->globalPadding, GlobalPadding::Same);
  EXPECT_TRUE(config->embeddingDynamicPadding);
  EXPECT_EQ(config->outputStride, 16);
  EXPECT_EQ(config->widthFactor, 3);
  EXPECT_EQ(config->numGroups, 32);
  EXPECT_EQ(config->dropPathRate, 0.1);
  EXPECT_EQ(config->labels, (std::vector<std::string>{"LABEL_0", "LABEL_1",
                                                      "LABEL_2", "LABEL_3"}));

  config = read(R"({"global_padding": "VALID", "hidden_act": "selu"})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->globalPadding, GlobalPadding::Valid);
  EXPECT_EQ(config->hiddenAct, "selu");

  config = read(R"({"global_padding": "Same", "hidden_act": "gelu"})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->globalPadding, GlobalPadding::Same);
  EXPECT_EQ(config->hiddenAct, "gelu");
}

TEST_F(BitConfigFile, NullKeepsDefaults) {
  llvm::Expected<BitConfig> config =
      read(R"({"depths": null, "num_groups": null, "hidden_act": null,
               "out_features": null, "id2label": null, "num_labels": null})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->depths, (std::vector<int64_t>{3, 4, 6, 3}));
  EXPECT_EQ(config->numGroups, 32);
  EXPECT_EQ(config->labels.size(), 2u);
}

struct ErrorCase {
  const char *json;
  std::string message;
};

TEST_F(BitConfigFile, FieldErrors) {
  const ErrorCase cases[] = {
      {R"({"depths": "3,4,6,3"})",
       "'depths' must be a non-empty array of positive integers"},
      {R"({"depths": []})",
       "'depths' must be a non-empty array of positive integers"},
      {R"({"depths": [3, 0, 6, 3]})",
       "'depths' must be a non-empty array of positive integers"},
      {R"({"depths": [3, -4, 6, 3]})",
       "'depths' must be a non-empty array of positive integers"},
      {R"({"depths": [3, 4.5, 6, 3]})",
       "'depths' must be a non-empty array of positive integers"},
      {R"({"depths": [3, 100000, 6, 3]})",
       "'depths' has an entry that is too large (100000; at most 4096)"},
      {R"({"hidden_sizes": [256, "512", 1024, 2048]})",
       "'hidden_sizes' must be a non-empty array of positive integers"},
      {R"({"hidden_sizes": [256, 512, 1024]})",
       "'depths' has 4 entries but 'hidden_sizes' has 3 (one of each per "
       "stage)"},
      {R"({"num_groups": 8.5})", "'num_groups' must be a positive integer"},
      {R"({"num_groups": "32"})", "'num_groups' must be a positive integer"},
      {R"({"num_groups": 0})", "'num_groups' must be a positive integer"},
      {R"({"num_channels": -3})", "'num_channels' must be a positive integer"},
      {R"({"num_channels": 1e300})",
       "'num_channels' must be a positive integer"},
      {R"({"embedding_size": 9223372036854775807})",
       "'embedding_size' is too large (9223372036854775807; at most 1048576)"},
      {R"({"embedding_size": 18446744073709551615})",
       "'embedding_size' must be a positive integer"},
      {R"({"width_factor": 0})", "'width_factor' must be a positive integer"},
      {R"({"width_factor": 1000})",
       "'width_factor' is too large (1000; at most 64)"},
      {R"({"layer_type": "foo"})",
       "unsupported layer_type 'foo' (expected 'preactivation' or "
       "'bottleneck')"},
      {R"({"layer_type": 1})", "'layer_type' must be a string"},
      {R"({"hidden_act": "prelu"})",
       "unsupported hidden_act 'prelu' (expected " +
           mlir::bit::acceptedHiddenActs() + ")"},
      {R"({"hidden_act": ["relu"]})", "'hidden_act' must be a string"},
      {R"({"global_padding": "FULL"})",
       "unsupported global_padding 'FULL' (expected null, 'SAME' or "
       "'VALID')"},
      {R"({"global_padding": 1})",
       "'global_padding' must be null, 'SAME' or 'VALID'"},
      {R"({"embedding_dynamic_padding": "false"})",
       "'embedding_dynamic_padding' must be true or false"},
      {R"({"output_stride": 4})",
       "unsupported output_stride 4 (expected 8, 16 or 32)"},
      {R"({"output_stride": "32"})", "'output_stride' must be an integer"},
      {R"({"out_features": "stage4"})",
       "'out_features' must be an array of strings"},
      {R"({"out_features": [4]})",
       "'out_features' must be an array of strings"},
      {R"({"model_type": "resnet"})",
       "model_type 'resnet' is not 'bit' (not a BiT checkpoint)"},
      {R"({"num_labels": -1})", "'num_labels' must be a non-negative integer"},
      {R"({"num_labels": 2.5})",
       "'num_labels' must be a non-negative integer"},
      {R"({"out_features": ["stage5"]})",
       "'out_features' names 'stage5', which is not a stage (stem, "
       "stage1..stage4)"},
      {R"({"out_features": ["stage1", "stage1"]})",
       "'out_features' has 'stage1' twice"},
      {R"({"out_features": ["stage2", "stem"]})",
       "'out_features' must list stages in order (stem, stage1..stage4)"},
      {R"({"out_indices": [5]})",
       "'out_indices' has 5, but the model has only 5 stages (stem, "
       "stage1..stage4)"},
      {R"({"out_indices": [1, -4]})", "'out_indices' has stage 1 twice"},
      {R"({"out_indices": ["stage1"]})",
       "'out_indices' must be an array of integers"},
      {R"({"out_features": ["stage1", "stage4"], "out_indices": [1, 3]})",
       "'out_features' [stage1, stage4] and 'out_indices' [stage1, stage3] "
       "name different stages"},
      {R"({"architectures": "BitModel"})",
       "'architectures' must be an array of strings"},
      {R"({"id2label": ["a", "b"]})",
       "'id2label' must be an object mapping ids to label names"},
      {R"({"id2label": {"0": "a", "x": "b"}})",
       "'id2label' key 'x' is not a non-negative integer id"},
      {R"({"id2label": {"0": "a", "-1": "b"}})",
       "'id2label' key '-1' is not a non-negative integer id"},
      {R"({"id2label": {"0": "a", "1": 2}})",
       "'id2label' entry '1' must be a string"},
      {R"({"id2label": {"0": "a", "2": "c"}})",
       "'id2label' ids must be 0..1 without gaps, but it has id 2"},
      {R"({"id2label": {"1": "a", "01": "b"}})", "'id2label' has id 1 twice"},
      {R"({"id2label": {"0": "a", "99999999999999999999999": "b"}})",
       "'id2label' key '99999999999999999999999' is not a non-negative "
       "integer id"},
      {R"({"id2label": {"0": "a", "1": "b"}, "num_labels": 3})",
       "'num_labels' is 3 but 'id2label' has 2 entries"},
      {R"({"num_groups": 24})",
       "'num_groups' (24) does not divide embedding_size 64"},
      {R"({"num_groups": 16, "hidden_sizes": [256, 520, 1024, 2048]})",
       "'num_groups' (16) does not divide the width of stage 1 (520)"},
      {R"({"num_groups": 16, "embedding_size": 32, "hidden_sizes": [32, 64],
           "depths": [1, 1]})",
       "'num_groups' (16) does not divide the bottleneck width of stage 0 "
       "(8)"},
      {R"({"layer_type": "bottleneck", "num_groups": 3})",
       "'num_groups' (3) does not divide embedding_size 64"},
      {"[1, 2]", "expected a JSON object at the top level"},
      {R"({"depths": [3], "depths": [3]})",
       "invalid JSON: duplicate key 'depths'"},
      {R"({"id2label": {"0": "a", "0": "b"}})",
       "invalid JSON: duplicate key '0' in 'id2label'"},
      {R"({"de\u0070ths": [1], "depths": [1]})",
       "invalid JSON: duplicate key 'depths'"},
      {"{\"depths\": [3, 4,", "invalid JSON: [1:17, byte=17]: Unexpected EOF"},
      {"", "invalid JSON: [1:0, byte=0]: Unexpected EOF"},
  };
  for (const ErrorCase &c : cases)
    EXPECT_EQ(error(c.json), c.message) << c.json;
}

TEST_F(BitConfigFile, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "{\"x\": " + std::string(1000000, '[');
  EXPECT_EQ(error(deep), "invalid JSON: nested deeper than 64 levels");
  std::string fine =
      "{\"x\": " + std::string(60, '[') + std::string(60, ']') + "}";
  llvm::Expected<BitConfig> config = read(fine);
  EXPECT_TRUE(!!config) << message(config);
}

TEST_F(BitConfigFile, MissingFile) {
  std::string missing = dir.path("nope/config.json");
  llvm::Expected<BitConfig> config = readBitConfig(missing);
  EXPECT_EQ(message(config),
            missing + ": cannot read: No such file or directory");
}

TEST_F(BitConfigFile, SpecialFilesAreNotRead) {
  // A FIFO would block and a device never ends: both refused up front.
  std::string fifo = dir.path("config.json");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  llvm::Expected<BitConfig> config = readBitConfig(fifo);
  EXPECT_EQ(message(config), fifo + ": cannot read: not a regular file");
  config = readBitConfig("/dev/zero");
  EXPECT_EQ(message(config), "/dev/zero: cannot read: not a regular file");
  config = readBitConfig(dir.path());
  EXPECT_EQ(message(config), dir.path() + ": cannot read: Is a directory");
}

TEST(ValidateBitConfig, ProgrammaticConfigs) {
  BitConfig config;
  config.labels = {"a"};
  EXPECT_EQ(message(validateBitConfig(config, "x")), "");
  config.depths = {};
  EXPECT_EQ(message(validateBitConfig(config, "x")),
            "x: 'depths' must be a non-empty array of positive integers");
  config.depths = {1, 1, 1, 1};
  config.numGroups = 0;
  EXPECT_EQ(message(validateBitConfig(config, "x")),
            "x: 'num_groups' must be a positive integer");
  config.numGroups = 32;
  config.labels.clear(); // num_labels 0: an identity classifier
  EXPECT_EQ(message(validateBitConfig(config, "x")), "");
  config.labels = {"a"};
  config.hiddenAct = "xielu";
  EXPECT_EQ(message(validateBitConfig(config, "x")),
            "x: unsupported hidden_act 'xielu' (expected " +
                mlir::bit::acceptedHiddenActs() + ")");
}

} // namespace
