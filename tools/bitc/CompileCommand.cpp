//===- CompileCommand.cpp - bitc compile ----------------------------------===//

#include "codegen/Precision.h"
#include "driver/Artifacts.h"
#include "tools/bitc/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

namespace po = boost::program_options;

namespace bitc {
namespace {

struct CompileOptions {
  std::string modelDir;
  bool quiet = false, verbose = false;
  SharedOptions shared;
  CompileRequest request;
  PrecisionRequest precision;
};

std::string macs(int64_t n) {
  return n >= 1e9 ? llvm::formatv("{0:F2} GMAC", n / 1e9).str()
                  : llvm::formatv("{0:F2} MMAC", n / 1e6).str();
}

int compile(CompileOptions &options) {
  const auto start = PhaseReporter::Clock::now();
  PhaseReporter phases(!options.quiet &&
                           llvm::sys::Process::StandardErrIsDisplayed(),
                       options.verbose && !options.quiet);
  auto summary = compileModel(options.modelDir, options.request, phases);
  if (failed(summary))
    return 1;
  if (!*summary || options.quiet)
    return 0;
  // What the kernels multiply when Winograd replaces direct convolutions
  // (bench/run.sh reads it for its "% of peak on the work done").
  const ObjectSummary &s = **summary;
  std::string done = s.macsDone == s.macs
                         ? ""
                         : " (" + macs(s.macsDone) + " done with Winograd)";
  const std::string &output = options.request.artifact.output;
  llvm::errs() << llvm::formatv(
      "bitc: wrote {0} ({1:F1} MB, {2} kernels, {3} calls, {4:F1} MB of "
      "weights) and {5} in {8:F1} s; workspace {6:F2} MB, {7} per "
      "forward{9}\n",
      output, s.objectBytes / 1e6, s.kernels, s.calls, s.weightBytes / 1e6,
      headerPathFor(output), s.workspaceBytes / 1e6, macs(s.macs),
      PhaseReporter::seconds(start), done);
  return 0;
}

} // namespace

int runCompileCommand(const std::vector<std::string> &args) {
  CompileOptions options;
  ArtifactOptions &artifact = options.request.artifact;
  ObjectOptions &object = artifact.object;
  std::string emit, winograd, prefetch;
  po::options_description visible(
      "usage: bitc compile MODEL_DIR -o OUT [options]\n\n"
      "Compiles a Hugging Face BiT checkpoint directory (config.json,\n"
      "model.safetensors or pytorch_model.bin, preprocessor_config.json) or "
      "one of\nGoogle's original BiT-*.npz files into a native object and "
      "a C header, or\ninto MLIR.\n\noptions");
  addSharedOptions(visible, options.shared,
                   "input size N or HxW (default: crop_size of "
                   "preprocessor_config.json, or without a crop its resize "
                   "size, else 224)");
  visible.add_options()(
      "output,o", po::value<std::string>(&artifact.output),
      "output file ('-' for stdout with --emit=mlir or plan)")(
      "emit", po::value<std::string>(&emit)->default_value("obj"),
      "what to write: obj (object + header), lib (static archive + header), "
      "shared (shared library exporting the C API + header), mlir or plan "
      "(the kernel plan as text)")(
      "target", po::value<std::string>(&object.target)->default_value("host"),
      "Halide target string of the kernels (host = this machine)")(
      "jobs,j", po::value<unsigned>(&object.threads)->default_value(2),
      "kernels compiled in parallel")(
      "quiet,q", po::bool_switch(&options.quiet), "print nothing but errors")(
      "verbose,v", po::bool_switch(&options.verbose),
      "also print the time of every phase")(
      "name", po::value<std::string>(&object.name)->default_value("model"),
      "C symbol prefix of the generated API")(
      "stats-tile-pixels",
      po::value<int64_t>(&options.request.lowering.pipeline.statsTilePixels)
          ->default_value(1024),
      "pixels per group-norm statistics tile")(
      "mlir-print-ir-after-all", "print the IR after every pass to stderr")(
      "elide-weights", po::bool_switch(&artifact.elideWeights),
      "with --emit=mlir: print weight blobs as placeholders")(
      "profile", po::bool_switch(&object.profile),
      "time every kernel call; each forward call prints a table per kernel "
      "and per op to stderr (BITC_PROFILE_EVERY=N: every N calls, 0: never)")(
      "winograd", po::value<std::string>(&winograd)->default_value("auto"),
      "stride-1 3x3 convolutions as Winograd F(4x4)/F(2x2) kernels: off, on "
      "(every one) or auto (where faster than the direct kernel)")(
      "prefetch", po::value<std::string>(&prefetch)->default_value("auto"),
      "cache hint of the kernels' weight prefetches (x86): nta, t1 (into L2) "
      "or auto (nta for this machine's AMD CPU, else t1)")(
      "precision",
      po::value<std::string>(&options.precision.precision)
          ->default_value("fp32"),
      "arithmetic of the convolutions: fp32, int8 (needs --calibration) or "
      "bf16 (AVX512-BF16 targets; docs/precision.md)")(
      "calibration", po::value<std::string>(),
      "int8: a folder of PNG, JPEG or PPM images run through the model's "
      "preprocessing to choose the activation scales")(
      "calibration-count", po::value<long long>(),
      "int8: use only the first N calibration images (name order)");
  addPipelineSwitches(visible);
  addPreprocessingOption(visible, artifact.preprocessing);
  po::variables_map vm;
  if (std::optional<int> done =
          parseCommandLine("compile", args, visible, options.modelDir, vm))
    return *done;
  std::string error;
  std::optional<EmitKind> emitKind = parseEmitKind(emit);
  std::optional<WinogradPolicy> policy = parseWinogradPolicy(winograd);
  std::optional<PrefetchHint> hint = parsePrefetchHint(prefetch);
  if (options.modelDir.empty())
    error = "missing MODEL_DIR (see bitc compile --help)";
  else if (artifact.output.empty())
    error = "missing -o OUT (see bitc compile --help)";
  else if (!emitKind)
    error = "--emit must be obj, lib, shared, mlir or plan, got '" + emit + "'";
  else if (!policy)
    error = "--winograd must be on, off or auto, got '" + winograd + "'";
  else if (!hint)
    error = "--prefetch must be auto, nta or t1, got '" + prefetch + "'";
  else if (!isCIdentifier(object.name))
    error = "--name '" + object.name + "' must be a C identifier";
  else if (options.request.lowering.pipeline.statsTilePixels < 1)
    error = "--stats-tile-pixels must be positive";
  if (!error.empty()) {
    reportError("compile: " + error);
    return 1;
  }
  artifact.emit = *emitKind;
  object.winograd = *policy;
  object.prefetch = *hint;
  if (vm.count("calibration"))
    options.precision.calibrationDir = vm["calibration"].as<std::string>();
  if (vm.count("calibration-count"))
    options.precision.calibrationCount =
        vm["calibration-count"].as<long long>();
  if (!checkPreprocessingOption("compile", artifact.preprocessing) ||
      !checkSharedOptions("compile", vm, options.shared, options.quiet))
    return 1;
  // Checked here, not when code generation starts after a minutes-long
  // import; --emit=mlir does not use it.
  if (artifact.emit != EmitKind::Mlir &&
      failed(checkKernelTarget(object.target), "compile: "))
    return 1;
  auto choice = choosePrecision(options.precision, object.target);
  if (failed(choice))
    return 1;
  if (!choice->warning.empty() && !options.quiet)
    reportWarning(choice->warning);
  applyPipelineSwitches(vm, options.request.lowering);
  options.request.precision = *choice;
  if (choice->precision != Precision::Fp32)
    object.precision = options.precision.precision; // "int8" or "bf16"
  options.request.lowering.printIRAfterAll =
      vm.count("mlir-print-ir-after-all");
  options.request.model = options.shared.model;
  options.request.outputs = options.shared.outputs;
  return compile(options);
}

} // namespace bitc
