//===- CheckpointFormat.h - Which files hold a checkpoint -------*- C++ -*-===//
//
// The one place that looks at a checkpoint path and decides what it is: a
// Hugging Face model directory (model.safetensors, its shard index,
// pytorch_model.bin or its shard index, in that order of preference), one of
// Google's .npz files, or a directory holding one .npz and no Hugging Face
// weights (with an optional config.json / preprocessor_config.json).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_CHECKPOINTFORMAT_H
#define BITC_FRONTEND_CHECKPOINTFORMAT_H

#include "frontend/TensorStore.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>

namespace bitc {

enum class WeightFormat {
  None, // a model directory without weights: openCheckpointWeights says so
  Safetensors,
  SafetensorsShards,
  PytorchBin,
  PytorchBinShards,
  GoogleNpz,
};

struct CheckpointLayout {
  /// The model directory (config.json, preprocessor_config.json); "" for a
  /// Google .npz given as a file.
  std::string directory;
  WeightFormat format = WeightFormat::None;
  /// The weights file, or the shard index.
  std::string weightsPath;
};

/// What `path` is. Fails (one line) only when it is neither an .npz file nor
/// a directory: "<path>: no such directory" / "<path>: not a directory".
llvm::Expected<CheckpointLayout> probeCheckpoint(llvm::StringRef path);

/// The Hugging Face weights of `directory` (format None when it has none).
CheckpointLayout probeHuggingFaceWeights(llvm::StringRef directory);

/// Opens the weights `layout` names (a Google .npz renamed to Hugging Face
/// names). Format None is the error naming every file looked for.
llvm::Expected<std::unique_ptr<TensorStore>>
openCheckpointWeights(const CheckpointLayout &layout);

} // namespace bitc

#endif // BITC_FRONTEND_CHECKPOINTFORMAT_H
