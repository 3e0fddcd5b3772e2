//===- FuzzPreprocessorConfig.cpp - libFuzzer target: preprocessor config -===//
//
// The input is the text of a preprocessor_config.json. An accepted config
// must have sizes the runtime can allocate for and a non-zero std.
//
//===----------------------------------------------------------------------===//

#include "frontend/PreprocessorConfig.h"
#include "fuzz/FuzzSupport.h"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<PreprocessorConfig> config =
      parsePreprocessorConfig("preprocessor_config.json", text);
  if (!config) {
    fuzz::require(!llvm::toString(config.takeError()).empty());
    return 0;
  }
  fuzz::require(config->present);
  fuzz::require(config->shortestEdge > 0);
  fuzz::require(config->cropHeight > 0 && config->cropWidth > 0);
  if (config->resizeToFixedSize)
    fuzz::require(config->resizeHeight > 0 && config->resizeWidth > 0);
  for (double s : config->imageStd)
    fuzz::require(s != 0 && std::isfinite(s));
  for (double m : config->imageMean)
    fuzz::require(std::isfinite(m));
  fuzz::require(std::isfinite(config->rescaleFactor));
  return 0;
}
