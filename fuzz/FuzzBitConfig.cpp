//===- FuzzBitConfig.cpp - libFuzzer target: config.json ------------------===//
//
// The input is the text of a config.json. An accepted config must pass
// validateBitConfig again, give every stage a width divisible by num_groups
// (what the importer relies on) and name only real stages, in stage order,
// as backbone outputs. It may have no labels (`num_labels: 0` or an empty
// id2label: Hugging Face's identity classifier).
//
//===----------------------------------------------------------------------===//

#include "frontend/BitConfig.h"
#include "fuzz/FuzzSupport.h"
#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<BitConfig> config = parseBitConfig("config.json", text);
  if (!config) {
    fuzz::require(!llvm::toString(config.takeError()).empty());
    return 0;
  }
  fuzz::require(!validateBitConfig(*config, "config.json"));
  fuzz::require(config->depths.size() == config->hiddenSizes.size());
  std::vector<std::string> stages = config->stageNames();
  auto next = stages.begin();
  for (const std::string &feature : config->outFeatures) {
    next = std::find(next, stages.end(), feature);
    fuzz::require(next != stages.end());
    ++next;
  }
  for (size_t s = 0; s < config->hiddenSizes.size(); ++s) {
    fuzz::require(config->stageWidth(s) > 0);
    fuzz::require(config->stageWidth(s) % config->numGroups == 0);
    fuzz::require(config->stageMidWidth(s) % config->numGroups == 0);
  }
  return 0;
}
