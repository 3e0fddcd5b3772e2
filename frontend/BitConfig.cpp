//===- BitConfig.cpp - Hugging Face BitConfig reader ----------------------===//
//
// Reads `config.json` (docs/bit-model.md section 2). Every error is one line,
// "<path>: <what is wrong>", naming the key.
//
//===----------------------------------------------------------------------===//

#include "frontend/BitConfig.h"
#include "frontend/JsonUtil.h"
#include "ir/Activation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <limits>
#include <optional>

using namespace bitc;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

namespace {

/// Channel counts, sizes and label counts above this are rejected: they are
/// far beyond any BiT model and would let shape products overflow.
constexpr int64_t kMaxChannels = 1 << 20;
constexpr int64_t kMaxDepth = 1 << 12;
constexpr int64_t kMaxWidthFactor = 64;
constexpr int64_t kMaxLabels = 1 << 20;

using json_util::asInteger;

std::string quote(StringRef s) { return ("'" + s + "'").str(); }

/// The complaint about a `hidden_act` bitc cannot compile, or "".
std::string unsupportedHiddenAct(StringRef act) {
  if (mlir::bit::activationFromHiddenAct(act))
    return "";
  return "unsupported hidden_act " + quote(act) + " (expected " +
         mlir::bit::acceptedHiddenActs() + ")";
}

/// Reads fields of the top-level object, each error prefixed with the path.
class ConfigReader : public json_util::ObjectFields {
public:
  using ObjectFields::ObjectFields;

  /// A positive integer in [1, max]; absent or null keeps `out`.
  Error readPositive(StringRef key, int64_t max, int64_t &out) const {
    const json::Value *value = get(key);
    if (!value)
      return Error::success();
    std::optional<int64_t> v = asInteger(*value);
    if (!v || *v <= 0)
      return error(quote(key) + " must be a positive integer");
    if (*v > max)
      return error(quote(key) + " is too large (" + Twine(*v) + "; at most " +
                   Twine(max) + ")");
    out = *v;
    return Error::success();
  }

  /// A non-empty array of integers in [1, max].
  Error readPositiveArray(StringRef key, int64_t max,
                          std::vector<int64_t> &out) const {
    const json::Value *value = get(key);
    if (!value)
      return Error::success();
    auto typeError = [&] {
      return error(quote(key) +
                   " must be a non-empty array of positive integers");
    };
    const json::Array *array = value->getAsArray();
    if (!array || array->empty())
      return typeError();
    std::vector<int64_t> result;
    for (const json::Value &element : *array) {
      std::optional<int64_t> v = asInteger(element);
      if (!v || *v <= 0)
        return typeError();
      if (*v > max)
        return error(quote(key) + " has an entry that is too large (" +
                     Twine(*v) + "; at most " + Twine(max) + ")");
      result.push_back(*v);
    }
    out = std::move(result);
    return Error::success();
  }

  /// A string; std::nullopt (and no error) when absent or null.
  Expected<std::optional<std::string>> readString(StringRef key) const {
    const json::Value *value = get(key);
    if (!value)
      return std::nullopt;
    std::optional<StringRef> v = value->getAsString();
    if (!v)
      return error(quote(key) + " must be a string");
    return std::optional<std::string>(v->str());
  }

  Error readLayerType(LayerType &out) const {
    Expected<std::optional<std::string>> v = readString("layer_type");
    if (!v)
      return v.takeError();
    if (!*v)
      return Error::success();
    if (**v == "preactivation")
      out = LayerType::Preactivation;
    else if (**v == "bottleneck")
      out = LayerType::Bottleneck;
    else
      return error("unsupported layer_type " + quote(**v) +
                   " (expected 'preactivation' or 'bottleneck')");
    return Error::success();
  }

  Error readHiddenAct(std::string &out) const {
    Expected<std::optional<std::string>> v = readString("hidden_act");
    if (!v)
      return v.takeError();
    if (!*v)
      return Error::success();
    std::string problem = unsupportedHiddenAct(**v);
    if (!problem.empty())
      return error(problem);
    out = **v;
    return Error::success();
  }

  Error readGlobalPadding(GlobalPadding &out) const {
    const json::Value *value = get("global_padding");
    if (!value)
      return Error::success(); // null: PyTorch-style static padding
    std::optional<StringRef> v = value->getAsString();
    if (!v)
      return error("'global_padding' must be null, 'SAME' or 'VALID'");
    if (v->equals_insensitive("same"))
      out = GlobalPadding::Same;
    else if (v->equals_insensitive("valid"))
      out = GlobalPadding::Valid;
    else
      return error("unsupported global_padding " + quote(*v) +
                   " (expected null, 'SAME' or 'VALID')");
    return Error::success();
  }

