//===- PreprocessorConfig.cpp - BitImageProcessor settings ----------------===//
//
// Reads `preprocessor_config.json` (docs/bit-model.md section 5). A missing
// file is not an error: the processor's defaults apply. A JSON null keeps the
// default of a key, except for the do_* switches, which Hugging Face then
// treats as false.
//
//===----------------------------------------------------------------------===//

#include "frontend/PreprocessorConfig.h"
#include "frontend/JsonUtil.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <limits>
#include <optional>
#include <system_error>

using namespace bitc;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

namespace {

/// Image sizes above this are rejected (they would overflow pixel counts).
constexpr int64_t kMaxImageSide = 1 << 16;

using json_util::asInteger;

class ProcessorReader : public json_util::ObjectFields {
public:
  using ObjectFields::ObjectFields;

  /// A do_* switch: absent keeps `out`, null turns the step off (Hugging
  /// Face stores None, which disables it).
  Error readSwitch(StringRef key, bool &out) const {
    if (const json::Value *value = object.get(key);
        value && value->kind() == json::Value::Null) {
      out = false;
      return Error::success();
    }
    return readBool(key, out);
  }

  /// A side length in [1, kMaxImageSide].
  std::optional<int64_t> side(const json::Value *value) const {
    if (!value)
      return std::nullopt;
    std::optional<int64_t> v = asInteger(*value);
    if (!v || *v <= 0 || *v > kMaxImageSide)
      return std::nullopt;
    return v;
  }

  /// {"height": H, "width": W} with valid sides; std::nullopt otherwise
  /// (also for a null `sizes`).
  std::optional<std::pair<int64_t, int64_t>>
  heightAndWidth(const json::Object *sizes) const {
    if (!sizes)
      return std::nullopt;
    std::optional<int64_t> height = side(sizes->get("height"));
    std::optional<int64_t> width = side(sizes->get("width"));
    if (!height || !width)
      return std::nullopt;
    return std::make_pair(*height, *width);
  }

  Error readSize(PreprocessorConfig &config) const {
    const json::Value *value = get("size");
    if (!value)
      return Error::success();
    std::string expected =
        ("'size' must be a positive integer or an object with "
         "'shortest_edge' or 'height' and 'width' (each from 1 to " +
         Twine(kMaxImageSide) + ")")
            .str();
    // A number or {"shortest_edge": N} resizes the shorter side to N.
    const json::Object *size = value->getAsObject();
    if (const json::Value *edgeValue =
            size ? size->get("shortest_edge") : value) {
      std::optional<int64_t> edge = side(edgeValue);
      if (!edge)
        return error(expected);
      config.shortestEdge = *edge;
      config.resizeToFixedSize = false;
      return Error::success();
    }
    std::optional<std::pair<int64_t, int64_t>> hw = heightAndWidth(size);
    if (!hw)
      return error(expected);
    config.resizeToFixedSize = true;
    std::tie(config.resizeHeight, config.resizeWidth) = *hw;
    return Error::success();
  }

  Error readCropSize(PreprocessorConfig &config) const {
    const json::Value *value = get("crop_size");
    if (!value)
      return Error::success();
    std::string expected =
        ("'crop_size' must be a positive integer or an object with "
         "'height' and 'width' (each from 1 to " +
         Twine(kMaxImageSide) + ")")
            .str();
    std::optional<std::pair<int64_t, int64_t>> hw;
    if (value->kind() == json::Value::Number) {
      if (std::optional<int64_t> edge = side(value))
        hw = std::make_pair(*edge, *edge);
    } else {
      hw = heightAndWidth(value->getAsObject());
    }
    if (!hw)
      return error(expected);
    std::tie(config.cropHeight, config.cropWidth) = *hw;
    return Error::success();
  }

  Error readResample(PreprocessorConfig &config) const {
    const json::Value *value = get("resample");
    if (!value)
      return Error::success();
    std::optional<int64_t> v = asInteger(*value);
    if (!v || *v < 0 || *v > 5)
      return error("'resample' must be an integer from 0 to 5 (PIL filter)");
    config.resample = static_cast<ResampleFilter>(*v);
    return Error::success();
  }

  Error readRescaleFactor(PreprocessorConfig &config) const {
    const json::Value *value = get("rescale_factor");
    if (!value)
      return Error::success();
    std::optional<double> v = value->getAsNumber();
    if (!v || !std::isfinite(*v))
      return error("'rescale_factor' must be a number");
    config.rescaleFactor = *v;
    return Error::success();
  }

