//===- Importer.cpp - BiT checkpoint to the bit dialect -------------------===//
//
// Mirrors BitModel and its classifier (docs/bit-model.md section 3) op by op.
// Shapes are static, so TF "SAME" padding is resolved here into explicit,
// possibly asymmetric, padding.
//
//===----------------------------------------------------------------------===//

#include "frontend/Importer.h"
#include "ir/BitDialect.h"
#include "ir/BitOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FormatVariadic.h"
#include <map>

using namespace mlir;
using namespace mlir::bit;
using llvm::formatv;

namespace bitc {
namespace {

/// Padding of one spatial dimension: (before, after).
struct Pad1D {
  int64_t before = 0;
  int64_t after = 0;
};

/// TF "SAME": pad = max((ceil(i/s) - 1)*s + (k-1)*d + 1 - i, 0), split
/// floor-half before, the rest after.
Pad1D tfSamePadding(int64_t in, int64_t kernel, int64_t stride,
                    int64_t dilation) {
  int64_t total = std::max<int64_t>(((in + stride - 1) / stride - 1) * stride +
                                        (kernel - 1) * dilation + 1 - in,
                                    0);
  return {total / 2, total - total / 2};
}

class ModelBuilder {
public:
  ModelBuilder(MLIRContext &context, const BitConfig &config,
               TensorStore &store, const ImportOptions &options)
      : context(context), config(config), store(store), options(options),
        builder(&context) {}

  llvm::Expected<OwningOpRef<ModuleOp>> build();

private:
  Location loc(StringRef name) {
    return NameLoc::get(StringAttr::get(&context, name));
  }
  static RankedTensorType tensorType(ArrayRef<int64_t> shape, MLIRContext *c) {
    return RankedTensorType::get(shape, Float32Type::get(c));
  }
  RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }

  llvm::Error fail(const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   options.configPath + ": " + message);
  }

  llvm::Expected<Value> weight(StringRef name);
  /// The padding of a conv or pool following `global_padding`.
  std::pair<Pad1D, Pad1D> convPadding(RankedTensorType input, int64_t kernel,
                                      int64_t stride, int64_t dilation);
  llvm::Expected<Value> conv(Value input, StringRef name, int64_t stride,
                             int64_t dilation);
  llvm::Expected<Value> groupNorm(Value input, StringRef name,
                                  Activation activation);
  llvm::Expected<Value> pad(Value input, StringRef name, Pad1D h, Pad1D w);
  llvm::Expected<Value> stem(Value pixels);
  llvm::Expected<Value> preactivationLayer(Value x, StringRef prefix,
                                           int64_t stride, bool firstLayer);
  llvm::Expected<Value> bottleneckLayer(Value x, StringRef prefix,
                                        int64_t stride, int64_t dilation,
                                        int64_t firstDilation, bool firstLayer);
  llvm::Expected<Value> residualAdd(Value h, Value shortcut, StringRef prefix,
                                    Activation activation);

  MLIRContext &context;
  const BitConfig &config;
  TensorStore &store;
  const ImportOptions &options;
  OpBuilder builder;
  Activation activation = Activation::None;
};

llvm::Expected<Value> ModelBuilder::weight(StringRef fullName) {
  // BitModel's state dict is BitForImageClassification's `bit.` submodule.
  std::string name = fullName.str();
  if (options.kind == CheckpointKind::Model && fullName.starts_with("bit."))
    name = fullName.drop_front(4).str();
  const TensorInfo *info = store.lookup(name);
  if (!info)
    return fail(formatv("missing tensor '{0}'", name).str());
  auto data = store.getF32(name);
  if (!data)
    return data.takeError();
  auto type = tensorType(info->shape, &context);
  // The blob aliases the store's memory map (or its converted copy): no copy
  // of the weights is made here. Releasing it (releaseWeightData) drops its
  // mapped pages from memory.
  AsmResourceBlob blob(
      ArrayRef<char>(reinterpret_cast<const char *>(data->data()),
                     data->size() * sizeof(float)),
      alignof(float),
      [release = store.pageReleaser(*data)](void *, size_t, size_t) {
        release();
      },
      /*dataIsMutable=*/false);
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return builder.create<WeightOp>(loc(name), builder.getStringAttr(name), attr)
      .getResult();
}