  Error readOutputStride(int64_t &out) const {
    const json::Value *value = get("output_stride");
    if (!value)
      return Error::success();
    std::optional<int64_t> v = asInteger(*value);
    if (!v)
      return error("'output_stride' must be an integer");
    if (*v != 8 && *v != 16 && *v != 32)
      return error("unsupported output_stride " + Twine(*v) +
                   " (expected 8, 16 or 32)");
    out = *v;
    return Error::success();
  }

  /// An array of strings; absent or null leaves `out` unset.
  Error readStrings(StringRef key,
                    std::optional<std::vector<std::string>> &out) const {
    const json::Value *value = get(key);
    if (!value)
      return Error::success();
    const json::Array *array = value->getAsArray();
    if (!array)
      return error(quote(key) + " must be an array of strings");
    std::vector<std::string> result;
    for (const json::Value &element : *array) {
      std::optional<StringRef> s = element.getAsString();
      if (!s)
        return error(quote(key) + " must be an array of strings");
      result.push_back(s->str());
    }
    out = std::move(result);
    return Error::success();
  }

  /// `out_indices`: an array of integers; absent or null leaves `out` unset.
  Error readOutIndices(std::optional<std::vector<int64_t>> &out) const {
    const json::Value *value = get("out_indices");
    if (!value)
      return Error::success();
    const json::Array *array = value->getAsArray();
    if (!array)
      return error("'out_indices' must be an array of integers");
    std::vector<int64_t> result;
    for (const json::Value &element : *array) {
      std::optional<int64_t> v = asInteger(element);
      if (!v)
        return error("'out_indices' must be an array of integers");
      result.push_back(*v);
    }
    out = std::move(result);
    return Error::success();
  }

  /// `out_features` and `out_indices` as Hugging Face's backbone utilities
  /// check and align them: names must be stages, indices valid (negative
  /// ones count from the end), neither may repeat or leave stage order, and
  /// when both are given they must name the same stages.
  Error alignBackboneOutputs(const std::vector<std::string> &stages,
                             std::optional<std::vector<std::string>> features,
                             std::optional<std::vector<int64_t>> indices,
                             std::vector<std::string> &out) const {
    const std::string known = "stem, stage1.." + stages.back();
    const int64_t count = static_cast<int64_t>(stages.size());
    auto position = [&](StringRef name) {
      return std::find(stages.begin(), stages.end(), name) - stages.begin();
    };
    if (features) {
      int64_t previous = -1;
      for (const std::string &name : *features) {
        int64_t at = position(name);
        if (at == count)
          return error("'out_features' names " + quote(name) +
                       ", which is not a stage (" + known + ")");
        if (llvm::count(*features, name) > 1)
          return error("'out_features' has " + quote(name) + " twice");
        if (at < previous)
          return error("'out_features' must list stages in order (" + known +
                       ")");
        previous = at;
      }
    }
    std::optional<std::vector<std::string>> fromIndices;
    if (indices) {
      fromIndices.emplace();
      int64_t previous = -1;
      for (int64_t index : *indices) {
        // Python's index % len for negative indices.
        int64_t at = index < 0 ? ((index % count) + count) % count : index;
        if (at >= count)
          return error("'out_indices' has " + Twine(index) +
                       ", but the model has only " + Twine(count) +
                       " stages (" + known + ")");
        if (llvm::is_contained(*fromIndices, stages[at]))
          return error("'out_indices' has stage " + Twine(at) + " twice");
        if (at < previous)
          return error("'out_indices' must list stages in order");
        previous = at;
        fromIndices->push_back(stages[at]);
      }
    }
    if (features && fromIndices && *features != *fromIndices)
      return error("'out_features' [" + llvm::join(*features, ", ") +
                   "] and 'out_indices' [" + llvm::join(*fromIndices, ", ") +
                   "] name different stages");
    out =
        features ? *features : fromIndices.value_or(std::vector<std::string>());
    return Error::success();
  }

