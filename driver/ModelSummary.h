//===- ModelSummary.h - What bitc inspect reports ---------------*- C++ -*-===//

#ifndef BITC_DRIVER_MODELSUMMARY_H
#define BITC_DRIVER_MODELSUMMARY_H

#include "driver/Driver.h"
#include <string>

namespace bitc {

struct ModelSummary {
  int64_t convolutions = 0, groupNorms = 0, macs = 0; // of the imported graph
  std::string outputs;   // "logits 1x10, ...": the requested outputs
  std::string available; // every output the checkpoint offers
  int64_t workspaceBytes = 0, naiveBytes = 0; // after the default pipeline
  int64_t parameters = 0;
  std::string dtypes; // "F16 x3, F32 x158"
};

/// Imports `model` with `outputs` ("" = the default), counts its layers and
/// MACs, lowers that module (in place) for its workspace, and imports every
/// available output once for their shapes.
llvm::Expected<ModelSummary> summarizeModel(const Model &model,
                                            llvm::StringRef outputs);

/// "BitImageProcessor (PIL), resize shortest edge to 256 (bilinear), center
/// crop 224x224, ...": what the object's preprocessing does.
std::string describePreprocessing(const PreprocessorConfig &pre,
                                  ImageProcessor processor);

} // namespace bitc

#endif // BITC_DRIVER_MODELSUMMARY_H
