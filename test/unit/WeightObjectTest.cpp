//===- WeightObjectTest.cpp - The weight blob's ELF object ----------------===//

#include "codegen/WeightObject.h"
#include "TestUtil.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"

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
};

TEST(WeightObject, X86SectionSymbolAndBytes) {
  std::vector<uint8_t> blob(1000);
  for (size_t i = 0; i < blob.size(); ++i)
    blob[i] = static_cast<uint8_t>(i * 7);
  WrittenObject written;
  ASSERT_NO_FATAL_FAILURE(written.write(kX86, blob));
  auto *elf = dyn_cast<object::ELF64LEObjectFile>(written.object.get());
  ASSERT_TRUE(elf);
  EXPECT_EQ(elf->getArch(), Triple::x86_64);
  EXPECT_TRUE(elf->isRelocatableObject());

  int found = 0;
  for (object::ELFSectionRef section : elf->sections()) {
    Expected<StringRef> name = section.getName();
    ASSERT_TRUE(bool(name));
    if (*name != ".lrodata.bitc.weights")
      continue;
    ++found;
    EXPECT_EQ(section.getType(), ELF::SHT_PROGBITS);
    EXPECT_EQ(section.getFlags(), ELF::SHF_ALLOC | ELF::SHF_X86_64_LARGE);
    EXPECT_EQ(section.getAlignment(), 64u);
    Expected<StringRef> contents = section.getContents();
    ASSERT_TRUE(bool(contents));
    EXPECT_EQ(*contents,
              StringRef(reinterpret_cast<const char *>(blob.data()),
                        blob.size()));
  }
  EXPECT_EQ(found, 1);

  found = 0;
  for (object::ELFSymbolRef symbol : elf->symbols()) {
    Expected<StringRef> name = symbol.getName();
    ASSERT_TRUE(bool(name));
    if (*name != "net__weights")
      continue;
    ++found;
    EXPECT_EQ(symbol.getBinding(), ELF::STB_GLOBAL);
    EXPECT_EQ(symbol.getELFType(), ELF::STT_OBJECT);
    EXPECT_EQ(symbol.getOther(), ELF::STV_HIDDEN);
    EXPECT_EQ(symbol.getSize(), blob.size());
    Expected<uint64_t> value = symbol.getValue();
    ASSERT_TRUE(bool(value));
    EXPECT_EQ(*value, 0u);
  }
  EXPECT_EQ(found, 1);
}

TEST(WeightObject, AArch64EmptyBlobGetsOneByte) {
  WrittenObject written;
  ASSERT_NO_FATAL_FAILURE(written.write(kAArch64, {}));
  auto *elf = dyn_cast<object::ELF64LEObjectFile>(written.object.get());
  ASSERT_TRUE(elf);
  EXPECT_EQ(elf->getArch(), Triple::aarch64);
  int found = 0;
  for (object::ELFSectionRef section : elf->sections()) {
    Expected<StringRef> name = section.getName();
    ASSERT_TRUE(bool(name));
    if (*name != ".rodata.bitc.weights")
      continue;
    ++found;
    EXPECT_EQ(section.getFlags(), uint64_t(ELF::SHF_ALLOC));
    EXPECT_EQ(section.getSize(), 1u);
  }
  EXPECT_EQ(found, 1);
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
