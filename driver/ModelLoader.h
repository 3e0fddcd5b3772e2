//===- ModelLoader.h - Reads and validates a checkpoint ---------*- C++ -*-===//

#ifndef BITC_DRIVER_MODELLOADER_H
#define BITC_DRIVER_MODELLOADER_H

#include "frontend/BitConfig.h"
#include "frontend/ModelOutputs.h"
#include "frontend/PreprocessorConfig.h"
#include "frontend/TensorStore.h"
#include "llvm/Support/Error.h"
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bitc {

/// Everything read from a checkpoint.
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
  /// Receives each warning line (a tensor holding NaN or infinity); none
  /// are reported when unset.
  std::function<void(const std::string &)> warn;
};

/// Reads config.json, preprocessor_config.json (optional) and the weights
/// (frontend/CheckpointFormat.h decides which), and checks the tensor set
/// against the config. Tensors holding NaN or infinity are warnings, or
/// errors with `rejectNonFinite`. `path` is a Hugging Face model directory,
/// a Google .npz file, or a directory holding one .npz (with an optional
/// config.json).
llvm::Expected<LoadedModel> loadModel(llvm::StringRef path,
                                      const LoadOptions &options = {});

/// Parses `--ws-eps` (a positive finite number) into `options`.
llvm::Error parseWsEps(const std::string &text, LoadOptions &options);

} // namespace bitc

#endif // BITC_DRIVER_MODELLOADER_H
