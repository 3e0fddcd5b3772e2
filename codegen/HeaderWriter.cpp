//===- HeaderWriter.cpp - The generated C header --------------------------===//

#include "codegen/HeaderWriter.h"
#include "codegen/RuntimeAbi.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include <cctype>
#include <cstdio>

namespace bitc {

namespace {

/// One line for the header comment, e.g. "resize the shortest edge to 448
/// (bilinear), center crop 448x448, x 1/255, normalize mean [0.5, 0.5, 0.5]
/// std [0.5, 0.5, 0.5]".
std::string describePreprocessing(const ModelPlan &plan) {
  const PreprocessPlan &pre = plan.preprocess;
  auto num = [](double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.8g", v);
    return std::string(buffer);
  };
  static const char *filters[] = {"nearest", "lanczos", "bilinear",
                                  "bicubic", "box",     "hamming"};
  std::string text = plan.channels == 1 ? "PIL \"L\" luma, " : "";
  const char *filter =
      pre.resample >= 0 && pre.resample < 6 ? filters[pre.resample] : "bicubic";
  if (pre.doResize)
    text += pre.fixedSize
                ? llvm::formatv("resize to {0}x{1} ({2}), ", pre.resizeWidth,
                                pre.resizeHeight, filter)
                      .str()
                : llvm::formatv("resize the shortest edge to {0} ({1}), ",
                                pre.shortestEdge, filter)
                      .str();
  if (pre.doCenterCrop)
    text +=
        llvm::formatv("center crop {0}x{1}, ", pre.cropWidth, pre.cropHeight)
            .str();
  if (pre.doRescale)
    text +=
        "x " +
        (pre.rescaleFactor == 1.0 / 255.0 ? "1/255" : num(pre.rescaleFactor)) +
        ", ";
  if (pre.doNormalize) {
    auto triple = [&](const double *v) {
      return plan.channels == 1
                 ? num(v[0])
                 : "[" + num(v[0]) + ", " + num(v[1]) + ", " + num(v[2]) + "]";
    };
    text +=
        "normalize mean " + triple(pre.mean) + " std " + triple(pre.std) + ", ";
  }
  text += "CHW float32";
  return text;
}

std::string upperCase(const std::string &text) {
  std::string upper;
  for (char c : text)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

/// The macros of every output: its index, shape and floats per image.
std::string describeOutputs(const ModelPlan &plan, const std::string &upper) {
  std::string sizes;
  for (const OutputInfo &output : plan.outputs)
    sizes += (sizes.empty() ? "" : ", ") + std::to_string(output.floats());
  std::string text = llvm::formatv(
      "/* Outputs of _forward_outputs, in --outputs order; floats per image "
      "of\n   each, as an array initializer. */\n"
      "#define {0}_NUM_OUTPUTS {1}\n#define {0}_OUTPUT_SIZES {{{2}}\n",
      upper, plan.outputs.size(), sizes);
  for (size_t k = 0; k < plan.outputs.size(); ++k) {
    const OutputInfo &output = plan.outputs[k];
    std::string macro = upper + "_OUTPUT_" + upperCase(output.name);
    text += llvm::formatv(
        "/* output {0}: {1}, [batch][{2}]{3} float32{4} */\n"
        "#define {5}_INDEX {0}\n#define {5}_CHANNELS {2}\n"
        "#define {5}_HEIGHT {6}\n#define {5}_WIDTH {7}\n"
        "#define {5}_SIZE {8}\n",
        k, output.name, output.channels,
        output.featureMap
            ? llvm::formatv("[{0}][{1}]", output.height, output.width).str()
            : "",
        k == 0 ? ", what _forward writes" : "", macro, output.height,
        output.width, output.floats());
  }
  return text;
}

/// `_embed_<layout>`, when pooler_output is an output.
std::string describeEmbed(const ModelPlan &plan, const std::string &name,
                          const std::string &upper) {
  if (!hasEmbedding(plan))
    return "";
  std::string text = llvm::formatv(
      R"(
/* {0}_preprocess_<layout>, then the forward pass on that one image;
   embedding: [{1}_OUTPUT_POOLER_OUTPUT_SIZE] floats, the pooled features
   (Hugging Face's pooler_output). Returns the codes of either. */
)",
      name, upper);
  for (const char *layout : {"rgb8", "bgr8", "rgba8", "bgra8", "gray8"})
    text += llvm::formatv("int {0}_embed_{1}(const uint8_t *data, int width, "
                          "int height, int row_stride,\n    float "
                          "*embedding);\n",
                          name, layout)
                .str();
  return text;
}

/// `#define <UPPER>_ERROR_... (-n) /* meaning */` for every code of enum
/// bitc_status (RuntimeAbi.h), comments aligned.
std::string statusCodeMacros(const std::string &name,
                             const std::string &upper) {
  std::string text;
  for (const abi::StatusCode &code : abi::kStatusCodes) {
    std::string define =
        code.value == 0
            ? llvm::formatv("#define {0}_{1} {2}", upper, code.name, code.value)
                  .str()
            : llvm::formatv("#define {0}_{1} ({2})", upper, code.name,
                            code.value)
                  .str();
    if (*code.meaning)
      define = llvm::formatv("{0} /* {1} */",
                             llvm::left_justify(define, upper.size() + 40),
                             llvm::formatv(code.meaning, name).str())
                   .str();
    text += define + "\n";
  }
  return text;
}

} // namespace

std::string generateHeader(const ModelPlan &plan, const std::string &name,
                           const std::string &linkCommand) {
  std::string upper = upperCase(name);
  std::string guard = upper + "_H";
  return llvm::formatv(
             R"(/* Generated by bitc. Link with: {14} */
#ifndef {2}
#define {2}

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {{
#endif

#define {1}_INPUT_CHANNELS {3}
#define {1}_INPUT_HEIGHT {4}
#define {1}_INPUT_WIDTH {5}
/* Labels of the classifier (0 without one, or with num_labels 0); the
   logits output has this many channels when there are labels. */
#define {1}_NUM_LABELS {6}
{11}/* Images per kernel call; any batch >= 1 is accepted at run time. */
#define {1}_COMPILED_BATCH {7}
/* Bytes of the kernels' intermediate tensors, the bulk of a workspace
   ({0}_workspace_size gives the exact size for a batch). */
#define {1}_WORKSPACE_BYTES {8}
/* A caller's workspace starts at a multiple of this many bytes. */
#define {1}_WORKSPACE_ALIGNMENT 64
/* Arithmetic of the convolutions (bitc compile --precision): "fp32",
   "int8" (calibrated 8-bit convolutions, the rest fp32) or "bf16" (bf16
   inputs and filters summed in fp32, the rest fp32). */
#define {1}_PRECISION "{15}"

/* Return codes: 0 = success, negative = an error ({0}_error_string says
   which; the outputs are then not to be used). Every function below lists
   the ones it returns. */
{13}
/* pixels: [batch][{1}_INPUT_CHANNELS][{1}_INPUT_HEIGHT][{1}_INPUT_WIDTH]
   float32, already preprocessed; out: the first output (output 0 above),
   [batch][{1}_OUTPUT_..._SIZE] floats. An image with a NaN pixel gets NaN
   outputs (as in PyTorch).
   Thread-safe and reentrant: each call allocates and frees its own
   workspace; the object keeps no state between calls.
   Returns OK, ERROR_NULL_ARGUMENT, ERROR_BAD_BATCH, ERROR_BATCH_TOO_LARGE,
   ERROR_OUT_OF_MEMORY or ERROR_KERNEL_FAILED. */
int {0}_forward(const float *pixels, int batch, float *out);

/* Every output at once: outputs[k] receives output k (in --outputs order),
   [batch][C][H][W] float32 ([batch][C] for logits and pooler_output);
   {1}_NUM_OUTPUTS pointers, none NULL. Returns the codes of _forward. */
int {0}_forward_outputs(const float *pixels, int batch,
                        float *const outputs[]);

/* Bytes of workspace {0}_forward_with_workspace needs for `batch` images
   on the threads set now: a batch runs its chunks of {1}_COMPILED_BATCH
   images in parallel, a slot of {0}_workspace_size(1) bytes per chunk in
   progress: one per thread, or, where the batch has the chunks and the CPU
   has 2 MB of L2 or more, a group of up to 4 per thread stepped through
   the network together (each kernel's weights then come from memory once
   per group; the environment variable BITC_CHUNK_GROUP=1..4, read at the
   first call, sets the most), as long as all stay below 32 MB; a smaller
   workspace, down to one slot, runs fewer chunks at a time, to the same
   results. 0 when batch < 1 or the batch's arrays cannot be addressed. */
size_t {0}_workspace_size(int batch);

/* {0}_forward in a workspace the caller owns: {0}_workspace_size(batch)
   bytes (any batch runs in {0}_workspace_size(1), one chunk at a time),
   {1}_WORKSPACE_ALIGNMENT-aligned, used by
   one call at a time (its contents need no initialization and are garbage
   afterwards). Allocates nothing, so a workspace kept between calls saves
   the page faults of a fresh one.
   Returns OK, ERROR_NULL_ARGUMENT, ERROR_BAD_BATCH, ERROR_BATCH_TOO_LARGE,
   ERROR_WORKSPACE_MISALIGNED, ERROR_WORKSPACE_TOO_SMALL or
   ERROR_KERNEL_FAILED. */
int {0}_forward_with_workspace(const float *pixels, int batch, float *out,
                               void *workspace, size_t workspace_size);

/* {0}_forward_outputs in a workspace the caller owns, as above (the same
   {0}_workspace_size). Returns the codes of _forward_with_workspace. */
int {0}_forward_outputs_with_workspace(const float *pixels, int batch,
                                       float *const outputs[],
                                       void *workspace, size_t workspace_size);

/* The checkpoint's image processor (preprocessor_config.json) on one 8-bit
   image: {9}.
   Reproduces {10} bit for bit.
   Pixel layouts: _rgb8 (R, G, B), _bgr8 (B, G, R), _rgba8 (R, G, B, A),
   _bgra8 (B, G, R, A), one byte per channel, and _gray8 (one byte); each is
   made RGB first as PIL's Image.convert("RGB") does (alpha dropped, gray
   replicated).
   data: height rows of row_stride bytes; 1 <= width, height <= 32768;
   row_stride >= width * bytes per pixel (3, 3, 4, 4, 1).
   pixels: [{1}_INPUT_CHANNELS][{1}_INPUT_HEIGHT][{1}_INPUT_WIDTH] float32,
   what {0}_forward takes.
   Returns OK, ERROR_NULL_ARGUMENT, ERROR_BAD_IMAGE, ERROR_IMAGE_TOO_LARGE,
   ERROR_BAD_STRIDE, ERROR_PREPROCESS_SHAPE or ERROR_OUT_OF_MEMORY. */
int {0}_preprocess_rgb8(const uint8_t *rgb, int width, int height,
                        int row_stride, float *pixels);
int {0}_preprocess_bgr8(const uint8_t *bgr, int width, int height,
                        int row_stride, float *pixels);
int {0}_preprocess_rgba8(const uint8_t *rgba, int width, int height,
                         int row_stride, float *pixels);
int {0}_preprocess_bgra8(const uint8_t *bgra, int width, int height,
                         int row_stride, float *pixels);
int {0}_preprocess_gray8(const uint8_t *gray, int width, int height,
                         int row_stride, float *pixels);

/* {0}_preprocess_<layout>, then {0}_forward on that one image;
   logits: the first output of that image (the logits, [{1}_NUM_LABELS],
   when they are output 0). Returns the codes of either. */
int {0}_classify_rgb8(const uint8_t *rgb, int width, int height,
                      int row_stride, float *logits);
int {0}_classify_bgr8(const uint8_t *bgr, int width, int height,
                      int row_stride, float *logits);
int {0}_classify_rgba8(const uint8_t *rgba, int width, int height,
                       int row_stride, float *logits);
int {0}_classify_bgra8(const uint8_t *bgra, int width, int height,
                       int row_stride, float *logits);
int {0}_classify_gray8(const uint8_t *gray, int width, int height,
                       int row_stride, float *logits);
{12}
/* The id2label name of a class, or NULL when out of range. */
const char *{0}_label(int index);

/* The name of output k ("logits", "pooler_output", "last_hidden_state",
   "stem", "stage1", ...), or NULL when out of range. */
const char *{0}_output_name(int index);

/* A static English description of a return code ("unknown error code"
   for codes not listed above); never NULL. */
const char *{0}_error_string(int code);

/* Worker threads of the Halide thread pool, the one piece of process-wide
   state (shared by every bitc model in the program); < 1 means 1. */
void {0}_set_num_threads(int threads);

/* One line of JSON describing this model for programs without this header
   (FFI bindings such as python/bitc): {{"bitc_model_info": 1, "name": "{0}",
   "input": [C, H, W], "compiled_batch": B, "num_labels": L,
   "workspace_bytes": W, "outputs": [{{"name": "logits", "shape": [L]}]};
   shapes are per image. Static, never NULL. */
const char *{0}_info_json(void);

#ifdef __cplusplus
}
#endif

#endif /* {2} */
)",
             name, upper, guard, plan.channels, plan.height, plan.width,
             plan.labels.size(), plan.batch, plan.workspaceBytes,
             describePreprocessing(plan),
             plan.preprocess.torchvision
                 ? "BitImageProcessorFast (torchvision 0.14 on uint8 "
                   "tensors, antialiased resize, rescale fused into "
                   "normalize)"
                 : "BitImageProcessor (PIL resize + numpy)",
             describeOutputs(plan, upper), describeEmbed(plan, name, upper),
             statusCodeMacros(name, upper), linkCommand, plan.precision)
      .str();
}

} // namespace bitc
