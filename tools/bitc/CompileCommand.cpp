//===- CompileCommand.cpp - bitc compile ----------------------------------===//

#include "codegen/ObjectCompiler.h"
#include "codegen/PlanPrinter.h"
#include "codegen/Precision.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "tools/bitc/CommandLine.h"
#include "tools/bitc/Commands.h"
#include "tools/bitc/FatalErrors.h"
#include "tools/bitc/Lowering.h"
#include "tools/bitc/ModelLoader.h"
#include "tools/bitc/OutputFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

namespace po = boost::program_options;

namespace bitc {

namespace {

struct CompileOptions {
  std::string modelDir;
  std::string output;
  std::string emit = "obj";
  std::string name = "model";
  std::string target = "host";
  unsigned threads = 2;
  bool quiet = false;
  bool verbose = false;
  bool elideWeights = false;
  bool profile = false;
  WinogradPolicy winograd = WinogradPolicy::Auto;
  std::string preprocessing; // --preprocessing: "", "pil" or "fast"
  PrecisionRequest precision;
  LoweringOptions lowering;
  LoadOptions load;
};

/// ModelRuntime.bc next to the tools: <prefix>/lib/bitc/ (BITC_RUNTIME_BITCODE
/// overrides it).
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

bool isCIdentifier(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

/// The BitImageProcessor settings the object's <name>_preprocess_rgb8 uses,
/// producing a `height` x `width` model input. When --image-size differs
/// from crop_size, the crop becomes the input size and the resize target
/// scales with it (a 448 model compiled at 224 resizes to 224).
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

/// Progress on a terminal (one line rewritten in place: import, passes,
/// plan, kernels k/n, runtime, emit) and, with -v, one timing line per phase.
class PhaseReporter {
public:
  using Clock = std::chrono::steady_clock;
  PhaseReporter(bool live, bool verbose) : live(live), verbose(verbose) {}
  ~PhaseReporter() { finish(); }

  void begin(const std::string &phase) {
    finish();
    current = phase;
    started = Clock::now();
    show("bitc: " + phase + "...");
  }
  void kernels(size_t done, size_t total) {
    if (current != "kernels")
      begin("kernels");
    show(llvm::formatv("bitc: kernels {0}/{1}", done, total).str());
  }
  /// Ends the current phase (printing its time with -v).
  void finish() {
    if (current.empty())
      return;
    clear();
    if (verbose)
      llvm::errs() << llvm::formatv("bitc: {0,-8} {1,7:F2} s\n", current,
                                    seconds(started));
    current.clear();
  }
  static double seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  }

private:
  void show(const std::string &line) {
    if (!live)
      return;
    llvm::errs() << "\r\x1b[K" << line;
    llvm::errs().flush();
    shown = true;
  }
  void clear() {
    if (live && shown)
      llvm::errs() << "\r\x1b[K";
    shown = false;
  }
  bool live, verbose, shown = false;
  std::string current;
  Clock::time_point started;
};

int compile(const CompileOptions &options) {
  const auto start = PhaseReporter::Clock::now();
  PhaseReporter phases(!options.quiet &&
                           llvm::sys::Process::StandardErrIsDisplayed(),
                       options.verbose && !options.quiet);
  // The C header goes next to the object: m.o -> m.h.
  llvm::SmallString<256> headerPath(options.output);
  llvm::sys::path::replace_extension(headerPath, "h");
  // Outputs that cannot be written are refused before any work is done.
  std::vector<llvm::StringRef> outputs = {options.output};
  if (options.emit != "mlir" && options.emit != "plan")
    outputs.push_back(headerPath);
  for (llvm::StringRef path : outputs)
    if (llvm::Error err = checkOutputPath(path)) {
      reportError(llvm::toString(std::move(err)));
      return 1;
    }
  setFatalErrorSubject(options.modelDir);
  phases.begin("import");
  auto model = loadModel(options.modelDir, options.load);
  if (!model) {
    phases.finish();
    reportError(llvm::toString(model.takeError()));
    return 1;
  }
  mlir::MLIRContext context;
  LoweringOptions importOnly = options.lowering;
  importOnly.runPasses = false;
  auto module = lowerModel(context, *model, importOnly);
  if (module && options.lowering.runPasses) {
    phases.begin("passes");
    if (llvm::Error err = runDefaultPipeline(**module, options.lowering))
      module = std::move(err);
  }
  phases.finish();
  if (!module) {
    reportError(llvm::toString(module.takeError()));
    return 1;
  }

  if (options.emit == "mlir") {
    llvm::Error err = writeFileAtomically(
        options.output, [&](llvm::raw_ostream &os) -> llvm::Error {
          mlir::OpPrintingFlags flags;
          if (options.elideWeights)
            flags.elideLargeResourceString(64);
          (*module)->print(os, flags);
          return llvm::Error::success();
        });
    if (err) {
      reportError(llvm::toString(std::move(err)));
      return 1;
    }
    return 0;
  }
  ObjectOptions object;
  object.name = options.name;
  object.target = options.target;
  object.kind = options.emit == "lib"      ? OutputKind::Archive
                : options.emit == "shared" ? OutputKind::SharedLibrary
                                           : OutputKind::Object;
  object.objectPath = options.output;
  object.headerPath = headerPath.str().str();
  object.runtimeBitcode = runtimeBitcodePath();
  object.threads = options.threads;
  object.profile = options.profile;
  object.winograd = options.winograd;
  if (options.emit == "plan") {
    if (llvm::Error err =
            writeFileAtomically(options.output, [&](llvm::raw_ostream &os) {
              return printKernelPlan(os, **module, object);
            })) {
      reportError(llvm::toString(std::move(err)));
      return 1;
    }
    return 0;
  }
  auto size = resolveImageSize(options.lowering.imageSize, model->preprocessor);
  if (!size) {
    reportError(llvm::toString(size.takeError()));
    return 1;
  }
  auto processor = chooseImageProcessor(model->preprocessor,
                                        options.preprocessing, "compile");
  if (!processor) {
    reportError(llvm::toString(processor.takeError()));
    return 1;
  }
  object.preprocess = makePreprocessPlan(model->preprocessor, *processor,
                                         size->first, size->second);
  object.progress = [&phases](const std::string &phase, size_t done,
                              size_t total) {
    if (phase == "kernels")
      phases.kernels(done, total);
    else
      phases.begin(phase);
  };
  phases.begin("plan");
  auto summary = compileObject(**module, object);
  phases.finish();
  if (!summary) {
    reportError(llvm::toString(summary.takeError()));
    return 1;
  }
  auto macs = [](int64_t n) {
    return n >= 1e9 ? llvm::formatv("{0:F2} GMAC", n / 1e9).str()
                    : llvm::formatv("{0:F2} MMAC", n / 1e6).str();
  };
  // What the kernels multiply when Winograd replaces direct convolutions
  // (bench/run.sh reads it for its "% of peak on the work done").
  std::string done =
      summary->macsDone == summary->macs
          ? ""
          : " (" + macs(summary->macsDone) + " done with Winograd)";
  if (!options.quiet)
    llvm::errs() << llvm::formatv(
        "bitc: wrote {0} ({1:F1} MB, {2} kernels, {3} calls, {4:F1} MB of "
        "weights) and {5} in {8:F1} s; workspace {6:F2} MB, {7} per "
        "forward{9}\n",
        options.output, summary->objectBytes / 1e6, summary->kernels,
        summary->calls, summary->weightBytes / 1e6, object.headerPath,
        summary->workspaceBytes / 1e6, macs(summary->macs),
        PhaseReporter::seconds(start), done);
  return 0;
}

} // namespace

int runCompileCommand(const std::vector<std::string> &args) {
  CompileOptions options;
  std::string wsEps, winograd;
  po::options_description visible(
      "usage: bitc compile MODEL_DIR -o OUT [options]\n\n"
      "Compiles a Hugging Face BiT checkpoint directory (config.json,\n"
      "model.safetensors or pytorch_model.bin, preprocessor_config.json) or "
      "one of\nGoogle's original BiT-*.npz files into a native object and "
      "a C header, or\ninto MLIR.\n\noptions");
  visible.add_options()("help,h", "show this help")("version",
                                                    "show the version")(
      "output,o", po::value<std::string>(&options.output),
      "output file ('-' for stdout with --emit=mlir or plan)")(
      "emit", po::value<std::string>(&options.emit)->default_value("obj"),
      "what to write: obj (object + header), lib (static archive + header), "
      "shared (shared library exporting the C API + header), mlir or plan "
      "(the kernel plan as text)")(
      "target", po::value<std::string>(&options.target)->default_value("host"),
      "Halide target string of the kernels (host = this machine)")(
      "jobs,j", po::value<unsigned>(&options.threads)->default_value(2),
      "kernels compiled in parallel")(
      "quiet,q", po::bool_switch(&options.quiet), "print nothing but errors")(
      "verbose,v", po::bool_switch(&options.verbose),
      "also print the time of every phase")(
      "name", po::value<std::string>(&options.name)->default_value("model"),
      "C symbol prefix of the generated API")(
      "image-size", po::value<std::string>(&options.lowering.imageSize),
      "input size N or HxW (default: crop_size of preprocessor_config.json, "
      "or without a crop its resize size, else 224)")(
      "batch", po::value<int64_t>(&options.lowering.batch)->default_value(1),
      "static batch size of the compiled forward")(
      "stats-tile-pixels",
      po::value<int64_t>(&options.lowering.pipeline.statsTilePixels)
          ->default_value(1024),
      "pixels per group-norm statistics tile")(
      "mlir-print-ir-after-all", "print the IR after every pass to stderr")(
      "elide-weights", po::bool_switch(&options.elideWeights),
      "with --emit=mlir: print weight blobs as placeholders")(
      "profile", po::bool_switch(&options.profile),
      "time every kernel call; each forward call prints a table per kernel "
      "and per op to stderr (BITC_PROFILE_EVERY=N: every N calls, 0: never)")(
      "winograd", po::value<std::string>(&winograd)->default_value("auto"),
      "stride-1 3x3 convolutions as Winograd F(4x4)/F(2x2) kernels: off, on "
      "(every one) or auto (where faster than the direct kernel)");
  visible.add_options()(
      "precision",
      po::value<std::string>(&options.precision.precision)
          ->default_value("fp32"),
      "arithmetic of the convolutions: fp32, int8 (needs --calibration) or "
      "bf16; int8 and bf16 are not implemented yet (docs/precision.md)")(
      "calibration", po::value<std::string>(),
      "int8: a folder of PNG, JPEG or PPM images run through the model's "
      "preprocessing to choose the activation scales")(
      "calibration-count", po::value<long long>(),
      "int8: use only the first N calibration images (name order)");
  addOutputsOption(visible, options.lowering.outputs);
  addPipelineSwitches(visible);
  addPreprocessingOption(visible, options.preprocessing);
  addCheckpointOptions(visible, options.load, wsEps);
  po::variables_map vm;
  if (std::optional<int> done =
          parseCommandLine("compile", args, visible, options.modelDir, vm))
    return *done;
  if (options.modelDir.empty()) {
    reportError("compile: missing MODEL_DIR (see bitc compile --help)");
    return 1;
  }
  if (options.output.empty()) {
    reportError("compile: missing -o OUT (see bitc compile --help)");
    return 1;
  }
  if (options.emit != "obj" && options.emit != "lib" &&
      options.emit != "shared" && options.emit != "mlir" &&
      options.emit != "plan") {
    reportError(
        "compile: --emit must be obj, lib, shared, mlir or plan, got '" +
        options.emit + "'");
    return 1;
  }
  if (std::optional<WinogradPolicy> policy = parseWinogradPolicy(winograd)) {
    options.winograd = *policy;
  } else {
    reportError("compile: --winograd must be on, off or auto, got '" +
                winograd + "'");
    return 1;
  }
  if (!checkPreprocessingOption("compile", options.preprocessing))
    return 1;
  if (vm.count("calibration"))
    options.precision.calibrationDir = vm["calibration"].as<std::string>();
  if (vm.count("calibration-count"))
    options.precision.calibrationCount =
        vm["calibration-count"].as<long long>();
  if (!checkOutputsOption(vm, options.lowering.outputs))
    return 1;
  if (!isCIdentifier(options.name)) {
    reportError("compile: --name '" + options.name +
                "' must be a C identifier");
    return 1;
  }
  if (options.lowering.batch < 1 || options.lowering.batch > 4096) {
    reportError("compile: --batch must be between 1 and 4096, got " +
                std::to_string(options.lowering.batch));
    return 1;
  }
  // Checked here, not when code generation starts after a minutes-long
  // import; --emit=mlir does not use it.
  if (options.emit != "mlir")
    if (llvm::Error err = checkKernelTarget(options.target)) {
      reportError("compile: " + llvm::toString(std::move(err)));
      return 1;
    }
  if (auto choice = choosePrecision(options.precision, options.target);
      !choice) {
    reportError(llvm::toString(choice.takeError()));
    return 1;
  }
  if (!applyCheckpointOptions("compile", vm, wsEps, options.load))
    return 1;
  options.load.quiet = options.quiet;
  if (options.lowering.pipeline.statsTilePixels < 1) {
    reportError("compile: --stats-tile-pixels must be positive");
    return 1;
  }
  applyPipelineSwitches(vm, options.lowering);
  options.lowering.printIRAfterAll = vm.count("mlir-print-ir-after-all");
  return compile(options);
}

} // namespace bitc
