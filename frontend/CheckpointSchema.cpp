//===- CheckpointSchema.cpp - Tensors a BitConfig implies -----------------===//
//
// The state dict of BitForImageClassification (docs/bit-model.md section 4),
// BitModel (the same without `bit.` and the classifier) and BitBackbone (no
// classifier), in module order, and its comparison with what a checkpoint
// holds.
//
//===----------------------------------------------------------------------===//

#include "frontend/CheckpointSchema.h"
#include "frontend/JsonUtil.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

using namespace bitc;
using llvm::ArrayRef;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::vector<ExpectedTensor> bitc::expectedTensors(const BitConfig &config,
                                                  CheckpointKind kind) {
  std::vector<ExpectedTensor> tensors;
  auto add = [&](const Twine &name, std::vector<int64_t> shape) {
    std::string named = name.str();
    if (StringRef(named).starts_with("bit."))
      named = (tensorPrefix(kind) + StringRef(named).drop_front(4)).str();
    tensors.push_back({named, std::move(shape)});
  };
  auto addNorm = [&](const Twine &prefix, int64_t channels) {
    add(prefix + ".weight", {channels});
    add(prefix + ".bias", {channels});
  };
  bool preact = config.layerType == LayerType::Preactivation;
  int64_t embedding = config.embeddingSize;

  add("bit.embedder.convolution.weight", {embedding, config.numChannels, 7, 7});
  if (!preact)
    addNorm("bit.embedder.norm", embedding);

  int64_t in = embedding;
  size_t numStages = std::min(config.depths.size(), config.hiddenSizes.size());
  for (size_t s = 0; s < numStages; ++s) {
    int64_t out = config.stageWidth(s);
    int64_t mid = config.stageMidWidth(s);
    for (int64_t l = 0; l < config.depths[s]; ++l) {
      std::string prefix =
          ("bit.encoder.stages." + Twine(s) + ".layers." + Twine(l) + ".")
              .str();
      int64_t layerIn = l == 0 ? in : out;
      if (l == 0) {
        add(prefix + "downsample.conv.weight", {out, layerIn, 1, 1});
        if (!preact)
          addNorm(prefix + "downsample.norm", out);
      }
      if (preact) {
        addNorm(prefix + "norm1", layerIn);
        add(prefix + "conv1.weight", {mid, layerIn, 1, 1});
        addNorm(prefix + "norm2", mid);
        add(prefix + "conv2.weight", {mid, mid, 3, 3});
        addNorm(prefix + "norm3", mid);
        add(prefix + "conv3.weight", {out, mid, 1, 1});
      } else {
        add(prefix + "conv1.weight", {mid, layerIn, 1, 1});
        addNorm(prefix + "norm1", mid);
        add(prefix + "conv2.weight", {mid, mid, 3, 3});
        addNorm(prefix + "norm2", mid);
        add(prefix + "conv3.weight", {out, mid, 1, 1});
        addNorm(prefix + "norm3", out);
      }
    }
    in = out;
  }

  if (preact)
    addNorm("bit.norm", in);
  int64_t numLabels = static_cast<int64_t>(config.labels.size());
  if (hasClassifier(kind) && numLabels > 0) { // else an identity
    add("classifier.1.weight", {numLabels, in});
    add("classifier.1.bias", {numLabels});
  }
  return tensors;
}

Error bitc::validateTensorSet(const TensorStore &store,
                              const std::vector<ExpectedTensor> &expected) {
  std::vector<std::string> lines;
  llvm::StringSet<> expectedNames;
  for (const ExpectedTensor &tensor : expected) {
    expectedNames.insert(tensor.name);
    const TensorInfo *info = store.lookup(tensor.name);
    if (!info) {
      lines.push_back((store.source() + ": missing tensor '" + tensor.name +
                       "' (expected shape " + shapeString(tensor.shape) + ")")
                          .str());
      continue;
    }
    if (info->shape != tensor.shape)
      lines.push_back((Twine(info->file) + ": tensor '" + tensor.name +
                       "' has shape " + shapeString(info->shape) +
                       " but the config implies " + shapeString(tensor.shape))
                          .str());
  }
  for (const TensorInfo &info : store.tensors()) // sorted by name
    if (!expectedNames.contains(info.name))
      lines.push_back(
          (Twine(info.file) + ": unexpected tensor '" + info.name + "'").str());
  if (lines.empty())
    return Error::success();

  // A checkpoint of another class or layer type fails on dozens of tensors;
  // say why. Only BitModel lacks the `bit.` prefix; only preactivation
  // models have the final norm, only bottleneck models the stem norm.
  auto hasTensor = [&](StringRef name) { return store.lookup(name); };
  bool expectPrefix = expectedNames.contains("bit.embedder.convolution.weight");
  if (expectPrefix && hasTensor("embedder.convolution.weight"))
    lines.push_back((store.source() +
                     ": note: the tensors look like a BitModel checkpoint "
                     "(no 'bit.' prefix)")
                        .str());
  else if (!expectPrefix && hasTensor("bit.embedder.convolution.weight"))
    lines.push_back((store.source() +
                     ": note: the tensors have the 'bit.' prefix of "
                     "BitForImageClassification and BitBackbone checkpoints")
                        .str());
  std::string prefix = expectPrefix ? "bit." : "";
  std::string finalNorm = prefix + "norm.weight",
              stemNorm = prefix + "embedder.norm.weight";
  bool expectPreact = expectedNames.contains(finalNorm);
  bool expectBottleneck = expectedNames.contains(stemNorm);
  bool looksPreact = hasTensor(finalNorm) && !hasTensor(stemNorm);
  bool looksBottleneck = hasTensor(stemNorm) && !hasTensor(finalNorm);
  if (expectBottleneck && looksPreact)
    lines.push_back((store.source() +
                     ": note: the tensors look like layer_type "
                     "'preactivation' but the config says 'bottleneck'")
                        .str());
  else if (expectPreact && looksBottleneck)
    lines.push_back((store.source() +
                     ": note: the tensors look like layer_type 'bottleneck' "
                     "but the config says 'preactivation'")
                        .str());
  return makeError(llvm::join(lines, "\n"));
}