std::pair<Pad1D, Pad1D> ModelBuilder::convPadding(RankedTensorType input,
                                                  int64_t kernel,
                                                  int64_t stride,
                                                  int64_t dilation) {
  switch (config.globalPadding) {
  case GlobalPadding::Pytorch: {
    int64_t p = ((stride - 1) + dilation * (kernel - 1)) / 2;
    return {{p, p}, {p, p}};
  }
  case GlobalPadding::Same:
    return {tfSamePadding(input.getDimSize(2), kernel, stride, dilation),
            tfSamePadding(input.getDimSize(3), kernel, stride, dilation)};
  case GlobalPadding::Valid:
    return {{0, 0}, {0, 0}};
  }
  return {};
}

llvm::Expected<Value> ModelBuilder::conv(Value input, StringRef name,
                                         int64_t stride, int64_t dilation) {
  std::string weightName = (name + ".weight").str();
  auto w = weight(weightName);
  if (!w)
    return w.takeError();
  auto inType = typeOf(input);
  auto wType = typeOf(*w);
  int64_t kernel = wType.getDimSize(2);
  auto [padH, padW] = convPadding(inType, kernel, stride, dilation);
  SmallVector<int64_t> strides = {stride, stride};
  SmallVector<int64_t> dilations = {dilation, dilation};
  SmallVector<int64_t> padding = {padH.before, padW.before, padH.after,
                                  padW.after};
  auto outType =
      Conv2DOp::inferOutputType(inType, wType, strides, dilations, padding);
  if (outType.getDimSize(2) < 1 || outType.getDimSize(3) < 1)
    return fail(formatv("the input image {0}x{1} is too small: {2} would see "
                        "a {3}x{4} input",
                        options.height, options.width, name,
                        inType.getDimSize(2), inType.getDimSize(3))
                    .str());
  return builder
      .create<Conv2DOp>(loc(name), input, *w, strides, dilations, padding,
                        builder.getF64FloatAttr(config.wsEps))
      .getOutput();
}

llvm::Expected<Value> ModelBuilder::groupNorm(Value input, StringRef name,
                                              Activation activation) {
  auto gamma = weight((name + ".weight").str());
  if (!gamma)
    return gamma.takeError();
  auto beta = weight((name + ".bias").str());
  if (!beta)
    return beta.takeError();
  return builder
      .create<GroupNormOp>(loc(name), input, *gamma, *beta,
                           static_cast<uint64_t>(config.numGroups),
                           llvm::APFloat(config.groupNormEps), activation)
      .getOutput();
}

llvm::Expected<Value> ModelBuilder::pad(Value input, StringRef name, Pad1D h,
                                        Pad1D w) {
  return builder
      .create<PadOp>(loc(name), input,
                     ArrayRef<int64_t>{h.before, w.before, h.after, w.after})
      .getOutput();
}

llvm::Expected<Value> ModelBuilder::stem(Value pixels) {
  auto x = conv(pixels, "bit.embedder.convolution", 2, 1);
  if (!x)
    return x.takeError();
  if (config.globalPadding != GlobalPadding::Same) {
    x = pad(*x, "bit.embedder.pad", {1, 1}, {1, 1});
    if (!x)
      return x.takeError();
  }
  if (config.layerType == LayerType::Bottleneck) {
    x = groupNorm(*x, "bit.embedder.norm", activation);
    if (!x)
      return x.takeError();
  }
  auto type = typeOf(*x);
  if (config.embeddingDynamicPadding) {
    x = pad(*x, "bit.embedder.pooler.pad",
            tfSamePadding(type.getDimSize(2), 3, 2, 1),
            tfSamePadding(type.getDimSize(3), 3, 2, 1));
    if (!x)
      return x.takeError();
    type = typeOf(*x);
  }
  auto outType = MaxPool2DOp::inferOutputType(type, ArrayRef<int64_t>{3, 3},
                                              ArrayRef<int64_t>{2, 2});
  if (outType.getDimSize(2) < 1 || outType.getDimSize(3) < 1)
    return fail(formatv("the input image {0}x{1} is too small: "
                        "bit.embedder.pooler would see a {2}x{3} input",
                        options.height, options.width, type.getDimSize(2),
                        type.getDimSize(3))
                    .str());
  return builder
      .create<MaxPool2DOp>(loc("bit.embedder.pooler"), outType, *x,
                           ArrayRef<int64_t>{3, 3}, ArrayRef<int64_t>{2, 2})
      .getOutput();
}

