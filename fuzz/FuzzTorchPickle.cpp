//===- FuzzTorchPickle.cpp - libFuzzer target: torch.save contents --------===//
//
// pytorch_model.bin without the zip layer in the way: in the pytorch-bin
// target nearly every mutation of data.pkl or a storage breaks the entry's
// CRC-32 and stops at the zip reader. Here the input is a list of entries,
//   <name>\n<bytes>\n#entry\n<name>\n<bytes>...
// (e.g. "archive/data.pkl", "archive/data/0"), which the target packs into a
// valid stored zip archive (CRCs computed) before reading it, so mutations
// reach the pickle machine and the tensor checks.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include <string>

namespace {

void put16(std::string &out, uint16_t v) {
  char b[2];
  llvm::support::endian::write16le(b, v);
  out.append(b, 2);
}

void put32(std::string &out, uint32_t v) {
  char b[4];
  llvm::support::endian::write32le(b, v);
  out.append(b, 4);
}

/// A zip archive of stored entries, as Python's zipfile writes it.
std::string
storedZip(llvm::ArrayRef<std::pair<llvm::StringRef, llvm::StringRef>> entries) {
  std::string zip, directory;
  for (const auto &entry : entries) {
    llvm::StringRef name = entry.first, bytes = entry.second;
    uint32_t crc = llvm::crc32(llvm::arrayRefFromStringRef(bytes));
    uint32_t offset = zip.size();
    auto common = [&](std::string &out) {
      put16(out, 20); // version needed
      put16(out, 0);  // flags
      put16(out, 0);  // method: stored
      put32(out, 0);  // time, date
      put32(out, crc);
      put32(out, bytes.size());
      put32(out, bytes.size());
      put16(out, name.size());
      put16(out, 0); // extra length
    };
    put32(zip, 0x04034b50);
    common(zip);
    zip += name;
    zip += bytes;
    put32(directory, 0x02014b50);
    put16(directory, 20); // version made by
    common(directory);
    put16(directory, 0); // comment length
    put16(directory, 0); // disk
    put16(directory, 0); // internal attributes
    put32(directory, 0); // external attributes
    put32(directory, offset);
    directory += name;
  }
  uint32_t directoryOffset = zip.size();
  zip += directory;
  put32(zip, 0x06054b50);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, entries.size());
  put16(zip, entries.size());
  put32(zip, directory.size());
  put32(zip, directoryOffset);
  put16(zip, 0); // comment length
  return zip;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  llvm::SmallVector<llvm::StringRef, 8> parts;
  input.split(parts, "\n#entry\n");
  if (parts.size() > 64)
    return 0; // the zip fields are 16-bit; real files have a few entries
  llvm::SmallVector<std::pair<llvm::StringRef, llvm::StringRef>, 8> entries;
  for (llvm::StringRef part : parts)
    entries.push_back(part.split('\n'));
  std::string zip = storedZip(entries);
  fuzz::consume(TensorStore::openPytorchBinBuffer(
      "pytorch_model.bin",
      fuzz::inputBuffer(reinterpret_cast<const uint8_t *>(zip.data()),
                        zip.size(), "pytorch_model.bin")));
  return 0;
}
