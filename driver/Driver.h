//===- Driver.h - A checkpoint path to a lowered module ---------*- C++ -*-===//
//
// The one way every command goes from a checkpoint to IR: openModel reads and
// checks the checkpoint and resolves the input size (once), importModel
// builds the `bit` module of the requested outputs, runDefaultPipeline lowers
// it. Artifacts.h writes what `bitc compile` emits from the lowered module.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_DRIVER_DRIVER_H
#define BITC_DRIVER_DRIVER_H

#include "driver/ModelLoader.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "passes/Passes.h"
#include "llvm/Support/Error.h"

namespace bitc {

struct ModelOptions {
  LoadOptions load;
  std::string imageSize; // --image-size "N" or "HxW"; "" = the checkpoint's
  int64_t batch = 1;
};

/// A checkpoint read and checked, with the input size it is compiled for.
struct Model {
  LoadedModel loaded;
  int64_t batch = 1;
  int64_t height = 0, width = 0;
};

struct LoweringOptions {
  bool runPasses = true;
  mlir::bit::PipelineOptions pipeline;
  bool printIRAfterAll = false;
};

/// Loads `path` (loadModel) and resolves the input size (resolveImageSize).
llvm::Expected<Model> openModel(llvm::StringRef path,
                                const ModelOptions &options);

/// Imports `model` returning `outputs` (the --outputs list; "" = the
/// checkpoint's default). The module's weights alias the model's store,
/// which must outlive it.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(mlir::MLIRContext &context, const Model &model,
            llvm::StringRef outputs);

/// Runs the default pass pipeline (when options.runPasses) on `module`.
/// Diagnostics become one-line errors.
llvm::Error runDefaultPipeline(mlir::ModuleOp module,
                               const LoweringOptions &options);

/// Input height and width from `--image-size` ("N" or "HxW"), or the
/// preprocessor's crop size, or (no crop) its fixed resize size or square
/// shortest edge, or 224.
llvm::Expected<std::pair<int64_t, int64_t>>
resolveImageSize(const std::string &flag, const PreprocessorConfig &pre);

} // namespace bitc

#endif // BITC_DRIVER_DRIVER_H
