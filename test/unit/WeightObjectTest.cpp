//===- WeightObjectTest.cpp - The weight blob's ELF object ----------------===//

#include "codegen/WeightObject.h"
#include "TestUtil.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"

#include <optional>
#include <vector>

using namespace bitc;
using namespace bitc::test;
using namespace llvm;

namespace {

const Triple kX86("x86_64-unknown-linux-gnu");
const Triple kAArch64("aarch64-unknown-linux-gnu");

TEST(WeightSection, X86IsAlwaysALargeSection) {
  for (uint64_t bytes : {uint64_t(64), uint64_t(5) << 30}) {
    Expected<WeightSection> section = weightSectionFor(kX86, bytes);
    ASSERT_TRUE(bool(section)) << toString(section.takeError());
    EXPECT_EQ(section->name, ".lrodata.bitc.weights");
    EXPECT_TRUE(section->large);
  }
}

TEST(WeightSection, AArch64HasALimit) {
  Expected<WeightSection> small = weightSectionFor(kAArch64, uint64_t(2) << 30);
  ASSERT_TRUE(bool(small)) << toString(small.takeError());
  EXPECT_EQ(small->name, ".rodata.bitc.weights");
  EXPECT_FALSE(small->large);
  Expected<WeightSection> big = weightSectionFor(kAArch64, 3746120000);
  ASSERT_FALSE(bool(big));
  EXPECT_EQ(toString(big.takeError()),
            "codegen: the weights take 3.75 GB, more than the 2.15 GB an "
            "AArch64 small-code-model program can place within reach of its "
            "code (compile for x86-64, whose objects put them in a large data "
            "section)");
}

TEST(WeightSection, OtherTargetsAreRefused) {
  Expected<WeightSection> section =
      weightSectionFor(Triple("i386-unknown-linux-gnu"), 64);
  ASSERT_FALSE(bool(section));
  EXPECT_EQ(toString(section.takeError()),
            "codegen: target 'i386-unknown-linux-gnu': weights are emitted "
            "only for 64-bit ELF x86-64 and AArch64 targets");
}

/// Writes a blob and reads the object back with LLVM's ELF reader.
struct WrittenObject {
  TempDir dir;
  std::string path = dir.path() + "/weights.o";
  std::unique_ptr<MemoryBuffer> buffer;
  std::unique_ptr<object::ObjectFile> object;

  void write(const Triple &triple, ArrayRef<uint8_t> blob) {
    Expected<WeightSection> section = weightSectionFor(triple, blob.size());
    ASSERT_TRUE(bool(section)) << toString(section.takeError());
    Error err = writeWeightObject(path, triple, *section,
                                  weightSymbolName("net"), blob);
    ASSERT_FALSE(bool(err)) << toString(std::move(err));
    auto file = MemoryBuffer::getFile(path);
    ASSERT_TRUE(bool(file)) << file.getError().message();
    buffer = std::move(*file);
    auto parsed = object::ObjectFile::createObjectFile(*buffer);
    ASSERT_TRUE(bool(parsed)) << toString(parsed.takeError());
    object = std::move(*parsed);
  }

  /// The object as 64-bit little-endian ELF, or null (a test failure).
  const object::ELF64LEObjectFile *elf() const {
    auto *file = dyn_cast<object::ELF64LEObjectFile>(object.get());
    EXPECT_TRUE(file) << "not a 64-bit little-endian ELF object";
    return file;
  }

  /// The one section called `name`; a test failure unless there is one.
  std::optional<object::ELFSectionRef> section(StringRef name) const {
    return only<object::ELFSectionRef>(elf()->sections(), name, "section");
  }

  /// The one symbol called `name`; a test failure unless there is one.
  std::optional<object::ELFSymbolRef> symbol(StringRef name) const {
    return only<object::ELFSymbolRef>(elf()->symbols(), name, "symbol");
  }

private:
  template <typename Ref, typename Range>
  static std::optional<Ref> only(Range refs, StringRef name, StringRef what) {
    std::optional<Ref> found;
    int count = 0;
    for (Ref ref : refs) {
      Expected<StringRef> refName = ref.getName();
      if (!refName) {
        ADD_FAILURE() << toString(refName.takeError());
        return std::nullopt;
      }
      if (*refName == name && count++ == 0)
        found = ref;
    }
    EXPECT_EQ(count, 1) << what.str() << " " << name.str();
    return count == 1 ? found : std::nullopt;
  }
};

TEST(WeightObject, X86SectionSymbolAndBytes) {
  std::vector<uint8_t> blob(1000);
  for (size_t i = 0; i < blob.size(); ++i)
    blob[i] = static_cast<uint8_t>(i * 7);
  WrittenObject written;
  ASSERT_NO_FATAL_FAILURE(written.write(kX86, blob));
  ASSERT_TRUE(written.elf());
  EXPECT_EQ(written.elf()->getArch(), Triple::x86_64);
  EXPECT_TRUE(written.elf()->isRelocatableObject());

  std::optional<object::ELFSectionRef> section =
      written.section(".lrodata.bitc.weights");
  ASSERT_TRUE(section);
  EXPECT_EQ(section->getType(), ELF::SHT_PROGBITS);
  EXPECT_EQ(section->getFlags(), ELF::SHF_ALLOC | ELF::SHF_X86_64_LARGE);
  EXPECT_EQ(section->getAlignment(), 64u);
  Expected<StringRef> contents = section->getContents();
  ASSERT_TRUE(bool(contents));
  EXPECT_EQ(*contents, StringRef(reinterpret_cast<const char *>(blob.data()),
                                 blob.size()));

  std::optional<object::ELFSymbolRef> symbol = written.symbol("net__weights");
  ASSERT_TRUE(symbol);
  EXPECT_EQ(symbol->getBinding(), ELF::STB_GLOBAL);
  EXPECT_EQ(symbol->getELFType(), ELF::STT_OBJECT);
  EXPECT_EQ(symbol->getOther(), ELF::STV_HIDDEN);
  EXPECT_EQ(symbol->getSize(), blob.size());
  Expected<uint64_t> value = symbol->getValue();
  ASSERT_TRUE(bool(value));
  EXPECT_EQ(*value, 0u);
}

TEST(WeightObject, AArch64EmptyBlobGetsOneByte) {
  WrittenObject written;
  ASSERT_NO_FATAL_FAILURE(written.write(kAArch64, {}));
  ASSERT_TRUE(written.elf());
  EXPECT_EQ(written.elf()->getArch(), Triple::aarch64);
  std::optional<object::ELFSectionRef> section =
      written.section(".rodata.bitc.weights");
  ASSERT_TRUE(section);
  EXPECT_EQ(section->getFlags(), uint64_t(ELF::SHF_ALLOC));
  EXPECT_EQ(section->getSize(), 1u);
}

TEST(WeightObject, UnwritablePathIsAnError) {
  TempDir dir;
  Expected<WeightSection> section = weightSectionFor(kX86, 4);
  ASSERT_TRUE(bool(section));
  uint8_t blob[4] = {1, 2, 3, 4};
  Error err = writeWeightObject(dir.path() + "/missing/weights.o", kX86,
                                *section, "m__weights", blob);
  ASSERT_TRUE(bool(err));
  EXPECT_EQ(toString(std::move(err)),
            "codegen: " + dir.path() +
                "/missing/weights.o: No such file or directory");
}

} // namespace
