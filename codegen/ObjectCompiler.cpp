//===- ObjectCompiler.cpp - A lowered module to model.o + model.h ---------===//
//
// Four objects are made in a private temporary directory: the weight blob
// (WeightObject.h), the kernels (Halide, no runtime), one Halide runtime, and
// the entry point (LLVM 19: tables, labels, C API). `ld -r` merges them into
// one relocatable object (`ar` into an archive, `ld -shared` into a shared
// library whose version script exports the C API alone), staged next to its
// destination with the header and then moved into place as a pair
// (OutputPair.h).
//
//===----------------------------------------------------------------------===//

#include "codegen/ObjectCompiler.h"
#include "codegen/EntryPoint.h"
#include "codegen/ExternalTool.h"
#include "codegen/HalideBackend.h"
#include "codegen/HeaderWriter.h"
#include "codegen/OutputPair.h"
#include "codegen/Temporaries.h"
#include "codegen/WeightObject.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace bitc {
namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// `contents` in a temporary file next to `path`, for installObjectAndHeader.
llvm::Expected<llvm::sys::fs::TempFile> stageFile(llvm::StringRef path,
                                                  llvm::StringRef contents) {
  auto temp = llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return makeError(path +
                     ": cannot write: " + llvm::toString(temp.takeError()));
  llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
  os << contents;
  os.flush();
  if (os.has_error()) {
    std::string message = os.error().message();
    os.clear_error();
    llvm::consumeError(temp->discard());
    return makeError(path + ": cannot write: " + message);
  }
  return std::move(*temp);
}

/// A linker version script that exports `symbols` and hides the rest (the
/// kernels, the weights, the Halide runtime).
llvm::Error writeVersionScript(llvm::StringRef path,
                               llvm::ArrayRef<std::string> symbols) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return makeError("codegen: " + path + ": " + ec.message());
  os << "{\n  global:\n";
  for (const std::string &symbol : symbols)
    os << "    " << symbol << ";\n";
  os << "  local: *;\n};\n";
  os.close();
  if (os.has_error())
    return makeError("codegen: " + path + ": " + os.error().message());
  return llvm::Error::success();
}

/// The header's first line: how a program links `output`, named as written
/// (a name that would end the C comment is left out).
std::string linkCommand(OutputKind kind, llvm::StringRef output) {
  std::string file = llvm::sys::path::filename(output).str();
  if (llvm::StringRef(file).contains("*/") ||
      llvm::any_of(file, [](char c) { return !llvm::isPrint(c); }))
    file = kind == OutputKind::SharedLibrary ? "the library" : "the object";
  if (kind == OutputKind::SharedLibrary)
    return "cc app.c " + file + " -Wl,-rpath,'$ORIGIN' (needs only libc, libm)";
  return "cc app.c " + file + " -lpthread -ldl -lm";
}

/// The arguments of the `ar` or `ld` command that makes `output` out of
/// `entryObject` and the other objects that follow it. With `driver`, the
/// shared library's linker options are for a C compiler driver (-Wl,...).
std::vector<std::string> linkArguments(OutputKind kind, llvm::StringRef output,
                                       llvm::StringRef finalPath,
                                       llvm::StringRef versionScript,
                                       bool threadSanitizer, bool driver,
                                       llvm::StringRef entryObject) {
  switch (kind) {
  case OutputKind::Archive:
    return {"rcs", output.str(), entryObject.str()};
  case OutputKind::Object:
    return {"-r", "-o", output.str(), entryObject.str()};
  case OutputKind::SharedLibrary: {
    std::vector<std::string> options = {
        "-soname=" + llvm::sys::path::filename(finalPath).str(),
        "--version-script=" + versionScript.str(),
        "-z",
        "noexecstack",
        "-z",
        "relro",
        "-z",
        "now",
        "--as-needed"};
    // Every symbol resolved at link time, so a library that would fail in
    // dlopen fails here instead; TSan's come from the program.
    if (!threadSanitizer)
      options.insert(options.end(), {"-z", "defs"});
    std::vector<std::string> args = {"-shared"};
    if (driver)
      args.push_back("-Wl," + llvm::join(options, ","));
    else
      args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"-o", output.str(), entryObject.str()});
    return args;
  }
  }
  llvm_unreachable("unknown OutputKind");
}

