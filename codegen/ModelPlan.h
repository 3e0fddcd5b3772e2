//===- ModelPlan.h - The kernel calls of a compiled model -------*- C++ -*-===//
//
// What the object must do at run time, free of Halide and LLVM types: the
// distinct kernels (by symbol), the ordered calls with their buffer
// arguments, and the constant weight blob the calls read.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_MODELPLAN_H
#define BITC_CODEGEN_MODELPLAN_H

#include <cstdint>
#include <string>
#include <vector>

namespace bitc {

/// Mirrors `enum bitc_source` of runtime/ModelRuntime.h: output k is
/// `Output + k` (outputSource).
enum class BufferSource : int64_t {
  Arena = 0,
  Weights = 1,
  Input = 2,
  Output = 3
};
inline BufferSource outputSource(size_t k) {
  return static_cast<BufferSource>(static_cast<int64_t>(BufferSource::Output) +
                                   static_cast<int64_t>(k));
}
/// Outputs one model may have (BITC_MAX_OUTPUTS of the runtime).
constexpr size_t kMaxOutputs = 64;

/// One dense float32 buffer argument (Halide dimension order).
struct BufferBinding {
  BufferSource source = BufferSource::Arena;
  int64_t offset = 0; // bytes from the source's base
  std::vector<int64_t> extents;
  std::vector<int64_t> strides; // in elements
};

struct KernelCall {
  size_t kernel = 0; // index into ModelPlan::kernelSymbols
  std::vector<BufferBinding> args;
  std::string origin; // the op's location, for profiles and diagnostics
};

/// BitImageProcessor settings behind <name>_preprocess_rgb8; mirrors
/// `struct bitc_preprocess` of runtime/Preprocess.h. The output is the model
/// input (ModelPlan::channels x height x width).
struct PreprocessPlan {
  bool doResize = true, doCenterCrop = true, doRescale = true,
       doNormalize = true;
  bool fixedSize = false;   // resize to resizeHeight x resizeWidth
  bool torchvision = false; // BitImageProcessorFast, not BitImageProcessor
  int64_t resample = 3;     // PIL filter number
  int64_t shortestEdge = 224;
  int64_t resizeHeight = 0, resizeWidth = 0;
  int64_t cropHeight = 224, cropWidth = 224;
  double rescaleFactor = 1.0 / 255.0;
  double mean[3] = {0.48145466, 0.4578275, 0.40821073};
  double std[3] = {0.26862954, 0.26130258, 0.27577711};
};

/// One result of @forward as the C API hands it out: `[batch][channels]`
/// (logits, pooler_output: height = width = 1) or `[batch][C][H][W]`.
struct OutputInfo {
  std::string name; // Hugging Face's: "logits", "pooler_output", "stage1"...
  int64_t channels = 0, height = 1, width = 1;
  bool featureMap = false; // NCHW, else [batch][channels]
  int64_t floats() const { return channels * height * width; }
};

struct ModelPlan {
  std::vector<std::string> kernelSymbols;
  std::vector<std::string> kernelKinds; // e.g. "conv 3x3/1 64->64 @56x56"
  std::vector<KernelCall> calls;
  std::vector<uint8_t> weights; // packed, 64-byte aligned sections
  int64_t workspaceBytes = 0;
  int64_t batch = 1;
  int64_t channels = 0, height = 0, width = 0;
  std::vector<std::string> labels;
  std::vector<OutputInfo> outputs; // in --outputs order
  int64_t macs = 0;     // of the model's layers, convolutions as direct ones
  int64_t macsDone = 0; // what the kernels do (Winograd's fewer products)
  PreprocessPlan preprocess;
  std::string precision = "fp32"; // ObjectOptions::precision
};

/// Whether pooler_output is an output: the object then has _embed_<format>.
inline bool hasEmbedding(const ModelPlan &plan) {
  for (const OutputInfo &output : plan.outputs)
    if (output.name == "pooler_output")
      return true;
  return false;
}

} // namespace bitc

#endif // BITC_CODEGEN_MODELPLAN_H
