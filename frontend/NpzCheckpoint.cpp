//===- NpzCheckpoint.cpp - Google's original BiT .npz checkpoints ---------===//

#include "frontend/NpzCheckpoint.h"
#include "frontend/JsonUtil.h"
#include "frontend/NpyReader.h"
#include "frontend/StridedCopy.h"
#include "frontend/ZipArchive.h"

#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

using namespace bitc;
using llvm::StringRef;
using llvm::Twine;

namespace {

constexpr const char *kRootKernel =
    "resnet/root_block/standardized_conv2d/kernel";
constexpr const char *kHeadKernel = "resnet/head/conv2d/kernel";

/// How an array is re-laid out for its Hugging Face name.
enum class Layout { Keep, ConvKernel, HeadKernel, Vector };

Layout layoutFor(StringRef googleName) {
  if (googleName == kHeadKernel)
    return Layout::HeadKernel;
  if (googleName.ends_with("standardized_conv2d/kernel"))
    return Layout::ConvKernel;
  if (googleName.ends_with("/gamma") || googleName.ends_with("/beta") ||
      googleName.ends_with("/bias"))
    return Layout::Vector;
  return Layout::Keep;
}

} // namespace

std::optional<GoogleArch> bitc::parseGoogleArch(StringRef name) {
  name = llvm::sys::path::filename(name);
  static const llvm::Regex pattern(
      "^BiT-[SM]-R(50|101|152)x([1-4])(-ILSVRC2012)?(\\.npz)?$");
  llvm::SmallVector<StringRef, 5> groups;
  if (!pattern.match(name, &groups))
    return std::nullopt;
  GoogleArch arch;
  groups[1].getAsInteger(10, arch.layers);
  groups[2].getAsInteger(10, arch.widthFactor);
  return arch;
}

std::string bitc::huggingFaceName(StringRef g) {
  if (g == kRootKernel)
    return "bit.embedder.convolution.weight";
  if (g == "resnet/group_norm/gamma")
    return "bit.norm.weight";
  if (g == "resnet/group_norm/beta")
    return "bit.norm.bias";
  if (g == kHeadKernel)
    return "classifier.1.weight";
  if (g == "resnet/head/conv2d/bias")
    return "classifier.1.bias";
  // resnet/block{B}/unit{UU}/{a,b,c}/...
  static const llvm::Regex unit(
      "^resnet/block([0-9]+)/unit([0-9]+)/(a|b|c)/(.+)$");
  llvm::SmallVector<StringRef, 5> m;
  if (!unit.match(g, &m))
    return "";
  unsigned block, index;
  if (m[1].getAsInteger(10, block) || m[2].getAsInteger(10, index) ||
      block < 1 || index < 1 || block > 1000 || index > 1000)
    return "";
  std::string n = std::string(1, "123"[m[3][0] - 'a']);
  std::string prefix = "bit.encoder.stages." + std::to_string(block - 1) +
                       ".layers." + std::to_string(index - 1) + ".";
  StringRef rest = m[4];
  if (rest == "standardized_conv2d/kernel")
    return prefix + "conv" + n + ".weight";
  if (rest == "group_norm/gamma")
    return prefix + "norm" + n + ".weight";
  if (rest == "group_norm/beta")
    return prefix + "norm" + n + ".bias";
  if (m[3] == "a" && rest == "proj/standardized_conv2d/kernel")
    return prefix + "downsample.conv.weight";
  return "";
}

llvm::Expected<std::unique_ptr<TensorStore>>
bitc::openGoogleNpz(StringRef path) {
  auto buffer = mapRegularFile(path);
  if (!buffer)
    return makeError(path +
                     ": cannot read: " + llvm::toString(buffer.takeError()));
  return openGoogleNpzBuffer(path, std::move(*buffer));
}

