//===- ZipArchive.cpp - Read-only zip archives in memory ------------------===//
//
// PKWARE APPNOTE 6.3: the end of central directory record (EOCD, found by
// scanning back over at most a 64 KiB comment), the optional zip64 EOCD and
// its locator, one central directory header per entry, and the local header
// in front of each entry's data. torch.save writes its sizes and CRCs only
// into the central directory (general purpose flag bit 3), so the central
// directory is the authority and the local header only says where the data
// starts.
//
//===----------------------------------------------------------------------===//

#include "frontend/ZipArchive.h"
#include "frontend/JsonUtil.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"

#include <zlib.h>

using namespace bitc;
using llvm::ArrayRef;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
/// Deflate cannot expand by more than about 1032:1; a larger declared size
/// is a lie (or a bomb) and is refused before anything is allocated.
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t rd16(StringRef data, uint64_t at) {
  return llvm::support::endian::read16le(data.data() + at);
}
uint32_t rd32(StringRef data, uint64_t at) {
  return llvm::support::endian::read32le(data.data() + at);
}
uint64_t rd64(StringRef data, uint64_t at) {
  return llvm::support::endian::read64le(data.data() + at);
}

/// [offset, offset + size) lies inside a buffer of `total` bytes.
bool inBounds(uint64_t offset, uint64_t size, uint64_t total) {
  return offset <= total && size <= total - offset;
}

} // namespace

bool ZipArchive::looksLikeZip(StringRef data) {
  return data.size() >= 4 && rd32(data, 0) == kLocalHeaderSig;
}

Expected<std::unique_ptr<ZipArchive>> ZipArchive::open(StringRef path,
                                                       StringRef data) {
  auto fail = [&](const Twine &what) { return makeError(path + ": " + what); };
  const uint64_t size = data.size();
  if (size < kEndSize)
    return fail("not a zip archive (" + Twine(size) + " bytes)");

  // The EOCD is the last record; only a comment (< 64 KiB) may follow it.
  uint64_t end = UINT64_MAX;
  uint64_t lowest = size - kEndSize > 65535 ? size - kEndSize - 65535 : 0;
  for (uint64_t at = size - kEndSize + 1; at-- > lowest;)
    if (rd32(data, at) == kEndSig &&
        at + kEndSize + rd16(data, at + 20) == size) {
      end = at;
      break;
    }
  if (end == UINT64_MAX)
    return fail(looksLikeZip(data)
                    ? Twine("truncated zip archive (no end of central "
                            "directory record)")
                    : Twine("not a zip archive (no end of central directory "
                            "record)"));

  uint16_t disk = rd16(data, end + 4), cdDisk = rd16(data, end + 6);
  uint64_t count = rd16(data, end + 10);
  uint64_t cdSize = rd32(data, end + 12);
  uint64_t cdOffset = rd32(data, end + 16);
  if (disk != 0 || cdDisk != 0 || rd16(data, end + 8) != count)
    return fail("multi-volume zip archives are not supported");

  // Fields saturated at 0xffff / 0xffffffff live in the zip64 EOCD.
  if (count == 0xffff || cdSize == 0xffffffff || cdOffset == 0xffffffff) {
    if (end < kZip64LocatorSize ||
        rd32(data, end - kZip64LocatorSize) != kZip64LocatorSig)
      return fail("zip64 archive without a zip64 end of central directory "
                  "locator");
    uint64_t at = rd64(data, end - kZip64LocatorSize + 8);
    if (!inBounds(at, kZip64EndSize, end) || rd32(data, at) != kZip64EndSig)
      return fail("zip64 end of central directory record at offset " +
                  Twine(at) + " is missing or out of range");
    count = rd64(data, at + 32);
    cdSize = rd64(data, at + 40);
    cdOffset = rd64(data, at + 48);
  }
  if (!inBounds(cdOffset, cdSize, end))
    return fail("truncated zip archive: central directory [" + Twine(cdOffset) +
                ", +" + Twine(cdSize) + ") lies outside the file (" +
                Twine(size) + " bytes)");
  if (count > cdSize / kCentralHeaderSize)
    return fail("central directory of " + Twine(cdSize) +
                " bytes cannot hold " + Twine(count) + " entries");

  auto archive = std::unique_ptr<ZipArchive>(new ZipArchive());
  archive->filePath = path.str();
  archive->data = data;
  uint64_t at = cdOffset, cdEnd = cdOffset + cdSize;
  for (uint64_t i = 0; i < count; ++i) {
    if (!inBounds(at, kCentralHeaderSize, cdEnd) ||
        rd32(data, at) != kCentralHeaderSig)
      return fail("corrupt central directory: entry " + Twine(i) +
                  " at offset " + Twine(at) + " has no valid header");
    ZipEntry entry;
    entry.flags = rd16(data, at + 8);
    entry.method = rd16(data, at + 10);
    entry.crc32 = rd32(data, at + 16);
    entry.compressedSize = rd32(data, at + 20);
    entry.uncompressedSize = rd32(data, at + 24);
    uint64_t nameLen = rd16(data, at + 28), extraLen = rd16(data, at + 30),
             commentLen = rd16(data, at + 32);
    entry.localHeaderOffset = rd32(data, at + 42);
    uint64_t varLen = nameLen + extraLen + commentLen;
    if (!inBounds(at + kCentralHeaderSize, varLen, cdEnd))
      return fail("corrupt central directory: entry " + Twine(i) +
                  " runs past its end");
    entry.name = data.substr(at + kCentralHeaderSize, nameLen).str();

    // The zip64 extra field holds, in this order, exactly the fields that
    // were saturated in the header.
    StringRef extra = data.substr(at + kCentralHeaderSize + nameLen, extraLen);
    for (uint64_t e = 0; e + 4 <= extra.size();) {
      uint16_t id = rd16(extra, e), len = rd16(extra, e + 2);
      if (e + 4 + len > extra.size())
        return fail("entry '" + entry.name + "': corrupt extra field");
      if (id == 0x0001) {
        uint64_t f = e + 4, fEnd = f + len;
        for (uint64_t *field : {&entry.uncompressedSize, &entry.compressedSize,
                                &entry.localHeaderOffset}) {
          if (*field != 0xffffffff)
            continue;
          if (f + 8 > fEnd)
            return fail("entry '" + entry.name +
                        "': zip64 extra field too short");
          *field = rd64(extra, f);
          f += 8;
        }
      }
      e += 4 + len;
    }
    if (archive->indexByName.count(entry.name))
      return fail("entry '" + entry.name + "' appears twice");
    archive->indexByName[entry.name] = archive->entryList.size();
    archive->entryList.push_back(std::move(entry));
    at += kCentralHeaderSize + varLen;
  }
  return std::move(archive);
}