  /// Labels from id2label (ids 0..n-1), checked against num_labels; HF's
  /// defaults ("LABEL_i", two of them) when neither key is present.
  Error readLabels(std::vector<std::string> &out) const {
    std::optional<int64_t> numLabels;
    if (const json::Value *value = get("num_labels")) {
      std::optional<int64_t> v = asInteger(*value);
      if (!v || *v < 0)
        return error("'num_labels' must be a non-negative integer");
      if (*v > kMaxLabels)
        return error("'num_labels' is too large (" + Twine(*v) + "; at most " +
                     Twine(kMaxLabels) + ")");
      numLabels = *v;
    }

    const json::Value *value = get("id2label");
    if (!value) {
      int64_t n = numLabels.value_or(2);
      out.clear();
      for (int64_t i = 0; i < n; ++i)
        out.push_back(("LABEL_" + Twine(i)).str());
      return Error::success();
    }

    const json::Object *map = value->getAsObject();
    if (!map)
      return error("'id2label' must be an object mapping ids to label names");
    if (map->size() > static_cast<size_t>(kMaxLabels))
      return error("'id2label' has too many entries (" + Twine(map->size()) +
                   "; at most " + Twine(kMaxLabels) + ")");
    int64_t n = static_cast<int64_t>(map->size());
    std::vector<std::optional<std::string>> byId(n);
    // Visit keys in sorted order so that the reported problem is stable.
    std::vector<StringRef> keys;
    for (const auto &entry : *map)
      keys.push_back(entry.first);
    llvm::sort(keys);
    for (StringRef key : keys) {
      uint64_t id;
      if (key.empty() || !llvm::all_of(key, llvm::isDigit) ||
          key.getAsInteger(10, id))
        return error("'id2label' key " + quote(key) +
                     " is not a non-negative integer id");
      std::optional<StringRef> name = map->get(key)->getAsString();
      if (!name)
        return error("'id2label' entry " + quote(key) + " must be a string");
      if (id >= static_cast<uint64_t>(n))
        return error("'id2label' ids must be 0.." + Twine(n - 1) +
                     " without gaps, but it has id " + key);
      if (byId[id])
        return error("'id2label' has id " + Twine(id) + " twice");
      byId[id] = name->str();
    }
    if (numLabels && *numLabels != n)
      return error("'num_labels' is " + Twine(*numLabels) +
                   " but 'id2label' has " + Twine(n) + " entries");
    out.clear();
    for (std::optional<std::string> &name : byId)
      out.push_back(std::move(*name));
    return Error::success();
  }
};

} // namespace

Expected<BitConfig> bitc::readBitConfig(StringRef path) {
  Expected<std::unique_ptr<llvm::MemoryBuffer>> buffer = mapRegularFile(path);
  if (!buffer)
    return makeError(path +
                     ": cannot read: " + llvm::toString(buffer.takeError()));
  return parseBitConfig(path, (*buffer)->getBuffer());
}

Expected<BitConfig> bitc::parseBitConfig(StringRef path, StringRef text) {
  Expected<json::Value> parsed = json_util::parseJsonObject(path, text);
  if (!parsed)
    return parsed.takeError();
  const json::Object *object = parsed->getAsObject();

  ConfigReader reader(path, *object);
  BitConfig config;

  Expected<std::optional<std::string>> modelType =
      reader.readString("model_type");
  if (!modelType)
    return modelType.takeError();
  if (*modelType && **modelType != "bit")
    return reader.error("model_type " + quote(**modelType) +
                        " is not 'bit' (not a BiT checkpoint)");

  if (Error e =
          reader.readPositive("num_channels", kMaxChannels, config.numChannels))
    return std::move(e);
  if (Error e = reader.readPositive("embedding_size", kMaxChannels,
                                    config.embeddingSize))
    return std::move(e);
  if (Error e = reader.readPositiveArray("hidden_sizes", kMaxChannels,
                                         config.hiddenSizes))
    return std::move(e);
  if (Error e = reader.readPositiveArray("depths", kMaxDepth, config.depths))
    return std::move(e);
  if (Error e = reader.readLayerType(config.layerType))
    return std::move(e);
  if (Error e = reader.readHiddenAct(config.hiddenAct))
    return std::move(e);
  if (Error e = reader.readGlobalPadding(config.globalPadding))
    return std::move(e);
  if (Error e = reader.readBool("embedding_dynamic_padding",
                                config.embeddingDynamicPadding))
    return std::move(e);
  if (Error e =
          reader.readPositive("num_groups", kMaxChannels, config.numGroups))
    return std::move(e);
  if (Error e = reader.readOutputStride(config.outputStride))
    return std::move(e);
  if (Error e = reader.readPositive("width_factor", kMaxWidthFactor,
                                    config.widthFactor))
    return std::move(e);
  // drop_path_rate only matters for training; keep a number, ignore the rest.
  if (const json::Value *rate = object->get("drop_path_rate"))
    if (std::optional<double> v = rate->getAsNumber())
      config.dropPathRate = *v;
  std::optional<std::vector<std::string>> outFeatures, architectures;
  std::optional<std::vector<int64_t>> outIndices;
  if (Error e = reader.readStrings("out_features", outFeatures))
    return std::move(e);
  if (Error e = reader.readOutIndices(outIndices))
    return std::move(e);
  if (Error e = reader.alignBackboneOutputs(config.stageNames(), outFeatures,
                                            outIndices, config.outFeatures))
    return std::move(e);
  if (Error e = reader.readStrings("architectures", architectures))
    return std::move(e);
  if (architectures && !architectures->empty())
    config.architecture = architectures->front();
  if (Error e = reader.readLabels(config.labels))
    return std::move(e);

  if (Error e = validateBitConfig(config, path))
    return std::move(e);
  return config;
}

