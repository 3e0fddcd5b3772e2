//===- Artifacts.cpp - What bitc compile writes from a lowered module -----===//

#include "driver/Artifacts.h"
#include "codegen/PlanPrinter.h"
#include "driver/Calibration.h"
#include "driver/FatalErrors.h"
#include "driver/OutputFile.h"
#include "frontend/JsonUtil.h"
#include "ir/BitOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace bitc {

std::optional<EmitKind> parseEmitKind(llvm::StringRef text) {
  return llvm::StringSwitch<std::optional<EmitKind>>(text)
      .Case("obj", EmitKind::Object)
      .Case("lib", EmitKind::Archive)
      .Case("shared", EmitKind::SharedLibrary)
      .Case("mlir", EmitKind::Mlir)
      .Case("plan", EmitKind::Plan)
      .Default(std::nullopt);
}

bool isCIdentifier(llvm::StringRef name) {
  if (name.empty() || llvm::isDigit(name[0]))
    return false;
  return llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

static bool hasHeader(EmitKind emit) {
  return emit != EmitKind::Mlir && emit != EmitKind::Plan;
}

std::string headerPathFor(llvm::StringRef output) {
  llvm::SmallString<256> path(output);
  llvm::sys::path::replace_extension(path, "h");
  return path.str().str();
}

llvm::Error checkArtifactPaths(const ArtifactOptions &options) {
  if (llvm::Error err = checkOutputPath(options.output))
    return err;
  if (!hasHeader(options.emit))
    return llvm::Error::success();
  std::string header = headerPathFor(options.output);
  if (llvm::Error err = checkOutputPath(header))
    return err;
  if (header == options.output)
    return makeError(options.output +
                     ": the output would be replaced by its header (choose a "
                     "name that does not end in .h)");
  return llvm::Error::success();
}

llvm::Expected<std::optional<ObjectSummary>>
writeArtifact(mlir::ModuleOp module, const Model &model,
              const ArtifactOptions &options) {
  if (options.emit == EmitKind::Mlir) {
    if (llvm::Error err = writeFileAtomically(
            options.output, [&](llvm::raw_ostream &os) -> llvm::Error {
              mlir::OpPrintingFlags flags;
              if (options.elideWeights)
                flags.elideLargeResourceString(64);
              module->print(os, flags);
              return llvm::Error::success();
            }))
      return std::move(err);
    return std::nullopt;
  }
  ObjectOptions object = options.object;
  object.kind = options.emit == EmitKind::Archive ? OutputKind::Archive
                : options.emit == EmitKind::SharedLibrary
                    ? OutputKind::SharedLibrary
                    : OutputKind::Object;
  object.objectPath = options.output;
  object.headerPath = headerPathFor(options.output);
  object.runtimeBitcode = runtimeBitcodePath();
  if (options.emit == EmitKind::Plan) {
    if (llvm::Error err =
            writeFileAtomically(options.output, [&](llvm::raw_ostream &os) {
              return printKernelPlan(os, module, object);
            }))
      return std::move(err);
    return std::nullopt;
  }
  const PreprocessorConfig &pre = model.loaded.preprocessor;
  auto processor = chooseImageProcessor(pre, options.preprocessing, "compile");
  if (!processor)
    return processor.takeError();
  object.preprocess =
      makePreprocessPlan(pre, *processor, model.height, model.width);
  auto summary = compileObject(module, object);
  if (!summary)
    return summary.takeError();
  return std::optional<ObjectSummary>(*summary);
}

/// calibrateInt8 with the preprocessing the object will have.
static llvm::Error calibrate(mlir::ModuleOp module, const Model &model,
                             const CompileRequest &request) {
  const PreprocessorConfig &pre = model.loaded.preprocessor;
  auto processor =
      chooseImageProcessor(pre, request.artifact.preprocessing, "compile");
  if (!processor)
    return processor.takeError();
  return calibrateInt8(
      module, makePreprocessPlan(pre, *processor, model.height, model.width),
      request.precision.calibrationImages);
}

llvm::Expected<std::optional<ObjectSummary>>
compileModel(llvm::StringRef path, CompileRequest &request,
             PhaseReporter &phases) {
  ArtifactOptions &artifact = request.artifact;
  // Outputs that cannot be written are refused before any work is done.
  if (llvm::Error err = checkArtifactPaths(artifact))
    return std::move(err);
  setFatalErrorSubject(path);
  phases.begin("import");
  auto model = openModel(path, request.model);
  if (!model) {
    phases.finish();
    return model.takeError();
  }
  mlir::MLIRContext context;
  auto module = importModel(context, *model, request.outputs);
  if (module && request.lowering.runPasses) {
    phases.begin("passes");
    if (llvm::Error err = runDefaultPipeline(**module, request.lowering))
      module = std::move(err);
  }
  if (module && request.precision.precision == Precision::Bf16)
    (*module)->walk([](mlir::bit::Conv2DOp conv) {
      conv->setAttr(kBf16Attr, mlir::UnitAttr::get(conv.getContext()));
    });
  if (module && request.precision.precision == Precision::Int8) {
    phases.begin("calibration");
    if (llvm::Error err = calibrate(**module, *model, request))
      module = std::move(err);
  }
  phases.finish();
  if (!module)
    return module.takeError();
  artifact.object.progress = phases.progress();
  if (hasHeader(artifact.emit))
    phases.begin("plan");
  auto summary = writeArtifact(**module, *model, artifact);
  phases.finish();
  return summary;
}

PreprocessPlan makePreprocessPlan(const PreprocessorConfig &pre,
                                  ImageProcessor processor, int64_t height,
                                  int64_t width) {
  PreprocessPlan plan;
  plan.torchvision = processor == ImageProcessor::Torchvision;
  plan.doResize = pre.doResize;
  plan.fixedSize = pre.resizeToFixedSize;
  plan.resample = static_cast<int64_t>(pre.resample);
  plan.shortestEdge = pre.shortestEdge;
  plan.resizeHeight = pre.resizeHeight;
  plan.resizeWidth = pre.resizeWidth;
  plan.doCenterCrop = pre.doCenterCrop;
  plan.cropHeight = pre.cropHeight;
  plan.cropWidth = pre.cropWidth;
  plan.doRescale = pre.doRescale;
  plan.rescaleFactor = pre.rescaleFactor;
  plan.doNormalize = pre.doNormalize;
  for (int c = 0; c < 3; ++c) {
    plan.mean[c] = pre.imageMean[c];
    plan.std[c] = pre.imageStd[c];
  }
  auto scaled = [](int64_t size, int64_t to, int64_t from) {
    return std::max<int64_t>(1, std::llround(static_cast<double>(size) * to /
                                             static_cast<double>(from)));
  };
  if (plan.doCenterCrop &&
      (plan.cropHeight != height || plan.cropWidth != width)) {
    plan.shortestEdge = scaled(plan.shortestEdge, std::min(height, width),
                               std::min(plan.cropHeight, plan.cropWidth));
    plan.resizeHeight = scaled(plan.resizeHeight, height, plan.cropHeight);
    plan.resizeWidth = scaled(plan.resizeWidth, width, plan.cropWidth);
    plan.cropHeight = height;
    plan.cropWidth = width;
  } else if (!plan.doCenterCrop && plan.doResize && plan.fixedSize) {
    plan.resizeHeight = height;
    plan.resizeWidth = width;
  }
  return plan;
}

std::string runtimeBitcodePath() {
  if (const char *path = std::getenv("BITC_RUNTIME_BITCODE"))
    return path;
  std::string exe = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&runtimeBitcodePath));
  llvm::SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(path, "lib", "bitc", "ModelRuntime.bc");
  return path.str().str();
}

} // namespace bitc
