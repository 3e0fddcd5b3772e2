//===- ModelLoader.cpp - Reads and validates a checkpoint directory -------===//

#include "tools/bitc/ModelLoader.h"
#include "frontend/CheckpointSchema.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace bitc {

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<LoadedModel> loadModel(llvm::StringRef directory) {
  LoadedModel model;
  model.directory = directory.str();
  if (!llvm::sys::fs::exists(directory))
    return makeError(directory + ": no such directory");
  if (!llvm::sys::fs::is_directory(directory))
    return makeError(directory + ": not a directory");

  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "config.json");
  model.configPath = path.str().str();
  auto config = readBitConfig(model.configPath);
  if (!config)
    return config.takeError();
  model.config = std::move(*config);
  if (llvm::Error err = validateBitConfig(model.config, model.configPath))
    return std::move(err);

  path = directory;
  llvm::sys::path::append(path, "preprocessor_config.json");
  auto preprocessor = readPreprocessorConfig(path);
  if (!preprocessor)
    return preprocessor.takeError();
  model.preprocessor = *preprocessor;

  auto store = TensorStore::openDirectory(directory);
  if (!store)
    return store.takeError();
  model.store = std::move(*store);
  if (llvm::Error err =
          validateTensorSet(*model.store, expectedTensors(model.config)))
    return std::move(err);
  return model;
}

llvm::Expected<std::pair<int64_t, int64_t>>
resolveImageSize(const std::string &flag, const PreprocessorConfig &pre) {
  if (flag.empty()) {
    if (pre.present && pre.doCenterCrop)
      return std::make_pair(pre.cropHeight, pre.cropWidth);
    if (pre.present && pre.doResize)
      return std::make_pair(pre.shortestEdge, pre.shortestEdge);
    return std::make_pair<int64_t, int64_t>(224, 224);
  }
  llvm::StringRef text(flag);
  auto [first, second] = text.split('x');
  int64_t height = 0, width = 0;
  bool bad = first.getAsInteger(10, height);
  if (second.empty() && !text.contains('x'))
    width = height;
  else
    bad |= second.getAsInteger(10, width);
  const int64_t maxSide = 1 << 15;
  if (bad || height < 1 || width < 1 || height > maxSide || width > maxSide)
    return makeError("--image-size '" + flag +
                     "' must be N or HxW with sides between 1 and 32768");
  return std::make_pair(height, width);
}

} // namespace bitc
