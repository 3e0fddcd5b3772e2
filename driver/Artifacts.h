//===- Artifacts.h - What bitc compile writes from a lowered module -*- C++
//-*-===//

#ifndef BITC_DRIVER_ARTIFACTS_H
#define BITC_DRIVER_ARTIFACTS_H

#include "codegen/ObjectCompiler.h"
#include "codegen/Precision.h"
#include "driver/Driver.h"
#include "driver/PhaseReporter.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <string>

namespace bitc {

enum class EmitKind { Object, Archive, SharedLibrary, Mlir, Plan };

/// "obj", "lib", "shared", "mlir", "plan".
std::optional<EmitKind> parseEmitKind(llvm::StringRef text);

struct ArtifactOptions {
  EmitKind emit = EmitKind::Object;
  /// The artifact; "-" is stdout for mlir and plan. The header of an
  /// object, archive or shared library is this path with extension .h.
  std::string output;
  /// --preprocessing: "", "pil" or "fast".
  std::string preprocessing;
  /// --emit=mlir: weight blobs printed as placeholders.
  bool elideWeights = false;
  /// Name, target, threads, profile, Winograd policy and progress of the
  /// object; the paths, kind, runtime and preprocessing are filled in.
  ObjectOptions object;
};

/// Whether `name` can prefix the object's C symbols (--name).
bool isCIdentifier(llvm::StringRef name);

/// The header written next to an object: m.o -> m.h.
std::string headerPathFor(llvm::StringRef output);

/// Every path the artifact will write, checked once before any work is done
/// ("<path>: cannot write: ..."), and the header not replacing the object.
llvm::Error checkArtifactPaths(const ArtifactOptions &options);

/// Writes the artifact of the lowered `module` of `model`: the MLIR, the
/// kernel plan, or (returned with its summary) the object and its header.
/// The module's weights are consumed by the plan and the object.
llvm::Expected<std::optional<ObjectSummary>>
writeArtifact(mlir::ModuleOp module, const Model &model,
              const ArtifactOptions &options);

/// Everything `bitc compile` is asked for.
struct CompileRequest {
  ModelOptions model;
  std::string outputs; // --outputs; "" = the checkpoint's default
  LoweringOptions lowering;
  ArtifactOptions artifact;
  /// int8: the lowered module is calibrated (calibrateInt8) before planning.
  PrecisionChoice precision;
};

/// `bitc compile`: checks the output paths, opens and imports the model,
/// lowers it and writes the artifact (writeArtifact), reporting each phase to
/// `phases`, which is finished before an error is returned.
llvm::Expected<std::optional<ObjectSummary>>
compileModel(llvm::StringRef path, CompileRequest &request,
             PhaseReporter &phases);

/// The BitImageProcessor settings the object's <name>_preprocess_rgb8 uses,
/// producing a `height` x `width` model input. When --image-size differs
/// from crop_size, the crop becomes the input size and the resize target
/// scales with it (a 448 model compiled at 224 resizes to 224).
PreprocessPlan makePreprocessPlan(const PreprocessorConfig &pre,
                                  ImageProcessor processor, int64_t height,
                                  int64_t width);

/// ModelRuntime.bc next to the tools: <prefix>/lib/bitc/
/// (BITC_RUNTIME_BITCODE overrides it).
std::string runtimeBitcodePath();

} // namespace bitc

#endif // BITC_DRIVER_ARTIFACTS_H
