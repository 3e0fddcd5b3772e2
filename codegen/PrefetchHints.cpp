//===- PrefetchHints.cpp - prefetchnta -> prefetcht1 in kernel objects ----===//

#include "codegen/PrefetchHints.h"

#include "llvm/MC/MCAsmInfo.h"
#include "llvm/MC/MCContext.h"
#include "llvm/MC/MCDisassembler/MCDisassembler.h"
#include "llvm/MC/MCInst.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCRegisterInfo.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/MCTargetOptions.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace bitc {

namespace {

llvm::Error fail(llvm::StringRef path, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "prefetch hints of " + path + ": " + what);
}

/// Whether this machine's CPU is AMD's (or Hygon's): its vendor string.
bool hostIsAmd() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx))
    return false;
  char vendor[13];
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  vendor[12] = '\0';
  llvm::StringRef name(vendor);
  return name == "AuthenticAMD" || name == "HygonGenuine";
#else
  return false;
#endif
}

} // namespace

std::optional<PrefetchHint> parsePrefetchHint(llvm::StringRef text) {
  if (text == "auto")
    return PrefetchHint::Auto;
  if (text == "nta")
    return PrefetchHint::NonTemporal;
  if (text == "t1")
    return PrefetchHint::L2;
  return std::nullopt;
}

PrefetchHint resolvePrefetchHint(PrefetchHint hint,
                                 llvm::StringRef targetSpec) {
  if (hint != PrefetchHint::Auto)
    return hint;
  bool forThisMachine = targetSpec.empty() || targetSpec == "host" ||
                        targetSpec.starts_with("host-");
  return forThisMachine && hostIsAmd() ? PrefetchHint::NonTemporal
                                       : PrefetchHint::L2;
}

llvm::Expected<unsigned> prefetchIntoL2(llvm::StringRef path) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllDisassemblers();
  });
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail(path, buffer.getError().message());
  auto object =
      llvm::object::ObjectFile::createObjectFile((*buffer)->getMemBufferRef());
  if (!object)
    return fail(path, llvm::toString(object.takeError()));
  llvm::Triple triple = (*object)->makeTriple();
  if (triple.getArch() != llvm::Triple::x86_64)
    return 0;

  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple.str(), error);
  if (!target)
    return fail(path, error);
  std::unique_ptr<llvm::MCRegisterInfo> registers(
      target->createMCRegInfo(triple.str()));
  llvm::MCTargetOptions options;
  std::unique_ptr<llvm::MCAsmInfo> asmInfo(
      target->createMCAsmInfo(*registers, triple.str(), options));
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple.str(), "", ""));
  std::unique_ptr<llvm::MCInstrInfo> instructions(target->createMCInstrInfo());
  if (!registers || !asmInfo || !subtarget || !instructions)
    return fail(path, "no x86-64 disassembler");
  llvm::MCContext context(triple, asmInfo.get(), registers.get(),
                          subtarget.get());
  std::unique_ptr<llvm::MCDisassembler> disassembler(
      target->createMCDisassembler(*subtarget, context));
  if (!disassembler)
    return fail(path, "no x86-64 disassembler");

  const char *start = (*buffer)->getBufferStart();
  std::string bytes((*buffer)->getBuffer());
  unsigned changed = 0;
  for (const llvm::object::SectionRef &section : (*object)->sections()) {
    if (!section.isText())
      continue;
    llvm::Expected<llvm::StringRef> contents = section.getContents();
    if (!contents)
      return fail(path, llvm::toString(contents.takeError()));
    const size_t base = size_t(contents->data() - start);
    llvm::ArrayRef<uint8_t> code(
        reinterpret_cast<const uint8_t *>(contents->data()), contents->size());
    for (uint64_t at = 0; at < code.size();) {
      llvm::MCInst inst;
      uint64_t size = 0;
      if (disassembler->getInstruction(inst, size, code.slice(at), at,
                                       llvm::nulls()) !=
              llvm::MCDisassembler::Success ||
          size == 0) {
        ++at; // not code (padding): resynchronize on the next byte
        continue;
      }
      if (instructions->getName(inst.getOpcode()) == "PREFETCHNTA") {
        // [prefixes] 0F 18 ModRM ...: reg field 0 (NTA) -> 2 (T1).
        for (uint64_t i = at; i + 2 < at + size; ++i)
          if (code[i] == 0x0F && code[i + 1] == 0x18 &&
              ((code[i + 2] >> 3) & 7) == 0) {
            bytes[base + i + 2] = char(code[i + 2] | (2 << 3));
            ++changed;
            break;
          }
      }
      at += size;
    }
  }
  if (!changed)
    return 0;
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return fail(path, ec.message());
  out << bytes;
  out.close();
  if (out.has_error())
    return fail(path, out.error().message());
  return changed;
}

} // namespace bitc
