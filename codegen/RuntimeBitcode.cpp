//===- RuntimeBitcode.cpp - The model runtime bitcode for a target --------===//

#include "codegen/RuntimeBitcode.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace bitc {
namespace {

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "codegen: " + message);
}

} // namespace

Expected<std::unique_ptr<Module>> loadRuntimeBitcode(std::string path,
                                                     const Triple &triple,
                                                     bool threadSanitizer,
                                                     LLVMContext &context) {
  auto load =
      [&](const std::string &file) -> Expected<std::unique_ptr<Module>> {
    auto buffer = MemoryBuffer::getFile(file);
    if (!buffer)
      return makeError(file + ": cannot read the model runtime: " +
                       buffer.getError().message());
    auto parsed = parseBitcodeFile((*buffer)->getMemBufferRef(), context);
    if (!parsed)
      return makeError(file + ": " + toString(parsed.takeError()));
    return std::move(*parsed);
  };
  if (threadSanitizer) {
    SmallString<256> tsan(path);
    sys::path::replace_extension(tsan, "");
    tsan += "-tsan.bc";
    if (!sys::fs::exists(tsan))
      return makeError("no thread-sanitized model runtime (" + tsan +
                       "; it is built when the target has x86-64 C headers)");
    path = tsan.str().str();
  }
  auto module = load(path);
  if (!module ||
      Triple((*module)->getTargetTriple()).getArch() == triple.getArch())
    return module;
  SmallString<256> sibling(path);
  sys::path::replace_extension(sibling, "");
  sibling += "-" + Triple::getArchTypeName(triple.getArch()).str() + ".bc";
  if (!sys::fs::exists(sibling))
    return makeError("no model runtime for " + triple.getArchName() + " (" +
                     sibling +
                     "; it is built when the cross C headers are "
                     "installed, e.g. libc6-dev-arm64-cross)");
  return load(sibling.str().str());
}

} // namespace bitc
