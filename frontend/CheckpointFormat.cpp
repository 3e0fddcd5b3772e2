//===- CheckpointFormat.cpp - Which files hold a checkpoint ---------------===//

#include "frontend/CheckpointFormat.h"
#include "frontend/JsonUtil.h"
#include "frontend/NpzCheckpoint.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace bitc {

static std::string joinPath(llvm::StringRef directory, llvm::StringRef name) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

CheckpointLayout probeHuggingFaceWeights(llvm::StringRef directory) {
  CheckpointLayout layout;
  layout.directory = directory.str();
  static const std::pair<const char *, WeightFormat> kFiles[] = {
      {"model.safetensors", WeightFormat::Safetensors},
      {"model.safetensors.index.json", WeightFormat::SafetensorsShards},
      // The older torch.save layout, single or sharded.
      {"pytorch_model.bin", WeightFormat::PytorchBin},
      {"pytorch_model.bin.index.json", WeightFormat::PytorchBinShards}};
  for (const auto &[name, format] : kFiles) {
    std::string path = joinPath(directory, name);
    if (pathIsPresent(path)) {
      layout.format = format;
      layout.weightsPath = path;
      return layout;
    }
  }
  return layout;
}

/// The only .npz of `directory`, or "" (none, or several: then the Hugging
/// Face path reports what is missing).
static std::string onlyNpzIn(llvm::StringRef directory) {
  std::string found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(directory, ec), end;
       it != end && !ec; it.increment(ec)) {
    if (!llvm::StringRef(it->path()).ends_with(".npz"))
      continue;
    if (!found.empty())
      return "";
    found = it->path();
  }
  return found;
}

llvm::Expected<CheckpointLayout> probeCheckpoint(llvm::StringRef path) {
  CheckpointLayout layout;
  if (path.ends_with(".npz") && llvm::sys::fs::is_regular_file(path)) {
    layout.format = WeightFormat::GoogleNpz;
    layout.weightsPath = path.str();
    return layout;
  }
  if (!llvm::sys::fs::exists(path))
    return makeError(path + ": no such directory");
  if (!llvm::sys::fs::is_directory(path))
    return makeError(path + ": not a directory");
  layout = probeHuggingFaceWeights(path);
  if (layout.format != WeightFormat::None)
    return layout;
  if (std::string npz = onlyNpzIn(path); !npz.empty()) {
    layout.format = WeightFormat::GoogleNpz;
    layout.weightsPath = npz;
  }
  return layout;
}

llvm::Expected<std::unique_ptr<TensorStore>>
openCheckpointWeights(const CheckpointLayout &layout) {
  switch (layout.format) {
  case WeightFormat::Safetensors:
    return TensorStore::openFile(layout.weightsPath);
  case WeightFormat::SafetensorsShards:
    return TensorStore::openShards(layout.directory, layout.weightsPath,
                                   /*pytorchShards=*/false);
  case WeightFormat::PytorchBin:
    return TensorStore::openPytorchBin(layout.weightsPath);
  case WeightFormat::PytorchBinShards:
    return TensorStore::openShards(layout.directory, layout.weightsPath,
                                   /*pytorchShards=*/true);
  case WeightFormat::GoogleNpz:
    return openGoogleNpz(layout.weightsPath);
  case WeightFormat::None:
    break;
  }
  return makeError(layout.directory + ": no model.safetensors, "
                                      "model.safetensors.index.json, "
                                      "pytorch_model.bin or "
                                      "pytorch_model.bin.index.json");
}

} // namespace bitc
