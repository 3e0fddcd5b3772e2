//===- ZipArchive.h - Read-only zip archives in memory ----------*- C++ -*-===//
//
// The zip container of `torch.save` files (pytorch_model.bin) and numpy
// `.npz` archives. The central directory is parsed and checked against the
// mapped file (zip64 included); stored entries are handed out in place,
// deflated ones are inflated with zlib into owned buffers. Every malformed
// archive is a one-line error naming the file (and the entry), never a read
// outside the buffer.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_ZIPARCHIVE_H
#define BITC_FRONTEND_ZIPARCHIVE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bitc {

struct ZipEntry {
  std::string name;
  /// 0 = stored, 8 = deflated (others are refused when read).
  uint16_t method = 0;
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressedSize = 0;
  uint64_t uncompressedSize = 0;
  uint64_t localHeaderOffset = 0;
};

class ZipArchive {
public:
  /// Parses the central directory of `data` (which must outlive the
  /// archive). `path` prefixes every error.
  static llvm::Expected<std::unique_ptr<ZipArchive>> open(llvm::StringRef path,
                                                          llvm::StringRef data);

  /// True when `data` starts like a zip archive (a local file header).
  static bool looksLikeZip(llvm::StringRef data);

  const std::vector<ZipEntry> &entries() const { return entryList; }
  const ZipEntry *find(llvm::StringRef name) const;

  /// The uncompressed bytes of `entry`: in place for stored entries (after
  /// checking the local header, the bounds and the CRC), inflated for
  /// deflated ones. The view lives as long as the archive (and the data).
  llvm::Expected<llvm::ArrayRef<uint8_t>> read(const ZipEntry &entry);

  /// Hands the buffers of inflated entries to the caller (e.g. a tensor
  /// store), so views returned by read() outlive the archive.
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> takeInflated() {
    return std::move(inflated);
  }

  llvm::StringRef path() const { return filePath; }

private:
  std::string filePath;
  llvm::StringRef data;
  std::vector<ZipEntry> entryList;
  llvm::StringMap<size_t> indexByName;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> inflated;
};

} // namespace bitc

#endif // BITC_FRONTEND_ZIPARCHIVE_H