  /// Three numbers, or one (a number or a one-element array) for all three.
  Error readTriple(StringRef key, bool nonZero,
                   std::array<double, 3> &out) const {
    const json::Value *value = get(key);
    if (!value)
      return Error::success();
    auto typeError = [&] {
      return error("'" + key + "' must be a number or an array of 3 numbers");
    };
    std::vector<double> numbers;
    if (const json::Array *array = value->getAsArray()) {
      for (const json::Value &element : *array) {
        std::optional<double> v = element.getAsNumber();
        if (!v || !std::isfinite(*v))
          return typeError();
        numbers.push_back(*v);
      }
    } else if (std::optional<double> v = value->getAsNumber()) {
      if (!std::isfinite(*v))
        return typeError();
      numbers.push_back(*v);
    } else {
      return typeError();
    }
    if (numbers.size() == 1)
      numbers.assign(3, numbers[0]);
    if (numbers.size() != 3)
      return typeError();
    if (nonZero)
      for (double v : numbers)
        if (v == 0)
          return error("'" + key + "' must not contain 0 (it divides)");
    for (int i = 0; i < 3; ++i)
      out[i] = numbers[i];
    return Error::success();
  }
};

} // namespace

Expected<PreprocessorConfig> bitc::readPreprocessorConfig(StringRef path) {
  PreprocessorConfig config;
  if (!pathIsPresent(path))
    return config; // present == false: the processor's defaults
  Expected<std::unique_ptr<llvm::MemoryBuffer>> buffer = mapRegularFile(path);
  if (!buffer)
    return makeError(path +
                     ": cannot read: " + llvm::toString(buffer.takeError()));
  return parsePreprocessorConfig(path, (*buffer)->getBuffer());
}

Expected<PreprocessorConfig> bitc::parsePreprocessorConfig(StringRef path,
                                                           StringRef text) {
  PreprocessorConfig config;
  Expected<json::Value> parsed = json_util::parseJsonObject(path, text);
  if (!parsed)
    return parsed.takeError();
  const json::Object *object = parsed->getAsObject();

  ProcessorReader reader(path, *object);
  config.present = true;
  if (Error e = reader.readSwitch("do_resize", config.doResize))
    return std::move(e);
  if (Error e = reader.readSize(config))
    return std::move(e);
  if (Error e = reader.readResample(config))
    return std::move(e);
  if (Error e = reader.readSwitch("do_center_crop", config.doCenterCrop))
    return std::move(e);
  if (Error e = reader.readCropSize(config))
    return std::move(e);
  if (Error e = reader.readSwitch("do_rescale", config.doRescale))
    return std::move(e);
  if (Error e = reader.readRescaleFactor(config))
    return std::move(e);
  if (Error e = reader.readSwitch("do_normalize", config.doNormalize))
    return std::move(e);
  if (Error e =
          reader.readTriple("image_mean", /*nonZero=*/false, config.imageMean))
    return std::move(e);
  if (Error e =
          reader.readTriple("image_std", /*nonZero=*/true, config.imageStd))
    return std::move(e);
  if (Error e = reader.readSwitch("do_convert_rgb", config.doConvertRgb))
    return std::move(e);
  if (const json::Value *type = object->get("image_processor_type"))
    config.savedByFastProcessor =
        type->getAsString() ==
        std::optional<StringRef>("BitImageProcessorFast");
  return config;
}

const char *bitc::resampleName(ResampleFilter filter) {
  switch (filter) {
  case ResampleFilter::Nearest:
    return "nearest";
  case ResampleFilter::Lanczos:
    return "lanczos";
  case ResampleFilter::Bilinear:
    return "bilinear";
  case ResampleFilter::Bicubic:
    return "bicubic";
  case ResampleFilter::Box:
    return "box";
  case ResampleFilter::Hamming:
    return "hamming";
  }
  return "bicubic";
}

const char *bitc::imageProcessorName(ImageProcessor processor) {
  return processor == ImageProcessor::Torchvision
             ? "BitImageProcessorFast (torchvision)"
             : "BitImageProcessor (PIL)";
}

Expected<ImageProcessor>
bitc::chooseImageProcessor(const PreprocessorConfig &config, StringRef flag,
                           StringRef command) {
  // An explicit flag wins: image_processor_type only records which class
  // saved the file, while the flag says which one the user compares with.
  bool fast = flag.empty() ? config.savedByFastProcessor : flag == "fast";
  if (!fast)
    return ImageProcessor::Pil;
  if (config.doResize && config.resample != ResampleFilter::Bilinear &&
      config.resample != ResampleFilter::Bicubic) {
    std::string why =
        (Twine("resample ") + Twine(static_cast<int>(config.resample)) + " (" +
         resampleName(config.resample) +
         ") has no antialiased torchvision tensor resize, so "
         "BitImageProcessorFast fails on it")
            .str();
    if (flag.empty())
      return makeError(command +
                       ": preprocessor_config.json names "
                       "BitImageProcessorFast, but " +
                       why + "; pass --preprocessing pil");
    return makeError(command + ": --preprocessing fast: " + why +
                     "; use --preprocessing pil");
  }
  return ImageProcessor::Torchvision;
}
