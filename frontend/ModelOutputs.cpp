//===- ModelOutputs.cpp - Checkpoint kinds and the outputs they offer -----===//

#include "frontend/ModelOutputs.h"
#include "frontend/JsonUtil.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using llvm::StringRef;
using llvm::Twine;

namespace bitc {

namespace {

llvm::Error outputsError(const Twine &message) {
  return makeError("--outputs: " + message);
}

/// K of "stageK" (K >= 1), or 0.
int64_t stageNumber(StringRef name) {
  int64_t k = 0;
  if (!name.consume_front("stage") || name.empty() || name.front() == '0' ||
      name.getAsInteger(10, k))
    return 0;
  return k;
}

const char *const kKnownOutputs =
    "logits, pooler_output, last_hidden_state, stem or stage1..stageN";

} // namespace

StringRef checkpointClassName(CheckpointKind kind) {
  switch (kind) {
  case CheckpointKind::ImageClassification:
    return "BitForImageClassification";
  case CheckpointKind::Model:
    return "BitModel";
  case CheckpointKind::Backbone:
    return "BitBackbone";
  }
  return "";
}

StringRef tensorPrefix(CheckpointKind kind) {
  return kind == CheckpointKind::Model ? "" : "bit.";
}

llvm::Expected<CheckpointKind> detectCheckpointKind(const BitConfig &config,
                                                    const TensorStore &store,
                                                    StringRef configPath) {
  if (!config.architecture.empty()) {
    std::optional<CheckpointKind> named =
        llvm::StringSwitch<std::optional<CheckpointKind>>(config.architecture)
            .Case("BitForImageClassification",
                  CheckpointKind::ImageClassification)
            .Case("BitModel", CheckpointKind::Model)
            .Case("BitBackbone", CheckpointKind::Backbone)
            .Default(std::nullopt);
    if (!named)
      return makeError(configPath + ": 'architectures' names '" +
                       config.architecture +
                       "', not BitForImageClassification, BitModel or "
                       "BitBackbone");
    return *named;
  }
  if (store.lookup("embedder.convolution.weight"))
    return CheckpointKind::Model;
  if (store.lookup("classifier.1.weight") ||
      store.lookup("classifier.1.bias") || config.labels.empty())
    return CheckpointKind::ImageClassification;
  return CheckpointKind::Backbone;
}

std::vector<std::string> availableOutputs(const BitConfig &config,
                                          CheckpointKind kind) {
  std::vector<std::string> names;
  if (hasClassifier(kind))
    names.push_back("logits");
  for (const char *name : {"pooler_output", "last_hidden_state"})
    names.push_back(name);
  for (const std::string &stage : config.stageNames())
    names.push_back(stage);
  return names;
}

std::vector<std::string> defaultOutputs(const BitConfig &config,
                                        CheckpointKind kind) {
  switch (kind) {
  case CheckpointKind::ImageClassification:
    return {"logits"};
  case CheckpointKind::Model:
    return {"pooler_output"};
  case CheckpointKind::Backbone:
    if (!config.outFeatures.empty())
      return config.outFeatures;
    return {config.stageNames().back()};
  }
  return {};
}

llvm::Expected<std::vector<std::string>> parseOutputList(StringRef text) {
  if (text.trim().empty())
    return outputsError(Twine("the list is empty (expected ") + kKnownOutputs +
                        ")");
  llvm::SmallVector<StringRef> parts;
  text.split(parts, ',');
  std::vector<std::string> names;
  for (StringRef part : parts) {
    StringRef name = part.trim();
    if (name.empty())
      return outputsError("empty name in '" + text + "'");
    bool known = name == "logits" || name == "pooler_output" ||
                 name == "last_hidden_state" || name == "stem" ||
                 stageNumber(name) > 0;
    if (!known)
      return outputsError("unknown output '" + name + "' (expected " +
                          kKnownOutputs + ")");
    if (llvm::is_contained(names, name))
      return outputsError("'" + name + "' is listed twice");
    names.push_back(name.str());
  }
  return names;
}

llvm::Expected<std::vector<std::string>> selectOutputs(StringRef text,
                                                       const BitConfig &config,
                                                       CheckpointKind kind,
                                                       StringRef source) {
  if (text.empty())
    return defaultOutputs(config, kind);
  auto names = parseOutputList(text);
  if (!names)
    return names.takeError();
  const int64_t stages = static_cast<int64_t>(config.depths.size());
  for (const std::string &name : *names) {
    if (int64_t k = stageNumber(name); k > stages)
      return outputsError("'" + name + "' is beyond the model's " +
                          Twine(stages) + " stages (stem, stage1..stage" +
                          Twine(stages) + ")");
    if (name == "logits" && !hasClassifier(kind))
      return outputsError("'logits' needs a classifier, but " + source +
                          " is a " + checkpointClassName(kind) +
                          " checkpoint (use pooler_output)");
  }
  return names;
}

} // namespace bitc