llvm::Expected<Value> ModelBuilder::residualAdd(Value h, Value shortcut,
                                                StringRef prefix,
                                                Activation activation) {
  if (typeOf(h) != typeOf(shortcut))
    return fail(formatv("the residual branch of {0} has shape {1} but the "
                        "shortcut has {2}",
                        prefix, typeOf(h), typeOf(shortcut))
                    .str());
  return builder
      .create<AddOp>(loc((prefix + ".add").str()), h, shortcut, activation)
      .getOutput();
}

llvm::Expected<Value> ModelBuilder::preactivationLayer(Value x,
                                                       StringRef prefix,
                                                       int64_t stride,
                                                       bool firstLayer) {
  std::string p = prefix.str();
  auto preact = groupNorm(x, p + ".norm1", activation);
  if (!preact)
    return preact.takeError();
  Value shortcut = x;
  if (firstLayer) {
    auto projected = conv(*preact, p + ".downsample.conv", stride, 1);
    if (!projected)
      return projected.takeError();
    shortcut = *projected;
  }
  auto h = conv(*preact, p + ".conv1", 1, 1);
  if (!h)
    return h.takeError();
  h = groupNorm(*h, p + ".norm2", activation);
  if (!h)
    return h.takeError();
  // Hugging Face's pre-activation conv2 takes the stride but not the dilation.
  h = conv(*h, p + ".conv2", stride, 1);
  if (!h)
    return h.takeError();
  h = groupNorm(*h, p + ".norm3", activation);
  if (!h)
    return h.takeError();
  h = conv(*h, p + ".conv3", 1, 1);
  if (!h)
    return h.takeError();
  return residualAdd(*h, shortcut, prefix, Activation::None);
}

llvm::Expected<Value> ModelBuilder::bottleneckLayer(Value x, StringRef prefix,
                                                    int64_t stride,
                                                    int64_t dilation,
                                                    int64_t firstDilation,
                                                    bool firstLayer) {
  (void)dilation;
  std::string p = prefix.str();
  Value shortcut = x;
  if (firstLayer) {
    auto projected = conv(x, p + ".downsample.conv", stride, 1);
    if (!projected)
      return projected.takeError();
    projected = groupNorm(*projected, p + ".downsample.norm", Activation::None);
    if (!projected)
      return projected.takeError();
    shortcut = *projected;
  }
  auto h = conv(x, p + ".conv1", 1, 1);
  if (!h)
    return h.takeError();
  h = groupNorm(*h, p + ".norm1", activation);
  if (!h)
    return h.takeError();
  // Hugging Face's BitBottleneckLayer dilates conv2 by the stage's
  // `first_dilation` (the previous layer's dilation), not by `dilation`.
  h = conv(*h, p + ".conv2", stride, firstDilation);
  if (!h)
    return h.takeError();
  h = groupNorm(*h, p + ".norm2", activation);
  if (!h)
    return h.takeError();
  h = conv(*h, p + ".conv3", 1, 1);
  if (!h)
    return h.takeError();
  h = groupNorm(*h, p + ".norm3", Activation::None);
  if (!h)
    return h.takeError();
  return residualAdd(*h, shortcut, prefix, activation);
}

