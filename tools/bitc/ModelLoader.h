//===- ModelLoader.h - Reads and validates a checkpoint directory -*- C++
//-*-===//

#ifndef BITC_TOOLS_BITC_MODELLOADER_H
#define BITC_TOOLS_BITC_MODELLOADER_H

#include "frontend/BitConfig.h"
#include "frontend/ModelOutputs.h"
#include "frontend/PreprocessorConfig.h"
#include "frontend/TensorStore.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <optional>
#include <string>

namespace bitc {

/// Everything read from a Hugging Face model directory.
struct LoadedModel {
  std::string directory;
  std::string configPath;
  BitConfig config;
  /// The Hugging Face class the checkpoint was saved from.
  CheckpointKind kind = CheckpointKind::ImageClassification;
  PreprocessorConfig preprocessor;
  std::unique_ptr<TensorStore> store;
};

/// Command-line choices that complete or override what the checkpoint says.
struct LoadOptions {
  /// Google's model name for a .npz ("BiT-M-R50x1"); empty: from config.json
  /// next to it, else from the file name.
  std::string arch;
  /// Weight-standardization epsilon (default 1e-8, Google .npz 1e-10).
  std::optional<double> wsEps;
  /// A tensor holding NaN or infinity is an error (default: a warning).
  bool rejectNonFinite = false;
  /// Print no warnings.
  bool quiet = false;
};

/// Reads config.json, preprocessor_config.json (optional) and the weights,
/// and checks the tensor set against the config. Every problem is reported.
/// Tensors holding NaN or infinity are reported as warnings (`bitc: warning:`
/// on stderr), or as errors with `rejectNonFinite`.
/// `path` is a Hugging Face model directory, a Google .npz file, or a
/// directory holding one .npz (with an optional config.json).
llvm::Expected<LoadedModel> loadModel(llvm::StringRef path,
                                      const LoadOptions &options = {});

/// Parses `--ws-eps` (a positive finite number) into `options`.
llvm::Error parseWsEps(const std::string &text, LoadOptions &options);

/// Input height and width from `--image-size` ("N" or "HxW"), or the
/// preprocessor's crop size, or (no crop) its fixed resize size or square
/// shortest edge, or 224.
llvm::Expected<std::pair<int64_t, int64_t>>
resolveImageSize(const std::string &flag, const PreprocessorConfig &pre);

} // namespace bitc

#endif // BITC_TOOLS_BITC_MODELLOADER_H