Error bitc::validateBitConfig(const BitConfig &config, StringRef path) {
  auto error = [&](const Twine &message) {
    return makeError(path + ": " + message);
  };
  auto checkPositive = [&](StringRef key, int64_t value, int64_t max) -> Error {
    if (value <= 0)
      return error(quote(key) + " must be a positive integer");
    if (value > max)
      return error(quote(key) + " is too large (" + Twine(value) +
                   "; at most " + Twine(max) + ")");
    return Error::success();
  };

  if (Error e = checkPositive("num_channels", config.numChannels, kMaxChannels))
    return e;
  if (Error e =
          checkPositive("embedding_size", config.embeddingSize, kMaxChannels))
    return e;
  if (Error e = checkPositive("num_groups", config.numGroups, kMaxChannels))
    return e;
  if (Error e =
          checkPositive("width_factor", config.widthFactor, kMaxWidthFactor))
    return e;
  if (config.depths.empty() ||
      llvm::any_of(config.depths, [](int64_t d) { return d <= 0; }))
    return error("'depths' must be a non-empty array of positive integers");
  if (llvm::any_of(config.depths, [](int64_t d) { return d > kMaxDepth; }))
    return error("'depths' has an entry that is too large (at most " +
                 Twine(kMaxDepth) + ")");
  if (config.hiddenSizes.empty() ||
      llvm::any_of(config.hiddenSizes, [](int64_t d) { return d <= 0; }))
    return error(
        "'hidden_sizes' must be a non-empty array of positive integers");
  if (llvm::any_of(config.hiddenSizes,
                   [](int64_t d) { return d > kMaxChannels; }))
    return error("'hidden_sizes' has an entry that is too large (at most " +
                 Twine(kMaxChannels) + ")");
  if (config.depths.size() != config.hiddenSizes.size())
    return error("'depths' has " + Twine(config.depths.size()) +
                 " entries but 'hidden_sizes' has " +
                 Twine(config.hiddenSizes.size()) + " (one of each per stage)");
  if (config.outputStride != 8 && config.outputStride != 16 &&
      config.outputStride != 32)
    return error("unsupported output_stride " + Twine(config.outputStride) +
                 " (expected 8, 16 or 32)");
  if (std::string problem = unsupportedHiddenAct(config.hiddenAct);
      !problem.empty())
    return error(problem);
  if (config.labels.size() > static_cast<size_t>(kMaxLabels))
    return error("too many labels (" + Twine(config.labels.size()) +
                 "; at most " + Twine(kMaxLabels) + ")");

  // Every group norm divides its channels into num_groups groups: the stem
  // output (preactivation: norm1 of the first layer; bottleneck: the stem
  // norm), every stage width (preactivation: norm1 of later layers and the
  // final norm; bottleneck: norm3 and downsample.norm) and every mid width
  // (norm2, and norm3 resp. norm1).
  int64_t groups = config.numGroups;
  if (config.embeddingSize % groups != 0)
    return error("'num_groups' (" + Twine(groups) +
                 ") does not divide embedding_size " +
                 Twine(config.embeddingSize));
  for (size_t s = 0; s < config.hiddenSizes.size(); ++s) {
    int64_t width = config.stageWidth(s);
    if (width > kMaxChannels * kMaxWidthFactor)
      return error("stage " + Twine(s) + " is too wide (" + Twine(width) +
                   " channels)");
    if (width % groups != 0)
      return error("'num_groups' (" + Twine(groups) +
                   ") does not divide the width of stage " + Twine(s) + " (" +
                   Twine(width) + ")");
    int64_t mid = config.stageMidWidth(s);
    if (mid % groups != 0)
      return error("'num_groups' (" + Twine(groups) +
                   ") does not divide the bottleneck width of stage " +
                   Twine(s) + " (" + Twine(mid) + ")");
  }
  return Error::success();
}
