//===- ModelLoader.cpp - Reads and validates a checkpoint directory -------===//

#include "tools/bitc/ModelLoader.h"
#include "frontend/CheckpointSchema.h"
#include "frontend/NonFiniteWeights.h"
#include "frontend/NpzCheckpoint.h"
#include "tools/bitc/Commands.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <cmath>

namespace bitc {

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// BitImageProcessor settings for Google's models, which ship none: resize
/// to the input size (no crop), bilinear, pixels to [-1, 1] (big_transfer's
/// evaluation transform).
static PreprocessorConfig googlePreprocessing() {
  PreprocessorConfig pre;
  pre.present = true;
  pre.doResize = true;
  pre.resizeToFixedSize = true;
  pre.shortestEdge = pre.resizeHeight = pre.resizeWidth = 224;
  pre.resample = ResampleFilter::Bilinear;
  pre.doCenterCrop = false;
  pre.imageMean = {0.5, 0.5, 0.5};
  pre.imageStd = {0.5, 0.5, 0.5};
  return pre;
}

/// The checkpoint's class, the tensor set against the config, then the values:
/// NaN or infinity is a warning per tensor, or an error with
/// --reject-nonfinite.
static llvm::Error checkWeights(LoadedModel &model,
                                const LoadOptions &options) {
  auto kind =
      detectCheckpointKind(model.config, *model.store, model.configPath);
  if (!kind)
    return kind.takeError();
  model.kind = *kind;
  if (llvm::Error err = validateTensorSet(
          *model.store, expectedTensors(model.config, model.kind)))
    return err;
  auto nonFinite = describeNonFiniteWeights(*model.store);
  if (!nonFinite)
    return nonFinite.takeError();
  if (options.rejectNonFinite && !nonFinite->empty())
    return makeError(llvm::join(*nonFinite, "\n"));
  if (!options.quiet)
    for (const std::string &line : *nonFinite)
      reportWarning(line);
  return llvm::Error::success();
}

/// The only .npz of a directory without Hugging Face weights, or "".
static std::string googleNpzIn(llvm::StringRef directory) {
  for (const char *hf : {"model.safetensors", "model.safetensors.index.json",
                         "pytorch_model.bin", "pytorch_model.bin.index.json"}) {
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, hf);
    if (llvm::sys::fs::exists(path))
      return "";
  }
  std::string found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(directory, ec), end;
       it != end && !ec; it.increment(ec)) {
    if (!llvm::StringRef(it->path()).ends_with(".npz"))
      continue;
    if (!found.empty())
      return ""; // ambiguous: let the Hugging Face path report what is missing
    found = it->path();
  }
  return found;
}

/// A Google .npz: `npzPath`, plus config.json and preprocessor_config.json
/// when it lies in a model directory (`directory` non-empty).
static llvm::Expected<LoadedModel> loadGoogleNpz(llvm::StringRef path,
                                                 const std::string &npzPath,
                                                 llvm::StringRef directory,
                                                 const LoadOptions &options) {
  LoadedModel model;
  model.directory = path.str();
  auto store = openGoogleNpz(npzPath);
  if (!store)
    return store.takeError();
  model.store = std::move(*store);

  llvm::SmallString<256> configPath(directory);
  llvm::sys::path::append(configPath, "config.json");
  if (!options.arch.empty()) {
    std::optional<GoogleArch> arch = parseGoogleArch(options.arch);
    if (!arch)
      return makeError("--arch '" + options.arch +
                       "' is not one of Google's BiT models "
                       "(BiT-{S,M}-R{50,101,152}x{1,2,3,4})");
    model.config = googleConfig(*arch, *model.store);
    model.configPath = npzPath;
  } else if (!directory.empty() && llvm::sys::fs::exists(configPath)) {
    model.configPath = configPath.str().str();
    auto config = readBitConfig(model.configPath);
    if (!config)
      return config.takeError();
    model.config = std::move(*config);
    model.config.wsEps = kGoogleWsEps;
  } else if (std::optional<GoogleArch> arch = parseGoogleArch(npzPath)) {
    model.config = googleConfig(*arch, *model.store);
    model.configPath = npzPath;
  } else {
    return makeError(npzPath +
                     ": cannot tell the architecture from the file name "
                     "(Google's names are BiT-{S,M}-R{50,101,152}x{1,2,3,4}"
                     "[-ILSVRC2012].npz); pass --arch");
  }
  if (options.wsEps)
    model.config.wsEps = *options.wsEps;
  if (llvm::Error err = validateBitConfig(model.config, model.configPath))
    return std::move(err);

  model.preprocessor = googlePreprocessing();
  if (!directory.empty()) {
    llvm::SmallString<256> prePath(directory);
    llvm::sys::path::append(prePath, "preprocessor_config.json");
    if (llvm::sys::fs::exists(prePath)) {
      auto preprocessor = readPreprocessorConfig(prePath);
      if (!preprocessor)
        return preprocessor.takeError();
      model.preprocessor = *preprocessor;
    }
  }
  if (llvm::Error err = checkWeights(model, options))
    return std::move(err);
  return model;
}

llvm::Expected<LoadedModel> loadModel(llvm::StringRef directory,
                                      const LoadOptions &options) {
  if (llvm::StringRef(directory).ends_with(".npz") &&
      llvm::sys::fs::is_regular_file(directory))
    return loadGoogleNpz(directory, directory.str(), "", options);
  LoadedModel model;
  model.directory = directory.str();
  if (!llvm::sys::fs::exists(directory))
    return makeError(directory + ": no such directory");
  if (!llvm::sys::fs::is_directory(directory))
    return makeError(directory + ": not a directory");
  if (std::string npz = googleNpzIn(directory); !npz.empty())
    return loadGoogleNpz(directory, npz, directory, options);
  if (!options.arch.empty())
    return makeError("--arch applies only to Google .npz checkpoints (" +
                     directory + " is a Hugging Face model directory)");

  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "config.json");
  model.configPath = path.str().str();
  auto config = readBitConfig(model.configPath);
  if (!config)
    return config.takeError();
  model.config = std::move(*config);
  if (options.wsEps)
    model.config.wsEps = *options.wsEps;
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
  if (llvm::Error err = checkWeights(model, options))
    return std::move(err);
  return model;
}

llvm::Error parseWsEps(const std::string &text, LoadOptions &options) {
  double value = 0;
  if (llvm::StringRef(text).trim().getAsDouble(value) || !(value > 0) ||
      !std::isfinite(value) || value > 1)
    return makeError("--ws-eps '" + text +
                     "' must be a positive number (at most 1)");
  options.wsEps = value;
  return llvm::Error::success();
}

llvm::Expected<std::pair<int64_t, int64_t>>
resolveImageSize(const std::string &flag, const PreprocessorConfig &pre) {
  if (flag.empty()) {
    if (pre.present && pre.doCenterCrop)
      return std::make_pair(pre.cropHeight, pre.cropWidth);
    // Without a crop the resize decides the input: a fixed {height, width},
    // or a square shortest edge (other aspect ratios are refused at run time).
    if (pre.present && pre.doResize && pre.resizeToFixedSize)
      return std::make_pair(pre.resizeHeight, pre.resizeWidth);
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
