//===- PreprocessorConfig.h - BitImageProcessor settings --------*- C++ -*-===//

#ifndef BITC_FRONTEND_PREPROCESSORCONFIG_H
#define BITC_FRONTEND_PREPROCESSORCONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <array>
#include <cstdint>

namespace bitc {

/// PIL resampling filters as numbered by Hugging Face image processors.
enum class ResampleFilter : int {
  Nearest = 0,
  Lanczos = 1,
  Bilinear = 2,
  Bicubic = 3,
  Box = 4,
  Hamming = 5
};

/// The Hugging Face image processor a compiled object reproduces.
enum class ImageProcessor {
  Pil,        // BitImageProcessor: PIL + numpy
  Torchvision // BitImageProcessorFast: torchvision tensors
};

/// `preprocessor_config.json` of a BitImageProcessor; the defaults are those
/// of the processor itself (used when the file is absent).
struct PreprocessorConfig {
  bool present = false; // false: defaults, no file in the model directory
  bool doResize = true;
  int64_t shortestEdge = 224;
  /// `size` given as {"height": H, "width": W}: resize to exactly H x W
  /// (aspect ratio not kept) instead of by the shortest edge.
  bool resizeToFixedSize = false;
  int64_t resizeHeight = 0;
  int64_t resizeWidth = 0;
  ResampleFilter resample = ResampleFilter::Bicubic;
  bool doCenterCrop = true;
  int64_t cropHeight = 224;
  int64_t cropWidth = 224;
  bool doRescale = true;
  double rescaleFactor = 1.0 / 255.0;
  bool doNormalize = true;
  std::array<double, 3> imageMean = {0.48145466, 0.4578275, 0.40821073};
  std::array<double, 3> imageStd = {0.26862954, 0.26130258, 0.27577711};
  bool doConvertRgb = true;
  /// image_processor_type is "BitImageProcessorFast".
  bool savedByFastProcessor = false;
};

/// Reads `path` if it exists (returns defaults with present = false if not).
llvm::Expected<PreprocessorConfig> readPreprocessorConfig(llvm::StringRef path);

/// Parses the text of a `preprocessor_config.json` (present = true); `path`
/// names it in errors.
llvm::Expected<PreprocessorConfig>
parsePreprocessorConfig(llvm::StringRef path, llvm::StringRef text);

/// The processor to reproduce: `flag` ("pil" or "fast") when not empty, else
/// the one that saved the config (image_processor_type). An error when that
/// is the torchvision one and the config resizes with a filter torchvision
/// cannot antialias tensors with (only bilinear and bicubic); `command`
/// prefixes the message.
llvm::Expected<ImageProcessor>
chooseImageProcessor(const PreprocessorConfig &config, llvm::StringRef flag,
                     llvm::StringRef command);

/// "BitImageProcessor (PIL)" or "BitImageProcessorFast (torchvision)".
const char *imageProcessorName(ImageProcessor processor);

/// PIL's name of a filter ("bicubic").
const char *resampleName(ResampleFilter filter);

} // namespace bitc

#endif // BITC_FRONTEND_PREPROCESSORCONFIG_H
