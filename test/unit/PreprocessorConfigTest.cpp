//===- PreprocessorConfigTest.cpp - preprocessor_config.json reader -------===//

#include "frontend/PreprocessorConfig.h"
#include "TestUtil.h"

#include "gtest/gtest.h"

using namespace bitc;
using namespace bitc::test;

namespace {

class PreprocessorFile : public JsonFileTest<PreprocessorConfig> {
protected:
  PreprocessorFile()
      : JsonFileTest("preprocessor_config.json", readPreprocessorConfig) {}
};

TEST_F(PreprocessorFile, MissingFileGivesDefaults) {
  llvm::Expected<PreprocessorConfig> config =
      readPreprocessorConfig(dir.path("preprocessor_config.json"));
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_FALSE(config->present);
  EXPECT_TRUE(config->doResize);
  EXPECT_EQ(config->shortestEdge, 224);
  EXPECT_FALSE(config->resizeToFixedSize);
  EXPECT_EQ(config->resample, ResampleFilter::Bicubic);
  EXPECT_EQ(config->cropHeight, 224);
  EXPECT_EQ(config->cropWidth, 224);
  EXPECT_DOUBLE_EQ(config->imageMean[0], 0.48145466);
  EXPECT_DOUBLE_EQ(config->imageStd[2], 0.27577711);
}

TEST_F(PreprocessorFile, Bit50) {
  llvm::Expected<PreprocessorConfig> config = read(R"({
    "crop_size": {"height": 448, "width": 448}, "do_center_crop": true,
    "do_convert_rgb": true, "do_normalize": true, "do_rescale": true,
    "do_resize": true, "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "BitImageProcessor",
    "image_std": [0.5, 0.5, 0.5], "resample": 2,
    "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 448}
  })");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_TRUE(config->present);
  EXPECT_EQ(config->shortestEdge, 448);
  EXPECT_FALSE(config->resizeToFixedSize);
  EXPECT_EQ(config->resample, ResampleFilter::Bilinear);
  EXPECT_EQ(config->cropHeight, 448);
  EXPECT_EQ(config->cropWidth, 448);
  EXPECT_DOUBLE_EQ(config->rescaleFactor, 1.0 / 255.0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(config->imageMean[i], 0.5);
    EXPECT_EQ(config->imageStd[i], 0.5);
  }
}

TEST_F(PreprocessorFile, OtherSpellings) {
  llvm::Expected<PreprocessorConfig> config =
      read(R"({"size": {"height": 300, "width": 200}, "crop_size": 128,
               "image_mean": 0.5, "image_std": [0.25], "do_center_crop": false,
               "do_convert_rgb": null})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_TRUE(config->resizeToFixedSize);
  EXPECT_EQ(config->resizeHeight, 300);
  EXPECT_EQ(config->resizeWidth, 200);
  EXPECT_EQ(config->cropHeight, 128);
  EXPECT_EQ(config->cropWidth, 128);
  EXPECT_FALSE(config->doCenterCrop);
  EXPECT_FALSE(config->doConvertRgb); // null disables, as in HF
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(config->imageMean[i], 0.5);
    EXPECT_EQ(config->imageStd[i], 0.25);
  }

  config = read(R"({"size": 256})");
  ASSERT_TRUE(!!config) << message(config);
  EXPECT_EQ(config->shortestEdge, 256);
  EXPECT_FALSE(config->resizeToFixedSize);
}

TEST_F(PreprocessorFile, Errors) {
  const std::pair<const char *, const char *> cases[] = {
      {R"({"do_resize": "yes"})", "'do_resize' must be true or false"},
      {R"({"do_normalize": 1})", "'do_normalize' must be true or false"},
      {R"({"size": "448"})",
       "'size' must be a positive integer or an object with 'shortest_edge' "
       "or 'height' and 'width' (each from 1 to 65536)"},
      {R"({"size": {"shortest_edge": 0}})",
       "'size' must be a positive integer or an object with 'shortest_edge' "
       "or 'height' and 'width' (each from 1 to 65536)"},
      {R"({"size": {"height": 10}})",
       "'size' must be a positive integer or an object with 'shortest_edge' "
       "or 'height' and 'width' (each from 1 to 65536)"},
      {R"({"size": {"shortest_edge": 1000000}})",
       "'size' must be a positive integer or an object with 'shortest_edge' "
       "or 'height' and 'width' (each from 1 to 65536)"},
      {R"({"crop_size": {"height": 448}})",
       "'crop_size' must be a positive integer or an object with 'height' "
       "and 'width' (each from 1 to 65536)"},
      {R"({"crop_size": [448, 448]})",
       "'crop_size' must be a positive integer or an object with 'height' "
       "and 'width' (each from 1 to 65536)"},
      {R"({"resample": 7})",
       "'resample' must be an integer from 0 to 5 (PIL filter)"},
      {R"({"resample": "bilinear"})",
       "'resample' must be an integer from 0 to 5 (PIL filter)"},
      {R"({"rescale_factor": "1/255"})", "'rescale_factor' must be a number"},
      {R"({"image_mean": [0.5, 0.5]})",
       "'image_mean' must be a number or an array of 3 numbers"},
      {R"({"image_mean": [0.5, "a", 0.5]})",
       "'image_mean' must be a number or an array of 3 numbers"},
      {R"({"image_std": {"r": 1}})",
       "'image_std' must be a number or an array of 3 numbers"},
      {R"({"image_std": [0.5, 0, 0.5]})",
       "'image_std' must not contain 0 (it divides)"},
      {"[]", "expected a JSON object at the top level"},
      {R"({"size": {"shortest_edge": 1, "shortest_edge": 2}})",
       "invalid JSON: duplicate key 'shortest_edge' in 'size'"},
      {"{", "invalid JSON: [1:1, byte=1]: Expected object key"},
  };
  for (const auto &[json, expected] : cases)
    EXPECT_EQ(error(json), expected) << json;
}

TEST_F(PreprocessorFile, DirectoryIsAnError) {
  std::string sub = dir.path("preprocessor_config.json");
  llvm::sys::fs::create_directories(sub);
  llvm::Expected<PreprocessorConfig> config = readPreprocessorConfig(sub);
  EXPECT_EQ(message(config), sub + ": cannot read: Is a directory");
}

} // namespace