llvm::Expected<std::unique_ptr<TensorStore>>
bitc::openGoogleNpzBuffer(StringRef path,
                          std::unique_ptr<llvm::MemoryBuffer> buffer) {
  StringRef file = buffer->getBuffer();
  auto archive = ZipArchive::open(path, file);
  if (!archive)
    return archive.takeError();

  std::vector<TensorInfo> infos;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> owned;
  for (const ZipEntry &entry : (*archive)->entries()) {
    StringRef entryName(entry.name);
    if (entryName.ends_with("/"))
      continue; // a directory record
    auto arrayFail = [&](const Twine &what) {
      return makeError(path + ": array '" + entryName.str() + "': " + what);
    };
    if (!entryName.ends_with(".npy"))
      return arrayFail("not a .npy entry");
    StringRef googleName = entryName.drop_back(4);
    auto bytes = (*archive)->read(entry);
    if (!bytes)
      return bytes.takeError();
    auto array = parseNpy(*bytes);
    if (!array)
      return makeError(path + ": array '" + googleName +
                       "': " + llvm::toString(array.takeError()));
    std::string hfName = huggingFaceName(googleName);
    Layout layout = hfName.empty() ? Layout::Keep : layoutFor(googleName);

    TensorInfo info;
    info.name = hfName.empty() ? googleName.str() : hfName;
    info.dtype = array->dtype;
    info.file = path.str();
    const std::vector<int64_t> &shape = array->shape;
    std::vector<int64_t> strides = array->strides();
    // The view of the stored data in the Hugging Face layout.
    std::vector<int64_t> sizes, viewStrides;
    switch (layout) {
    case Layout::ConvKernel:
      if (shape.size() != 4)
        return makeError(path + ": array '" + googleName +
                         "': kernel of rank " + Twine(shape.size()) +
                         " (expected HWIO, rank 4)");
      // HWIO -> OIHW
      sizes = {shape[3], shape[2], shape[0], shape[1]};
      viewStrides = {strides[3], strides[2], strides[0], strides[1]};
      break;
    case Layout::HeadKernel:
      // [1, 1, C, L] (or [C, L]) -> [L, C]
      if (shape.size() == 4 && shape[0] == 1 && shape[1] == 1) {
        sizes = {shape[3], shape[2]};
        viewStrides = {strides[3], strides[2]};
      } else if (shape.size() == 2) {
        sizes = {shape[1], shape[0]};
        viewStrides = {strides[1], strides[0]};
      } else {
        return makeError(path + ": array '" + googleName +
                         "': head kernel must be [1, 1, C, labels] or "
                         "[C, labels]");
      }
      break;
    case Layout::Vector: {
      // [C] (or [1, 1, 1, C]) -> [C]; other shapes go to the schema check.
      bool ones = !shape.empty();
      for (size_t i = 0; i + 1 < shape.size(); ++i)
        ones &= shape[i] == 1;
      if (ones) {
        sizes = {shape.back()};
        viewStrides = {strides.back()};
        break;
      }
      [[fallthrough]];
    }
    case Layout::Keep:
      sizes = shape;
      viewStrides = strides;
      break;
    }
    info.shape = sizes;
    int64_t elementSize = dtypeSize(array->dtype);
    if (isContiguousView(sizes, viewStrides)) {
      info.bytes = array->data;
    } else {
      auto copy = gatherStrided(array->data.data(), elementSize, 0, sizes,
                                viewStrides, path.str() + ":" + info.name);
      if (!copy)
        return makeError(path + ": array '" + googleName +
                         "': cannot allocate a copy");
      info.bytes = llvm::ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(copy->getBufferStart()),
          array->data.size());
      owned.push_back(std::move(copy));
    }
    for (const TensorInfo &other : infos)
      if (other.name == info.name)
        return makeError(path + ": array '" + googleName + "': maps to '" +
                         info.name + "' like another array");
    infos.push_back(std::move(info));
  }
  if (infos.empty())
    return makeError(path + ": no arrays");
  for (auto &inflated : (*archive)->takeInflated())
    owned.push_back(std::move(inflated));
  owned.push_back(std::move(buffer));
  return TensorStore::fromTensors(path.str(), {path.str()}, std::move(infos),
                                  std::move(owned));
}

BitConfig bitc::googleConfig(const GoogleArch &arch, const TensorStore &store) {
  BitConfig config;
  config.layerType = LayerType::Preactivation;
  config.globalPadding = GlobalPadding::Pytorch;
  config.hiddenAct = "relu";
  config.numGroups = 32;
  config.widthFactor = arch.widthFactor;
  config.depths = arch.layers == 101   ? std::vector<int64_t>{3, 4, 23, 3}
                  : arch.layers == 152 ? std::vector<int64_t>{3, 8, 36, 3}
                                       : std::vector<int64_t>{3, 4, 6, 3};
  config.wsEps = kGoogleWsEps;
  // Google's stem has 64 x width filters; the checkpoint has the last word.
  config.embeddingSize = 64 * arch.widthFactor;
  if (const TensorInfo *root = store.lookup("bit.embedder.convolution.weight"))
    if (root->shape.size() == 4 && root->shape[0] > 0)
      config.embeddingSize = root->shape[0];
  int64_t labels = 0;
  if (const TensorInfo *bias = store.lookup("classifier.1.bias"))
    if (bias->shape.size() == 1)
      labels = bias->shape[0];
  if (const TensorInfo *head = store.lookup("classifier.1.weight"))
    if (!labels && head->shape.size() == 2)
      labels = head->shape[0];
  for (int64_t i = 0; i < labels && i < (1 << 20); ++i)
    config.labels.push_back("LABEL_" + std::to_string(i));
  return config;
}

PreprocessorConfig bitc::googlePreprocessing() {
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
