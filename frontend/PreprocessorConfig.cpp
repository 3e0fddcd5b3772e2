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

std::optional<int64_t> asInteger(const json::Value &value) {
  if (value.kind() != json::Value::Number)
    return std::nullopt;
  // Integers written without a fraction or exponent are exact.
  if (std::optional<uint64_t> u = value.getAsUINT64()) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  // Doubles (8.0, -3, 1e3) must be integral; keep them well inside int64
  // (converting 2^63 would be undefined).
  double d = *value.getAsNumber();
  if (!(d > -9.0e18 && d < 9.0e18))
    return std::nullopt;
  return value.getAsInteger();
}

bool isNull(const json::Value *value) {
  return !value || value->kind() == json::Value::Null;
}

class ProcessorReader {
public:
  ProcessorReader(StringRef path, const json::Object &object)
      : path(path), object(object) {}

  Error error(const Twine &message) const {
    return makeError(path + ": " + message);
  }

  Error readBool(StringRef key, bool &out) const {
    const json::Value *value = object.get(key);
    if (!value)
      return Error::success();
    if (value->kind() == json::Value::Null) {
      out = false; // HF stores None, which disables the step
      return Error::success();
    }
    std::optional<bool> v = value->getAsBoolean();
    if (!v)
      return error("'" + key + "' must be true or false");
    out = *v;
    return Error::success();
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

  Error readSize(PreprocessorConfig &config) const {
    const json::Value *value = object.get("size");
    if (isNull(value))
      return Error::success();
    std::string expected =
        ("'size' must be a positive integer or an object with "
         "'shortest_edge' or 'height' and 'width' (each from 1 to " +
         Twine(kMaxImageSide) + ")")
            .str();
    if (value->kind() == json::Value::Number) {
      std::optional<int64_t> edge = side(value);
      if (!edge)
        return error(expected);
      config.shortestEdge = *edge;
      config.resizeToFixedSize = false;
      return Error::success();
    }
    const json::Object *size = value->getAsObject();
    if (!size)
      return error(expected);
    if (const json::Value *edgeValue = size->get("shortest_edge")) {
      std::optional<int64_t> edge = side(edgeValue);
      if (!edge)
        return error(expected);
      config.shortestEdge = *edge;
      config.resizeToFixedSize = false;
      return Error::success();
    }
    std::optional<int64_t> height = side(size->get("height"));
    std::optional<int64_t> width = side(size->get("width"));
    if (!height || !width)
      return error(expected);
    config.resizeToFixedSize = true;
    config.resizeHeight = *height;
    config.resizeWidth = *width;
    return Error::success();
  }

  Error readCropSize(PreprocessorConfig &config) const {
    const json::Value *value = object.get("crop_size");
    if (isNull(value))
      return Error::success();
    std::string expected =
        ("'crop_size' must be a positive integer or an object with "
         "'height' and 'width' (each from 1 to " +
         Twine(kMaxImageSide) + ")")
            .str();
    if (value->kind() == json::Value::Number) {
      std::optional<int64_t> edge = side(value);
      if (!edge)
        return error(expected);
      config.cropHeight = config.cropWidth = *edge;
      return Error::success();
    }
    const json::Object *crop = value->getAsObject();
    if (!crop)
      return error(expected);
    std::optional<int64_t> height = side(crop->get("height"));
    std::optional<int64_t> width = side(crop->get("width"));
    if (!height || !width)
      return error(expected);
    config.cropHeight = *height;
    config.cropWidth = *width;
    return Error::success();
  }

  Error readResample(PreprocessorConfig &config) const {
    const json::Value *value = object.get("resample");
    if (isNull(value))
      return Error::success();
    std::optional<int64_t> v = asInteger(*value);
    if (!v || *v < 0 || *v > 5)
      return error("'resample' must be an integer from 0 to 5 (PIL filter)");
    config.resample = static_cast<ResampleFilter>(*v);
    return Error::success();
  }

  Error readRescaleFactor(PreprocessorConfig &config) const {
    const json::Value *value = object.get("rescale_factor");
    if (isNull(value))
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
    const json::Value *value = object.get(key);
    if (isNull(value))
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

private:
  StringRef path;
  const json::Object &object;
};

} // namespace

Expected<PreprocessorConfig> bitc::readPreprocessorConfig(StringRef path) {
  PreprocessorConfig config;
  if (!llvm::sys::fs::exists(path))
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
  Expected<json::Value> parsed = json_util::parseJsonStrict(text);
  if (!parsed)
    return makeError(path + ": " + llvm::toString(parsed.takeError()));
  const json::Object *object = parsed->getAsObject();
  if (!object)
    return makeError(path + ": expected a JSON object at the top level");

  ProcessorReader reader(path, *object);
  config.present = true;
  if (Error e = reader.readBool("do_resize", config.doResize))
    return std::move(e);
  if (Error e = reader.readSize(config))
    return std::move(e);
  if (Error e = reader.readResample(config))
    return std::move(e);
  if (Error e = reader.readBool("do_center_crop", config.doCenterCrop))
    return std::move(e);
  if (Error e = reader.readCropSize(config))
    return std::move(e);
  if (Error e = reader.readBool("do_rescale", config.doRescale))
    return std::move(e);
  if (Error e = reader.readRescaleFactor(config))
    return std::move(e);
  if (Error e = reader.readBool("do_normalize", config.doNormalize))
    return std::move(e);
  if (Error e =
          reader.readTriple("image_mean", /*nonZero=*/false, config.imageMean))
    return std::move(e);
  if (Error e =
          reader.readTriple("image_std", /*nonZero=*/true, config.imageStd))
    return std::move(e);
  if (Error e = reader.readBool("do_convert_rgb", config.doConvertRgb))
    return std::move(e);
  return config;
}
