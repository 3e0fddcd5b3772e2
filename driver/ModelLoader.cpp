//===- ModelLoader.cpp - Reads and validates a checkpoint -----------------===//

#include "driver/ModelLoader.h"
#include "frontend/CheckpointFormat.h"
#include "frontend/CheckpointSchema.h"
#include "frontend/JsonUtil.h"
#include "frontend/NonFiniteWeights.h"
#include "frontend/NpzCheckpoint.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <cmath>

namespace bitc {

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
  if (options.warn)
    for (const std::string &line : *nonFinite)
      options.warn(line);
  return llvm::Error::success();
}

static std::string fileIn(llvm::StringRef directory, llvm::StringRef name) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

/// model.configPath, with the epsilon a Google checkpoint implies.
static llvm::Error readConfig(LoadedModel &model,
                              std::optional<double> fileWsEps = {}) {
  auto config = readBitConfig(model.configPath);
  if (!config)
    return config.takeError();
  model.config = std::move(*config);
  if (fileWsEps)
    model.config.wsEps = *fileWsEps;
  return llvm::Error::success();
}

/// The architecture of a Google .npz: --arch, else config.json next to it,
/// else its file name.
static llvm::Error googleArchitecture(LoadedModel &model,
                                      const CheckpointLayout &layout,
                                      const LoadOptions &options) {
  const std::string &npzPath = layout.weightsPath;
  std::string configPath = fileIn(layout.directory, "config.json");
  if (!options.arch.empty()) {
    std::optional<GoogleArch> arch = parseGoogleArch(options.arch);
    if (!arch)
      return makeError("--arch '" + options.arch +
                       "' is not one of Google's BiT models "
                       "(BiT-{S,M}-R{50,101,152}x{1,2,3,4})");
    model.config = googleConfig(*arch, *model.store);
    model.configPath = npzPath;
  } else if (!layout.directory.empty() && llvm::sys::fs::exists(configPath)) {
    model.configPath = configPath;
    return readConfig(model, kGoogleWsEps);
  } else if (std::optional<GoogleArch> arch = parseGoogleArch(npzPath)) {
    model.config = googleConfig(*arch, *model.store);
    model.configPath = npzPath;
  } else {
    return makeError(npzPath +
                     ": cannot tell the architecture from the file name "
                     "(Google's names are BiT-{S,M}-R{50,101,152}x{1,2,3,4}"
                     "[-ILSVRC2012].npz); pass --arch");
  }
  return llvm::Error::success();
}

/// A Google .npz, plus config.json and preprocessor_config.json when it lies
/// in a model directory.
static llvm::Error loadGoogleNpz(LoadedModel &model,
                                 const CheckpointLayout &layout,
                                 const LoadOptions &options) {
  auto store = openCheckpointWeights(layout);
  if (!store)
    return store.takeError();
  model.store = std::move(*store);
  if (llvm::Error err = googleArchitecture(model, layout, options))
    return err;
  if (options.wsEps)
    model.config.wsEps = *options.wsEps;
  if (llvm::Error err = validateBitConfig(model.config, model.configPath))
    return err;
  model.preprocessor = googlePreprocessing();
  std::string prePath = fileIn(layout.directory, "preprocessor_config.json");
  if (!layout.directory.empty() && llvm::sys::fs::exists(prePath)) {
    auto preprocessor = readPreprocessorConfig(prePath);
    if (!preprocessor)
      return preprocessor.takeError();
    model.preprocessor = *preprocessor;
  }
  return checkWeights(model, options);
}

/// A Hugging Face model directory.
static llvm::Error loadHuggingFace(LoadedModel &model,
                                   const CheckpointLayout &layout,
                                   const LoadOptions &options) {
  if (!options.arch.empty())
    return makeError("--arch applies only to Google .npz checkpoints (" +
                     layout.directory + " is a Hugging Face model directory)");
  model.configPath = fileIn(layout.directory, "config.json");
  if (llvm::Error err = readConfig(model))
    return err;
  if (options.wsEps)
    model.config.wsEps = *options.wsEps;
  if (llvm::Error err = validateBitConfig(model.config, model.configPath))
    return err;
  auto preprocessor = readPreprocessorConfig(
      fileIn(layout.directory, "preprocessor_config.json"));
  if (!preprocessor)
    return preprocessor.takeError();
  model.preprocessor = *preprocessor;
  auto store = openCheckpointWeights(layout);
  if (!store)
    return store.takeError();
  model.store = std::move(*store);
  return checkWeights(model, options);
}

llvm::Expected<LoadedModel> loadModel(llvm::StringRef path,
                                      const LoadOptions &options) {
  auto layout = probeCheckpoint(path);
  if (!layout)
    return layout.takeError();
  LoadedModel model;
  model.directory = path.str();
  llvm::Error err = layout->format == WeightFormat::GoogleNpz
                        ? loadGoogleNpz(model, *layout, options)
                        : loadHuggingFace(model, *layout, options);
  if (err)
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

} // namespace bitc