const ZipEntry *ZipArchive::find(StringRef name) const {
  auto it = indexByName.find(name);
  return it == indexByName.end() ? nullptr : &entryList[it->second];
}

Expected<ArrayRef<uint8_t>> ZipArchive::read(const ZipEntry &entry) {
  auto fail = [&](const Twine &what) {
    return makeError(filePath + ": entry '" + entry.name + "': " + what);
  };
  if (entry.flags & 0x1)
    return fail("encrypted entries are not supported");
  if (entry.method != 0 && entry.method != 8)
    return fail("compression method " + Twine(entry.method) +
                " is not supported (only stored and deflated entries)");
  uint64_t at = entry.localHeaderOffset, size = data.size();
  if (!inBounds(at, kLocalHeaderSize, size) ||
      rd32(data, at) != kLocalHeaderSig)
    return fail("no local file header at offset " + Twine(at) +
                " (truncated or corrupt archive)");
  uint64_t begin =
      at + kLocalHeaderSize + rd16(data, at + 26) + rd16(data, at + 28);
  if (!inBounds(begin, entry.compressedSize, size))
    return fail("data [" + Twine(begin) + ", +" + Twine(entry.compressedSize) +
                ") runs past the end of the file (" + Twine(size) +
                " bytes; truncated archive?)");
  const auto *raw = reinterpret_cast<const uint8_t *>(data.data()) + begin;

  auto checkCrc = [&](const uint8_t *bytes, uint64_t n) -> llvm::Error {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    for (uint64_t done = 0; done < n;) {
      uInt chunk = static_cast<uInt>(std::min<uint64_t>(n - done, 1u << 30));
      crc = ::crc32(crc, bytes + done, chunk);
      done += chunk;
    }
    if (static_cast<uint32_t>(crc) != entry.crc32)
      return fail("CRC-32 mismatch (corrupt data)");
    return llvm::Error::success();
  };

  if (entry.method == 0) {
    if (entry.compressedSize != entry.uncompressedSize)
      return fail("stored entry with compressed size " +
                  Twine(entry.compressedSize) + " != uncompressed size " +
                  Twine(entry.uncompressedSize));
    if (llvm::Error err = checkCrc(raw, entry.compressedSize))
      return std::move(err);
    return ArrayRef<uint8_t>(raw, entry.compressedSize);
  }

  // Deflated: raw deflate stream (no zlib header), inflated in one go.
  if (entry.uncompressedSize > entry.compressedSize * kMaxDeflateRatio + 1024)
    return fail("declared size " + Twine(entry.uncompressedSize) +
                " is impossible for " + Twine(entry.compressedSize) +
                " deflated bytes");
  std::unique_ptr<llvm::WritableMemoryBuffer> out =
      llvm::WritableMemoryBuffer::getNewUninitMemBuffer(
          std::max<uint64_t>(entry.uncompressedSize, 1),
          filePath + ":" + entry.name);
  if (!out)
    return fail("cannot allocate " + Twine(entry.uncompressedSize) +
                " bytes to inflate it");
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
    return fail("cannot initialize zlib");
  uint64_t inDone = 0, outDone = 0;
  int rc = Z_OK;
  auto *dst = reinterpret_cast<uint8_t *>(out->getBufferStart());
  while (rc == Z_OK) {
    uInt inChunk = static_cast<uInt>(
        std::min<uint64_t>(entry.compressedSize - inDone, 1u << 30));
    uInt outChunk = static_cast<uInt>(
        std::min<uint64_t>(entry.uncompressedSize - outDone, 1u << 30));
    stream.next_in = const_cast<Bytef *>(raw + inDone);
    stream.avail_in = inChunk;
    stream.next_out = dst + outDone;
    stream.avail_out = outChunk;
    rc = ::inflate(&stream, Z_NO_FLUSH);
    inDone += inChunk - stream.avail_in;
    outDone += outChunk - stream.avail_out;
    if (rc == Z_OK && inChunk == stream.avail_in &&
        outChunk == stream.avail_out)
      rc = Z_BUF_ERROR; // no progress: input exhausted or output full
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END)
    return fail("corrupt deflate data (" +
                Twine(stream.msg ? stream.msg
                      : outDone == entry.uncompressedSize
                          ? "more data than the declared size"
                          : "stream ends early") +
                ")");
  if (outDone != entry.uncompressedSize)
    return fail("inflates to " + Twine(outDone) + " bytes, declared " +
                Twine(entry.uncompressedSize));
  if (llvm::Error err = checkCrc(dst, outDone))
    return std::move(err);
  inflated.push_back(std::move(out));
  return ArrayRef<uint8_t>(dst, outDone);
}
