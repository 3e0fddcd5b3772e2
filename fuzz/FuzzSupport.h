//===- FuzzSupport.h - Shared helpers of the libFuzzer targets --*- C++ -*-===//
//
// A reader that accepts an input must hand out data later stages can use
// without further checks, so every target walks what a successful parse
// returns: every tensor's shape and every byte of its data (through getF32,
// which converts F16/BF16 and copies misaligned F32).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FUZZ_FUZZSUPPORT_H
#define BITC_FUZZ_FUZZSUPPORT_H

#include "frontend/NpzCheckpoint.h"
#include "frontend/TensorStore.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace bitc::fuzz {

/// The fuzzer's input as a buffer that does not copy it: libFuzzer allocates
/// exactly `size` bytes, so AddressSanitizer flags a read one byte past it.
inline std::unique_ptr<llvm::MemoryBuffer>
inputBuffer(const uint8_t *data, size_t size, llvm::StringRef name) {
  return llvm::MemoryBuffer::getMemBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), name,
      /*RequiresNullTerminator=*/false);
}

/// Aborts (a finding) when a checked invariant of an accepted input fails.
inline void require(bool condition) {
  if (!condition)
    std::abort();
}

/// Reads every tensor of an accepted store and checks what the readers
/// promise: byte length == numel x dtype size, lookups by name, total size.
inline void exerciseStore(TensorStore &store) {
  uint64_t total = 0;
  volatile float sink = 0; // keeps the loads
  for (const TensorInfo &info : store.tensors()) {
    require(store.lookup(info.name) != nullptr);
    int64_t numel = info.numElements();
    require(numel >= 0);
    require(static_cast<uint64_t>(numel) * dtypeSize(info.dtype) ==
            info.bytes.size());
    total += info.bytes.size();
    llvm::Expected<llvm::ArrayRef<float>> values = store.getF32(info.name);
    require(static_cast<bool>(values));
    require(values->size() == static_cast<size_t>(numel));
    for (float v : *values)
      sink = sink + v;
  }
  require(total == store.totalBytes());
  require(!store.source().empty());
}

/// Consumes the result of a reader: a store is exercised, an error must be
/// a non-empty message.
inline void consume(llvm::Expected<std::unique_ptr<TensorStore>> store) {
  if (!store) {
    require(!llvm::toString(store.takeError()).empty());
    return;
  }
  exerciseStore(**store);
}

inline void put16(std::string &out, uint16_t v) {
  char b[2];
  llvm::support::endian::write16le(b, v);
  out.append(b, 2);
}

inline void put32(std::string &out, uint32_t v) {
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

/// The archive of an entry list "<name>\n<bytes>\n#entry\n<name>\n<bytes>...",
/// or std::nullopt for more entries than a real file has. Targets reading
/// zip-based formats take such lists so that mutations of an entry do not
/// stop at its CRC-32.
inline std::optional<std::string> zipOfEntries(llvm::StringRef input) {
  llvm::SmallVector<llvm::StringRef, 8> parts;
  input.split(parts, "\n#entry\n");
  if (parts.size() > 64)
    return std::nullopt;
  llvm::SmallVector<std::pair<llvm::StringRef, llvm::StringRef>, 8> entries;
  for (llvm::StringRef part : parts)
    entries.push_back(part.split('\n'));
  return storedZip(entries);
}

/// The archive of the entry list `data` (zipOfEntries) as a buffer called
/// `name`, or null for an input with more entries than a real file has.
inline std::unique_ptr<llvm::MemoryBuffer>
zippedInput(const uint8_t *data, size_t size, llvm::StringRef name) {
  std::optional<std::string> zip =
      zipOfEntries(llvm::StringRef(reinterpret_cast<const char *>(data), size));
  if (!zip)
    return nullptr;
  return llvm::MemoryBuffer::getMemBufferCopy(*zip, name);
}

/// Reads `npz` as Google's BiT-M-R50x1.npz: an accepted archive is
/// exercised and also goes through googleConfig, as `bitc compile` does.
inline void checkGoogleNpz(std::unique_ptr<llvm::MemoryBuffer> npz) {
  auto store = openGoogleNpzBuffer("BiT-M-R50x1.npz", std::move(npz));
  if (!store) {
    require(!llvm::toString(store.takeError()).empty());
    return;
  }
  exerciseStore(**store);
  BitConfig config = googleConfig(GoogleArch{}, **store);
  require(config.embeddingSize > 0);
}

} // namespace bitc::fuzz

#endif // BITC_FUZZ_FUZZSUPPORT_H