llvm::Expected<OwningOpRef<ModuleOp>> ModelBuilder::build() {
  // Unpadded 3x3 convs shrink the residual branch but not the shortcut, so
  // no input size works (Hugging Face fails the same way at run time).
  if (config.globalPadding == GlobalPadding::Valid)
    return fail("unsupported global_padding 'VALID': the 3x3 convolutions "
                "would shrink the residual branch below the shortcut's size");
  auto hiddenAct = activationFromHiddenAct(config.hiddenAct);
  if (!hiddenAct)
    return fail(
        formatv("unsupported hidden_act '{0}'", config.hiddenAct).str());
  activation = *hiddenAct;

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc("bit"));
  builder.setInsertionPointToEnd(module->getBody());
  std::vector<std::string> outputs = options.outputs;
  if (outputs.empty())
    outputs = defaultOutputs(config, options.kind);
  auto inputType = tensorType(
      {options.batch, config.numChannels, options.height, options.width},
      &context);
  auto func = builder.create<func::FuncOp>(
      loc(checkpointClassName(options.kind)), "forward",
      builder.getFunctionType({inputType}, {}));
  func.setArgAttr(0, BitDialect::NameAttrHelper::getNameStr(),
                  builder.getStringAttr("pixel_values"));
  builder.setInsertionPointToEnd(func.addEntryBlock());

  // BitModel's hidden_states: the stem's output, then every stage's.
  std::map<std::string, Value> byName;
  auto x = stem(func.getArgument(0));
  if (!x)
    return x.takeError();
  byName["stem"] = *x;

  // Stage strides and dilations follow BitEncoder: the running stride starts
  // at 4 (after the stem); once it reaches output_stride, later strides turn
  // into dilation.
  int64_t currentStride = 4;
  int64_t dilation = 1;
  for (size_t stage = 0; stage < config.depths.size(); ++stage) {
    int64_t stride = stage == 0 ? 1 : 2;
    if (currentStride >= config.outputStride) {
      dilation *= stride;
      stride = 1;
    }
    int64_t firstDilation = (dilation == 1 || dilation == 2) ? 1 : 2;
    for (int64_t layer = 0; layer < config.depths[stage]; ++layer) {
      std::string prefix =
          formatv("bit.encoder.stages.{0}.layers.{1}", stage, layer).str();
      int64_t layerStride = layer == 0 ? stride : 1;
      if (config.layerType == LayerType::Preactivation)
        x = preactivationLayer(*x, prefix, layerStride, layer == 0);
      else
        x = bottleneckLayer(*x, prefix, layerStride, dilation, firstDilation,
                            layer == 0);
      if (!x)
        return x.takeError();
      firstDilation = dilation;
    }
    currentStride *= stride;
    byName["stage" + std::to_string(stage + 1)] = *x;
  }

  // BitModel's final norm: pre-activation models only (an identity else).
  if (config.layerType == LayerType::Preactivation) {
    x = groupNorm(*x, "bit.norm", activation);
    if (!x)
      return x.takeError();
  }
  byName["last_hidden_state"] = *x;
  auto xType = typeOf(*x);
  Value pooled =
      builder
          .create<GlobalAvgPoolOp>(
              loc("bit.pooler"),
              tensorType({xType.getDimSize(0), xType.getDimSize(1)}, &context),
              *x, /*prologue=*/Value(), Activation::None)
          .getOutput();
  byName["pooler_output"] = pooled;
  // The classifier: Flatten + Linear, or an identity with num_labels 0.
  int64_t numLabels = static_cast<int64_t>(config.labels.size());
  if (hasClassifier(options.kind) && numLabels == 0) {
    byName["logits"] = pooled;
  } else if (hasClassifier(options.kind)) {
    auto classifierWeight = weight("classifier.1.weight");
    if (!classifierWeight)
      return classifierWeight.takeError();
    auto classifierBias = weight("classifier.1.bias");
    if (!classifierBias)
      return classifierBias.takeError();
    byName["logits"] =
        builder
            .create<LinearOp>(loc("classifier.1"),
                              tensorType({options.batch, numLabels}, &context),
                              pooled, *classifierWeight, *classifierBias)
            .getOutput();
  }

  SmallVector<Value> results;
  for (const std::string &name : outputs) {
    auto it = byName.find(name);
    if (it == byName.end())
      return fail(formatv("internal error: no output '{0}'", name).str());
    results.push_back(it->second);
  }
  builder.create<func::ReturnOp>(loc("outputs"), results);
  func.setFunctionType(
      builder.getFunctionType({inputType}, ValueRange(results).getTypes()));
  for (auto [index, name] : llvm::enumerate(outputs))
    func.setResultAttr(index, BitDialect::NameAttrHelper::getNameStr(),
                       builder.getStringAttr(name));
  // What no output needs (the classifier of a backbone compile, the stages
  // after the last one asked for) goes, users before their operands.
  Block &body = func.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (!op.hasTrait<OpTrait::IsTerminator>() && op.use_empty())
      op.erase();

  // Metadata for codegen and `bitc inspect`.
  SmallVector<Attribute> labels;
  for (const std::string &label : config.labels)
    labels.push_back(builder.getStringAttr(label));
  if (hasClassifier(options.kind))
    BitDialect::LabelsAttrHelper(&context).setAttr(
        func, builder.getArrayAttr(labels));

  if (failed(verify(*module)))
    return fail("internal error: the imported module does not verify");
  return module;
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>>
importBitModel(MLIRContext &context, const BitConfig &config,
               TensorStore &store, const ImportOptions &options) {
  context.loadDialect<BitDialect, func::FuncDialect>();
  ModelBuilder builder(context, config, store, options);
  return builder.build();
}

} // namespace bitc
