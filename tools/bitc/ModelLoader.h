//===- ModelLoader.h - Reads and validates a checkpoint directory -*- C++
//-*-===//

#ifndef BITC_TOOLS_BITC_MODELLOADER_H
#define BITC_TOOLS_BITC_MODELLOADER_H

#include "frontend/BitConfig.h"
#include "frontend/PreprocessorConfig.h"
#include "frontend/TensorStore.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>

namespace bitc {

/// Everything read from a Hugging Face model directory.
struct LoadedModel {
  std::string directory;
  std::string configPath;
  BitConfig config;
  PreprocessorConfig preprocessor;
  std::unique_ptr<TensorStore> store;
};

/// Reads config.json, preprocessor_config.json (optional) and the weights,
/// and checks the tensor set against the config. Every problem is reported.
llvm::Expected<LoadedModel> loadModel(llvm::StringRef directory);

/// Input height and width from `--image-size` ("N" or "HxW"), or the
/// preprocessor's crop size, or 224.
llvm::Expected<std::pair<int64_t, int64_t>>
resolveImageSize(const std::string &flag, const PreprocessorConfig &pre);

} // namespace bitc

#endif // BITC_TOOLS_BITC_MODELLOADER_H