llvm::StringRef linkPurpose(OutputKind kind) {
  switch (kind) {
  case OutputKind::Archive:
    return "archive the objects";
  case OutputKind::Object:
    return "merge the objects";
  case OutputKind::SharedLibrary:
    return "link the shared library";
  }
  llvm_unreachable("unknown OutputKind");
}

} // namespace

llvm::Error checkKernelTarget(const std::string &target) {
  return parseKernelTarget(target).takeError();
}

llvm::Expected<ObjectSummary> compileObject(mlir::ModuleOp module,
                                            const ObjectOptions &options) {
  auto func = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!func)
    return makeError("codegen: the module has no func.func @forward");
  auto target = parseKernelTarget(options.target);
  if (!target)
    return target.takeError();

  auto report = [&](const std::string &phase, size_t done, size_t total) {
    if (options.progress)
      options.progress(phase, done, total);
  };
  std::vector<KernelJob> jobs;
  auto plan = planKernels(func, *target, options.name, jobs, options.winograd);
  if (!plan)
    return plan.takeError();
  plan->preprocess = options.preprocess;
  plan->precision = options.precision;
  llvm::Triple triple(llvmTripleFor(*target));
  auto weightSection = weightSectionFor(triple, plan->weights.size());
  if (!weightSection)
    return weightSection.takeError();

  auto temp = TemporaryDirectory::create("bitc");
  if (!temp)
    return temp.takeError();
  std::string kernelsObject = temp->file("kernels.o");
  std::string runtimeObject = temp->file("halide_runtime.o");
  std::string entryObject = temp->file("entry.o");
  std::string weightObject = temp->file("weights.o");

  // The blob goes to its object first and is freed: the kernel and entry
  // point code generation that follow then run without it in memory.
  if (llvm::Error err =
          writeWeightObject(weightObject, triple, *weightSection,
                            weightSymbolName(options.name), plan->weights))
    return std::move(err);
  size_t weightBytes = plan->weights.size();
  std::vector<uint8_t>().swap(plan->weights);

  auto kernelObjects = compileKernels(
      jobs, *target, kernelsObject, options.threads,
      resolvePrefetchHint(options.prefetch, options.target) == PrefetchHint::L2,
      [&](size_t done, size_t total) { report("kernels", done, total); });
  if (!kernelObjects)
    return kernelObjects.takeError();
  report("runtime", 0, 1);
  if (llvm::Error err = compileHalideRuntime(*target, runtimeObject))
    return std::move(err);
  report("emit", 0, 1);
  EntryPointOptions entry;
  entry.name = options.name;
  entry.triple = triple.str();
  entry.runtimeBitcode = options.runtimeBitcode;
  entry.objectPath = entryObject;
  entry.profile = options.profile;
  entry.threadSanitizer = target->has_feature(Halide::Target::TSAN);
  auto apiSymbols = emitEntryPoint(*plan, entry);
  if (!apiSymbols)
    return apiSymbols.takeError();
  std::string versionScript = temp->file("exports.map");
  if (options.kind == OutputKind::SharedLibrary)
    if (llvm::Error err = writeVersionScript(versionScript, *apiSymbols))
      return std::move(err);

  // Link next to the destination so the final rename cannot cross devices.
  auto staged =
      llvm::sys::fs::TempFile::create(options.objectPath + ".tmp-%%%%%%");
  if (!staged)
    return makeError(options.objectPath +
                     ": cannot write: " + llvm::toString(staged.takeError()));
  std::string stagedPath = staged->TmpName;
  // `ar` refuses to add to an empty file that is not yet an archive.
  if (options.kind == OutputKind::Archive)
    llvm::sys::fs::remove(stagedPath);
  // The host's binutils for the host's architecture; a cross target needs
  // its own (GNU cross binutils, else LLVM's ld.lld / llvm-ar).
  Halide::Target host = Halide::get_host_target();
  bool cross = target->arch != host.arch || target->bits != host.bits;
  std::string crossPrefix =
      target->arch == Halide::Target::ARM && target->bits == 64
          ? "aarch64-linux-gnu-"
          : "";
  auto tool = [&](const char *gnu, std::vector<std::string> llvmNames,
                  const char *what) -> llvm::Expected<std::string> {
    if (!cross)
      return findFirstProgram({gnu}, what, "binutils");
    std::vector<std::string> names;
    if (!crossPrefix.empty())
      names.push_back(crossPrefix + gnu);
    names.insert(names.end(), llvmNames.begin(), llvmNames.end());
    return findFirstProgram(names, what,
                            "binutils-aarch64-linux-gnu or lld-19/llvm-19");
  };
  llvm::StringRef purpose = linkPurpose(options.kind);
  // A cross shared library goes through the cross C compiler, which knows
  // where that architecture's libgcc is (AArch64's outline atomics).
  bool driver = cross && options.kind == OutputKind::SharedLibrary;
  auto linker = [&]() -> llvm::Expected<std::string> {
    if (options.kind == OutputKind::Archive)
      return tool("ar", {"llvm-ar-19", "llvm-ar"}, purpose.data());
    if (!driver)
      return tool("ld", {"ld.lld-19", "ld.lld"}, purpose.data());
    if (crossPrefix.empty())
      return makeError("codegen: --emit=shared builds for this machine's "
                       "architecture or arm-64-linux only (use --emit=obj "
                       "and link the library yourself)");
    return findFirstProgram({crossPrefix + "gcc"}, purpose,
                            "gcc-aarch64-linux-gnu");
  }();
  if (!linker) {
    llvm::consumeError(staged->discard());
    return linker.takeError();
  }
  std::vector<std::string> linkArgs =
      linkArguments(options.kind, stagedPath, options.objectPath, versionScript,
                    entry.threadSanitizer, driver, entryObject);
  linkArgs.insert(linkArgs.end(), kernelObjects->begin(), kernelObjects->end());
  linkArgs.push_back(runtimeObject);
  linkArgs.push_back(weightObject);
  // The C library pieces the runtime calls (Debian 12: glibc 2.36 has
  // pthread and dl in libc; the driver adds libc itself).
  if (options.kind == OutputKind::SharedLibrary)
    linkArgs.push_back("-lm");
  if (options.kind == OutputKind::SharedLibrary && !driver)
    linkArgs.push_back("-lc");
  llvm::Error linked = runExternalTool(
      *linker, linkArgs, temp->file("link.log"), options.objectPath, purpose);
  if (linked) {
    llvm::consumeError(staged->discard());
    return std::move(linked);
  }
  auto header =
      stageFile(options.headerPath,
                generateHeader(*plan, options.name,
                               linkCommand(options.kind, options.objectPath)));
  if (!header) {
    llvm::consumeError(staged->discard());
    return header.takeError();
  }
  if (llvm::Error err = installObjectAndHeader(*staged, options.objectPath,
                                               *header, options.headerPath))
    return std::move(err);

  ObjectSummary summary;
  summary.kernels = plan->kernelSymbols.size();
  summary.calls = plan->calls.size();
  summary.weightBytes = weightBytes;
  summary.workspaceBytes = plan->workspaceBytes;
  summary.macs = plan->macs;
  summary.macsDone = plan->macsDone;
  uint64_t size = 0;
  if (!llvm::sys::fs::file_size(options.objectPath, size))
    summary.objectBytes = size;
  return summary;
}

} // namespace bitc
