//===- WeightObject.cpp - The weight blob as its own ELF object -----------===//

#include "codegen/WeightObject.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELFTypes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace bitc {
namespace {

using Elf = object::ELF64LE;

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "codegen: " + message);
}

/// An ELF string table being built: offsets of the names added so far.
struct StringTable {
  std::string bytes = std::string(1, '\0');
  uint32_t add(StringRef name) {
    uint32_t offset = bytes.size();
    bytes += name.str();
    bytes.push_back('\0');
    return offset;
  }
};

template <typename T> StringRef bytesOf(const T &value) {
  return StringRef(reinterpret_cast<const char *>(&value), sizeof(T));
}

/// AArch64 small code model: code reaches data by ADRP (+-4 GiB). Without a
/// large-section convention the blob lies among the program's own sections,
/// so it must leave most of that range to them.
constexpr uint64_t kAArch64BlobLimit = uint64_t(2) << 30;

} // namespace

Expected<WeightSection> weightSectionFor(const Triple &triple,
                                         uint64_t blobBytes) {
  if (!triple.isOSBinFormatELF() || !triple.isLittleEndian() ||
      !triple.isArch64Bit() ||
      (triple.getArch() != Triple::x86_64 &&
       triple.getArch() != Triple::aarch64))
    return makeError("target '" + triple.str() +
                     "': weights are emitted only for 64-bit ELF x86-64 and "
                     "AArch64 targets");
  if (triple.getArch() == Triple::x86_64)
    return WeightSection{".lrodata.bitc.weights", true};
  if (blobBytes > kAArch64BlobLimit)
    return makeError(formatv("the weights take {0:F2} GB, more than the "
                             "{1:F2} GB an AArch64 small-code-model program "
                             "can place within reach of its code (compile "
                             "for x86-64, whose objects put them in a large "
                             "data section)",
                             blobBytes / 1e9, kAArch64BlobLimit / 1e9)
                         .str());
  return WeightSection{".rodata.bitc.weights", false};
}

std::string weightSymbolName(StringRef name) {
  return (name + "__weights").str();
}

Error writeWeightObject(StringRef path, const Triple &triple,
                        const WeightSection &section, StringRef symbol,
                        ArrayRef<uint8_t> blob) {
  // Layout: ELF header, blob (64-byte aligned right after the 64-byte
  // header), symbol table, string tables, section headers.
  enum : unsigned {
    Null,
    Weights,
    StackNote,
    SymTab,
    StrTab,
    ShStrTab,
    NumSections
  };
  StringTable names, strings;
  uint32_t weightsName = names.add(section.name);
  // An empty .note.GNU-stack: the object does not need an executable stack.
  uint32_t stackNoteName = names.add(".note.GNU-stack");
  uint32_t symTabName = names.add(".symtab");
  uint32_t strTabName = names.add(".strtab");
  uint32_t shStrTabName = names.add(".shstrtab");
  uint32_t symbolName = strings.add(symbol);
  // An empty model still gets one byte, so the symbol has storage.
  static const uint8_t zero = 0;
  ArrayRef<uint8_t> data = blob.empty() ? ArrayRef<uint8_t>(zero) : blob;

  uint64_t offset = sizeof(Elf::Ehdr);
  uint64_t weightsOffset = alignTo(offset, 64);
  uint64_t symTabOffset = alignTo(weightsOffset + data.size(), 8);
  uint64_t symTabSize = 2 * sizeof(Elf::Sym);
  uint64_t strTabOffset = symTabOffset + symTabSize;
  uint64_t shStrTabOffset = strTabOffset + strings.bytes.size();
  uint64_t sectionHeadersOffset =
      alignTo(shStrTabOffset + names.bytes.size(), 8);

  Elf::Ehdr header = {};
  std::memcpy(header.e_ident, ELF::ElfMagic, 4);
  header.e_ident[ELF::EI_CLASS] = ELF::ELFCLASS64;
  header.e_ident[ELF::EI_DATA] = ELF::ELFDATA2LSB;
  header.e_ident[ELF::EI_VERSION] = ELF::EV_CURRENT;
  header.e_ident[ELF::EI_OSABI] = ELF::ELFOSABI_NONE;
  header.e_type = ELF::ET_REL;
  header.e_machine =
      triple.getArch() == Triple::aarch64 ? ELF::EM_AARCH64 : ELF::EM_X86_64;
  header.e_version = ELF::EV_CURRENT;
  header.e_shoff = sectionHeadersOffset;
  header.e_ehsize = sizeof(Elf::Ehdr);
  header.e_shentsize = sizeof(Elf::Shdr);
  header.e_shnum = NumSections;
  header.e_shstrndx = ShStrTab;

  Elf::Sym symbols[2] = {};
  symbols[1].st_name = symbolName;
  symbols[1].setBindingAndType(ELF::STB_GLOBAL, ELF::STT_OBJECT);
  symbols[1].setVisibility(ELF::STV_HIDDEN);
  symbols[1].st_shndx = Weights;
  symbols[1].st_value = 0;
  symbols[1].st_size = data.size();

  Elf::Shdr sections[NumSections] = {};
  Elf::Shdr &weights = sections[Weights];
  weights.sh_name = weightsName;
  weights.sh_type = ELF::SHT_PROGBITS;
  weights.sh_flags =
      ELF::SHF_ALLOC | (section.large ? uint64_t(ELF::SHF_X86_64_LARGE) : 0);
  weights.sh_offset = weightsOffset;
  weights.sh_size = data.size();
  weights.sh_addralign = 64;
  Elf::Shdr &stackNote = sections[StackNote];
  stackNote.sh_name = stackNoteName;
  stackNote.sh_type = ELF::SHT_PROGBITS;
  stackNote.sh_offset = symTabOffset;
  stackNote.sh_addralign = 1;
  Elf::Shdr &symTab = sections[SymTab];
  symTab.sh_name = symTabName;
  symTab.sh_type = ELF::SHT_SYMTAB;
  symTab.sh_offset = symTabOffset;
  symTab.sh_size = symTabSize;
  symTab.sh_link = StrTab;
  symTab.sh_info = 1; // index of the first non-local symbol
  symTab.sh_addralign = 8;
  symTab.sh_entsize = sizeof(Elf::Sym);
  auto stringSection = [](Elf::Shdr &shdr, uint32_t name, uint64_t at,
                          const std::string &bytes) {
    shdr.sh_name = name;
    shdr.sh_type = ELF::SHT_STRTAB;
    shdr.sh_offset = at;
    shdr.sh_size = bytes.size();
    shdr.sh_addralign = 1;
  };
  stringSection(sections[StrTab], strTabName, strTabOffset, strings.bytes);
  stringSection(sections[ShStrTab], shStrTabName, shStrTabOffset,
                names.bytes);

  std::error_code ec;
  raw_fd_ostream out(path, ec, sys::fs::OF_None);
  if (ec)
    return makeError(path + ": " + ec.message());
  auto padTo = [&](uint64_t at) { out.write_zeros(at - out.tell()); };
  out << bytesOf(header);
  padTo(weightsOffset);
  out.write(reinterpret_cast<const char *>(data.data()), data.size());
  padTo(symTabOffset);
  out << bytesOf(symbols);
  out << strings.bytes << names.bytes;
  padTo(sectionHeadersOffset);
  out << bytesOf(sections);
  out.close();
  if (out.has_error()) {
    std::error_code error = out.error();
    out.clear_error();
    return makeError(path + ": " + error.message());
  }
  return Error::success();
}

} // namespace bitc
