//===- FormatsTest.cpp - Zip, torch.save pickle, .npy, Google .npz --------===//
//
// Hand-built archives and pickles exercise what the lit tests (which use
// files written by torch and numpy) cannot reach easily: every malformed
// structure must give a one-line error, never a crash or an out-of-bounds
// read.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "frontend/NpyReader.h"
#include "frontend/NpzCheckpoint.h"
#include "frontend/PytorchBinReader.h"
#include "frontend/StridedCopy.h"
#include "frontend/ZipArchive.h"

#include <zlib.h>

using namespace bitc;
using namespace std::string_literals;
using bitc::test::message;

namespace {

using bitc::test::message;
/// message() of a temporary Expected.
template <typename T> std::string message(llvm::Expected<T> &&value) {
  return bitc::test::message(value);
}

std::string le16(uint16_t v) {
  return std::string{char(v & 0xff), char(v >> 8)};
}
std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

std::string rawDeflate(const std::string &data) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&s, data.size()), '\0');
  s.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
  s.avail_in = data.size();
  s.next_out = reinterpret_cast<Bytef *>(out.data());
  s.avail_out = out.size();
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

struct ZipFile {
  std::string name, data;
  uint16_t method = 0; // 0 stored, 8 deflated, other: written stored
  uint16_t flags = 0;
  bool badCrc = false;
};

/// A zip archive in the layout torch.save writes (sizes only in the central
/// directory, flag bit 3).
std::string buildZip(const std::vector<ZipFile> &files) {
  std::string out, central;
  for (const ZipFile &f : files) {
    std::string payload = f.method == 8 ? rawDeflate(f.data) : f.data;
    uint32_t crc = crc32(0, reinterpret_cast<const Bytef *>(f.data.data()),
                         f.data.size()) ^
                   (f.badCrc ? 1u : 0u);
    uint32_t offset = out.size();
    out += le32(0x04034b50) + le16(20) + le16(f.flags | 8) + le16(f.method) +
           le32(0) + le32(0) + le32(0) + le32(0) + le16(f.name.size()) +
           le16(0) + f.name + payload;
    central += le32(0x02014b50) + le16(20) + le16(20) + le16(f.flags | 8) +
               le16(f.method) + le32(0) + le32(crc) + le32(payload.size()) +
               le32(f.data.size()) + le16(f.name.size()) + le16(0) + le16(0) +
               le16(0) + le16(0) + le32(0) + le32(offset) + f.name;
  }
  uint32_t cdOffset = out.size();
  out += central;
  out += le32(0x06054b50) + le16(0) + le16(0) + le16(files.size()) +
         le16(files.size()) + le32(central.size()) + le32(cdOffset) + le16(0);
  return out;
}

std::string asString(llvm::ArrayRef<uint8_t> bytes) {
  return std::string(reinterpret_cast<const char *>(bytes.data()),
                     bytes.size());
}

//===----------------------------------------------------------------------===//
// Zip archives
//===----------------------------------------------------------------------===//

TEST(ZipArchive, StoredAndDeflated) {
  std::string big(5000, 'x');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + i % 7);
  std::string zip = buildZip({{"a/stored", "hello"}, {"a/deflated", big, 8}});
  auto archive = ZipArchive::open("f.zip", zip);
  ASSERT_TRUE(!!archive) << message(archive);
  ASSERT_EQ((*archive)->entries().size(), 2u);
  auto stored = (*archive)->read(*(*archive)->find("a/stored"));
  ASSERT_TRUE(!!stored) << message(stored);
  EXPECT_EQ(asString(*stored), "hello");
  auto inflated = (*archive)->read(*(*archive)->find("a/deflated"));
  ASSERT_TRUE(!!inflated) << message(inflated);
  EXPECT_EQ(asString(*inflated), big);
  EXPECT_EQ((*archive)->find("nope"), nullptr);
}

TEST(ZipArchive, Errors) {
  EXPECT_EQ(message(ZipArchive::open("f.zip", "short")),
            "f.zip: not a zip archive (5 bytes)");
  EXPECT_EQ(message(ZipArchive::open("f.zip", std::string(100, 'z'))),
            "f.zip: not a zip archive (no end of central directory record)");
  std::string zip = buildZip({{"x", "hello"}});
  EXPECT_EQ(message(ZipArchive::open("f.zip", zip.substr(0, zip.size() - 3))),
            "f.zip: truncated zip archive (no end of central directory "
            "record)");
  EXPECT_EQ(
      message(ZipArchive::open("f.zip", buildZip({{"x", "1"}, {"x", "2"}}))),
      "f.zip: entry 'x' appears twice");

  auto readError = [](const ZipFile &file) {
    std::string zip = buildZip({file});
    auto archive = ZipArchive::open("f.zip", zip);
    EXPECT_TRUE(!!archive) << message(archive);
    return message((*archive)->read((*archive)->entries()[0]));
  };
  EXPECT_EQ(readError({"x", "hello", 0, 0, true}),
            "f.zip: entry 'x': CRC-32 mismatch (corrupt data)");
  EXPECT_EQ(readError({"x", "hello", 12}),
            "f.zip: entry 'x': compression method 12 is not supported (only "
            "stored and deflated entries)");
  EXPECT_EQ(readError({"x", "hello", 0, 1}),
            "f.zip: entry 'x': encrypted entries are not supported");

  // The central directory pointing past the end of the file.
  std::string cut = buildZip({{"x", std::string(100, 'q')}});
  std::string tail = cut.substr(cut.size() - 22 - 46 - 1);
  std::string truncated = cut.substr(0, 50) + tail;
  // Fix the central directory offset to where it now is.
  uint32_t cdOffset = 50;
  truncated.replace(truncated.size() - 6, 4, le32(cdOffset));
  auto archive = ZipArchive::open("f.zip", truncated);
  ASSERT_TRUE(!!archive) << message(archive);
  EXPECT_EQ(message((*archive)->read((*archive)->entries()[0])),
            "f.zip: entry 'x': data [31, +100) runs past the end of the file "
            "(119 bytes; truncated archive?)");
}

TEST(ZipArchive, CorruptDeflate) {
  std::string zip = buildZip({{"x", std::string(1000, 'a'), 8}});
  // Overwrite the deflate stream with garbage.
  size_t data = 30 + 1;
  for (size_t i = 0; i < 4; ++i)
    zip[data + i] = '\xff';
  auto archive = ZipArchive::open("f.zip", zip);
  ASSERT_TRUE(!!archive) << message(archive);
  std::string error = message((*archive)->read((*archive)->entries()[0]));
  EXPECT_TRUE(llvm::StringRef(error).starts_with(
      "f.zip: entry 'x': corrupt deflate data"))
      << error;
}

//===----------------------------------------------------------------------===//
// Strided views
//===----------------------------------------------------------------------===//

TEST(StridedCopy, ContiguityAndBounds) {
  EXPECT_TRUE(isContiguousView({2, 3}, {3, 1}));
  EXPECT_FALSE(isContiguousView({2, 3}, {1, 2}));
  EXPECT_TRUE(isContiguousView({1, 3}, {99, 1}));
  EXPECT_TRUE(isContiguousView({0, 3}, {5, 7}));
  EXPECT_TRUE(isContiguousView({}, {}));
  EXPECT_EQ(checkViewBounds(0, {2, 3}, {3, 1}, 6), std::nullopt);
  EXPECT_NE(checkViewBounds(1, {2, 3}, {3, 1}, 6), std::nullopt);
  EXPECT_NE(checkViewBounds(0, {2, 3}, {3}, 6), std::nullopt);
  EXPECT_NE(checkViewBounds(0, {2, -3}, {3, 1}, 6), std::nullopt);
  EXPECT_NE(checkViewBounds(0, {INT64_MAX, 2}, {INT64_MAX, 1}, 6),
            std::nullopt);
  EXPECT_EQ(checkViewBounds(6, {0}, {1}, 6), std::nullopt);
  EXPECT_NE(checkViewBounds(7, {0}, {1}, 6), std::nullopt);
}

TEST(StridedCopy, Transpose) {
  // A 2x3 row-major matrix read as its 3x2 transpose, from offset 1.
  std::vector<float> storage = {-1, 0, 1, 2, 3, 4, 5};
  auto copy = gatherStrided(reinterpret_cast<const uint8_t *>(storage.data()),
                            4, 1, {3, 2}, {1, 3}, "t");
  ASSERT_TRUE(copy);
  const float *out = reinterpret_cast<const float *>(copy->getBufferStart());
  EXPECT_EQ(std::vector<float>(out, out + 6),
            (std::vector<float>{0, 3, 1, 4, 2, 5}));
  // Rank 3 with a broadcast (stride 0) dimension.
  copy = gatherStrided(reinterpret_cast<const uint8_t *>(storage.data()), 4, 0,
                       {2, 2, 2}, {0, 2, 1}, "b");
  out = reinterpret_cast<const float *>(copy->getBufferStart());
  EXPECT_EQ(std::vector<float>(out, out + 8),
            (std::vector<float>{-1, 0, 1, 2, -1, 0, 1, 2}));
}

//===----------------------------------------------------------------------===//
// torch.save pickles
//===----------------------------------------------------------------------===//

/// Pickle fragments, as torch.save writes them.
struct Pickle {
  std::string bytes = "\x80\x02";
  Pickle &op(const std::string &s) {
    bytes += s;
    return *this;
  }
  Pickle &str(const std::string &s) { return op("X" + le32(s.size()) + s); }
  Pickle &global(const std::string &module, const std::string &name) {
    return op("c" + module + "\n" + name + "\n");
  }
  Pickle &int1(uint8_t v) { return op(std::string("K") + char(v)); }
  /// One `name: tensor` item: _rebuild_tensor_v2 of a storage view.
  Pickle &tensor(const std::string &name, const std::string &key,
                 const std::string &type, int numel, int offset,
                 std::vector<int> sizes, std::vector<int> strides) {
    str(name).global("torch._utils", "_rebuild_tensor_v2").op("((");
    str("storage").global("torch", type).str(key).str("cpu").int1(numel);
    op("tQ").int1(offset).op("(");
    for (int s : sizes)
      int1(s);
    op("t(");
    for (int s : strides)
      int1(s);
    op("t\x89").global("collections", "OrderedDict").op(")Rt").op("R");
    return *this;
  }
};

std::string floats(std::vector<float> v) {
  return std::string(reinterpret_cast<const char *>(v.data()), v.size() * 4);
}

struct BinResult {
  std::vector<TensorInfo> tensors;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> owned;
  std::string error;
  std::string zip;
};

std::unique_ptr<BinResult> readBin(const std::string &pickle,
                                   std::vector<ZipFile> storages) {
  auto result = std::make_unique<BinResult>();
  storages.insert(storages.begin(), ZipFile{"m/data.pkl", pickle});
  result->zip = buildZip(storages);
  result->error = message(
      readPytorchBin("m.bin", result->zip, result->tensors, result->owned));
  return result;
}

std::vector<float> values(const TensorInfo &info) {
  const float *p = reinterpret_cast<const float *>(info.bytes.data());
  return std::vector<float>(p, p + info.bytes.size() / 4);
}

TEST(PytorchBin, SharedStorageOffsetsAndStrides) {
  // One storage of 7 floats holding: 'a' = [2, 3] at offset 1, its
  // transpose 'at', and 'b' = elements 0, 2, 4, 6 (stride 2).
  Pickle p;
  p.global("collections", "OrderedDict").op(")R(");
  p.tensor("a", "0", "FloatStorage", 7, 1, {2, 3}, {3, 1});
  p.tensor("at", "0", "FloatStorage", 7, 1, {3, 2}, {1, 3});
  p.tensor("b", "0", "FloatStorage", 7, 0, {4}, {2});
  p.op("u.");
  auto r = readBin(p.bytes, {{"m/data/0", floats({9, 0, 1, 2, 3, 4, 5})}});
  ASSERT_EQ(r->error, "");
  ASSERT_EQ(r->tensors.size(), 3u);
  EXPECT_EQ(r->tensors[0].name, "a");
  EXPECT_EQ(r->tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values(r->tensors[0]), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values(r->tensors[1]), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(values(r->tensors[2]), (std::vector<float>{9, 1, 3, 5}));
  // Contiguous tensors stay in the file; the two views were copied.
  EXPECT_EQ(r->owned.size(), 2u);
}

TEST(PytorchBin, MemoAndMetadata) {
  // BINPUT/LONG_BINPUT/BINGET/LONG_BINGET, an EMPTY_DICT with SETITEM,
  // BUILD with _metadata (what module.state_dict() adds), protocol-4 style
  // SHORT_BINUNICODE, STACK_GLOBAL and MEMOIZE, a half storage.
  Pickle p;
  p.global("collections", "OrderedDict").op("q\x00)R("s);
  p.op("\x8c\x01h\x94"); // SHORT_BINUNICODE 'h', MEMOIZE (index 1)
  p.op("\x8c\x0ctorch._utils\x8c\x12_rebuild_tensor_v2\x93r\x00\x01\x00\x00"s);
  p.op("((").str("storage").global("torch", "HalfStorage").str("k").str("cpu");
  p.int1(2).op("tQ").int1(0).int1(2).op("\x85").int1(1).op("\x85\x89");
  p.op("h\x00)Rt"s).op("R"); // BINGET 0 = OrderedDict
  p.op("u}").str("_metadata").op("j\x00\x00\x00\x00)R("s).str("").op("}");
  p.str("version").int1(1).op("su").op("sb.");
  auto r = readBin(p.bytes, {{"m/data/k", "\x00\x3c\x00\xc0"s}});
  ASSERT_EQ(r->error, "");
  ASSERT_EQ(r->tensors.size(), 1u);
  EXPECT_EQ(r->tensors[0].name, "h");
  EXPECT_EQ(r->tensors[0].dtype, DType::F16);
  EXPECT_EQ(r->tensors[0].shape, (std::vector<int64_t>{2}));
}

std::string binError(const std::string &pickle,
                     std::vector<ZipFile> storages = {}) {
  return readBin(pickle, std::move(storages))->error;
}

TEST(PytorchBin, PickleErrors) {
  const std::string where = "m.bin: m/data.pkl: ";
  EXPECT_EQ(binError("\x80\x02I7\n."),
            where + "unsupported pickle opcode 0x49 ('I') (at byte 2)");
  EXPECT_EQ(binError("\x80\x02h\x05."),
            where + "memo index 5 was never stored (at byte 2)");
  EXPECT_EQ(binError("\x80\x02j\xff\xff\xff\xff."),
            where + "memo index 4294967295 was never stored (at byte 2)");
  EXPECT_EQ(binError("\x80\x02q\x00."s),
            where + "memoize with an empty stack (at byte 2)");
  EXPECT_EQ(binError("\x80\x02" + std::string("0")),
            where + "stack underflow (at byte 2)");
  EXPECT_EQ(binError("\x80\x02}"),
            where + "truncated pickle (no STOP) (at byte 3)");
  EXPECT_EQ(binError("\x80\x02X\xff\xff\x00\x00"
                     "ab."s),
            where + "truncated pickle (at byte 2)");
  EXPECT_EQ(binError("\x80\x02"
                     "cos\nsystem"),
            where + "truncated pickle (unterminated GLOBAL) (at byte 2)");
  EXPECT_EQ(binError("\x80\x09."),
            where + "pickle protocol 9 is not supported (torch.save writes "
                    "protocol 2) (at byte 0)");
  EXPECT_EQ(
      binError("\x80\x02" + std::string(")") + std::string(40, '\x85') + "."),
      where + "objects nested deeper than 32 levels (at byte 34)");
  EXPECT_EQ(binError("\x80\x02"
                     "cos\nsystem\n(X\x02\x00\x00\x00lstR."s),
            where + "unsupported pickle global 'os.system' (not a state dict "
                    "of tensors?) (at byte 22)");
  EXPECT_EQ(binError("\x80\x02}}."),
            where + "STOP with 2 values on the stack (expected 1) (at byte 4)");
  EXPECT_EQ(binError("\x80\x02(}."),
            where + "STOP with an open MARK (at byte 4)");
  EXPECT_EQ(binError("\x80\x02]."),
            "m.bin: data.pkl holds a list, not a state dict (an OrderedDict "
            "of tensors)");
  EXPECT_EQ(binError("\x80\x02}X\x01\x00\x00\x00"
                     "aK\x01s."s),
            "m.bin: tensor 'a': is a int, not a tensor");
  // A BININT1 of a MARK-less TUPLE.
  EXPECT_EQ(binError("\x80\x02K\x01t."),
            where + "no MARK on the stack (at byte 4)");
  // Random bytes never crash the machine.
  std::string noise = "\x80\x02";
  uint32_t state = 12345;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1103515245 + 12345;
    noise += static_cast<char>(state >> 24);
    (void)binError(noise.substr(0, 2 + (state >> 8) % (noise.size() - 1)));
  }
}

TEST(PytorchBin, TensorErrors) {
  auto one = [](const std::string &type, int numel, int offset,
                std::vector<int> sizes, std::vector<int> strides) {
    Pickle p;
    p.global("collections", "OrderedDict").op(")R(");
    p.tensor("w", "0", type, numel, offset, sizes, strides);
    p.op("u.");
    return p.bytes;
  };
  std::string data = floats({1, 2, 3, 4});
  EXPECT_EQ(binError(one("FloatStorage", 4, 1, {4}, {1}), {{"m/data/0", data}}),
            "m.bin: tensor 'w': size [4], stride [1], offset 1: view (offset "
            "1, last element 4) reads past the storage of 4 elements");
  EXPECT_EQ(binError(one("FloatStorage", 5, 0, {4}, {1}), {{"m/data/0", data}}),
            "m.bin: tensor 'w': storage '0' holds 16 bytes but "
            "torch.FloatStorage of 5 elements needs 5 x 4");
  EXPECT_EQ(
      binError(one("DoubleStorage", 2, 0, {2}, {1}), {{"m/data/0", data}}),
      "m.bin: tensor 'w': storage type torch.DoubleStorage is not "
      "supported (float32, float16, bfloat16)");
  EXPECT_EQ(binError(one("FloatStorage", 4, 0, {4}, {1})),
            "m.bin: tensor 'w': storage '0' has no entry 'm/data/0' in the "
            "archive");
  EXPECT_EQ(binError(one("FloatStorage", 4, 0, {4}, {1}),
                     {{"m/data/0", data, 0, 0, true}}),
            "m.bin: entry 'm/data/0': CRC-32 mismatch (corrupt data)");
}

TEST(PytorchBin, ArchiveErrors) {
  std::vector<TensorInfo> tensors;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> owned;
  EXPECT_EQ(message(readPytorchBin("m.bin", "\x80\x02}.", tensors, owned)),
            "m.bin: legacy (torch < 1.6) serialization is not supported; "
            "re-save it with torch >= 1.6 or as safetensors");
  std::string zip = buildZip({{"m/other", "x"}});
  EXPECT_EQ(message(readPytorchBin("m.bin", zip, tensors, owned)),
            "m.bin: no <archive>/data.pkl entry: not a torch.save file");
  zip = buildZip({{"m/data.pkl", "\x80\x02}."}, {"m/byteorder", "big"}});
  EXPECT_EQ(message(readPytorchBin("m.bin", zip, tensors, owned)),
            "m.bin: storages are stored with byte order 'big' (only "
            "little-endian files are supported)");
}

//===----------------------------------------------------------------------===//
// .npy arrays
//===----------------------------------------------------------------------===//

std::string npy(int major, const std::string &dict, const std::string &data) {
  std::string header = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY" + std::string{char(major), 0};
  out += major == 1 ? le16(header.size()) : le32(header.size());
  return out + header + data;
}

llvm::ArrayRef<uint8_t> bytesOf(const std::string &s) {
  return llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(s.data()),
                                 s.size());
}

TEST(Npy, Versions) {
  for (int major : {1, 2, 3}) {
    std::string file = npy(
        major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        floats({0, 1, 2, 3, 4, 5}));
    auto array = parseNpy(bytesOf(file));
    ASSERT_TRUE(!!array) << message(array);
    EXPECT_EQ(array->dtype, DType::F32);
    EXPECT_EQ(array->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(array->strides(), (std::vector<int64_t>{3, 1}));
  }
  std::string file =
      npy(1, "{'descr': '<f2', 'fortran_order': True, 'shape': (2, 3, 4), }",
          std::string(48, '\0'));
  auto array = parseNpy(bytesOf(file));
  ASSERT_TRUE(!!array) << message(array);
  EXPECT_EQ(array->dtype, DType::F16);
  EXPECT_TRUE(array->fortranOrder);
  EXPECT_EQ(array->strides(), (std::vector<int64_t>{1, 2, 6}));
  // Scalars and 1-tuples.
  array = parseNpy(
      bytesOf(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                  floats({7}))));
  ASSERT_TRUE(!!array) << message(array);
  EXPECT_TRUE(array->shape.empty());
  array = parseNpy(bytesOf(
      npy(1, "{\"descr\": \"<f4\", \"shape\": (1,), \"fortran_order\": False}",
          floats({7}))));
  ASSERT_TRUE(!!array) << message(array);
  EXPECT_EQ(array->shape, (std::vector<int64_t>{1}));
}

TEST(Npy, Errors) {
  auto error = [](const std::string &file) {
    auto array = parseNpy(bytesOf(file));
    return message(array);
  };
  const std::string ok = "'fortran_order': False, 'shape': (2,), }";
  EXPECT_EQ(error(npy(1, "{'descr': '<f8', " + ok, std::string(16, '\0'))),
            "dtype '<f8' is not supported (float32 '<f4', float16 '<f2')");
  EXPECT_EQ(error(npy(1, "{'descr': '>f4', " + ok, std::string(8, '\0'))),
            "dtype '>f4' is not supported (float32 '<f4', float16 '<f2')");
  EXPECT_EQ(error(npy(1, "{'descr': '<f4', " + ok, std::string(7, '\0'))),
            "holds 7 data bytes but <f4 of this shape needs 8 (truncated?)");
  EXPECT_EQ(error("\x93NUMPY\x04\x00xxxxxxxx"s),
            ".npy format version 4.0 is not supported (1.0, 2.0, 3.0)");
  EXPECT_EQ(error("PK\x03\x04 not npy"),
            "not a .npy array (no \\x93NUMPY magic)");
  EXPECT_EQ(error("\x93NUMPY\x01\x00\xff\xff"s),
            ".npy header length 65535 exceeds the array's 10 bytes");
  EXPECT_TRUE(llvm::StringRef(error(npy(1, "[1, 2]", "")))
                  .starts_with("malformed .npy header: not a dict"));
  EXPECT_TRUE(llvm::StringRef(error(npy(1, "{'descr': '<f4', 'shape': (2,)}",
                                        std::string(8, '\0'))))
                  .starts_with("malformed .npy header: needs 'descr', "
                               "'fortran_order' and 'shape'"));
  EXPECT_TRUE(
      llvm::StringRef(error(npy(1,
                                "{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (-2,), }",
                                "")))
          .starts_with("malformed .npy header: 'shape' must be a tuple"));
  EXPECT_TRUE(
      llvm::StringRef(error(npy(1, "{'descr': [('a', '<f4')], " + ok, "")))
          .starts_with("structured dtype"));
}

//===----------------------------------------------------------------------===//
// Google's names
//===----------------------------------------------------------------------===//

TEST(GoogleNpz, ArchitectureNames) {
  auto arch = parseGoogleArch("BiT-M-R50x1");
  ASSERT_TRUE(arch);
  EXPECT_EQ(arch->layers, 50);
  EXPECT_EQ(arch->widthFactor, 1);
  arch = parseGoogleArch("/some/dir/BiT-S-R152x4-ILSVRC2012.npz");
  ASSERT_TRUE(arch);
  EXPECT_EQ(arch->layers, 152);
  EXPECT_EQ(arch->widthFactor, 4);
  arch = parseGoogleArch("BiT-M-R101x3.npz");
  ASSERT_TRUE(arch);
  EXPECT_EQ(arch->layers, 101);
  for (const char *bad :
       {"BiT-M-R50x5", "BiT-L-R50x1", "BiT-M-R34x1", "bit-m-r50x1",
        "BiT-M-R50x1.npy", "model.npz", "BiT-M-R50x1-foo.npz", "R50x1"})
    EXPECT_FALSE(parseGoogleArch(bad)) << bad;
}

TEST(GoogleNpz, Names) {
  EXPECT_EQ(huggingFaceName("resnet/root_block/standardized_conv2d/kernel"),
            "bit.embedder.convolution.weight");
  EXPECT_EQ(huggingFaceName("resnet/head/conv2d/kernel"),
            "classifier.1.weight");
  EXPECT_EQ(huggingFaceName("resnet/head/conv2d/bias"), "classifier.1.bias");
  EXPECT_EQ(huggingFaceName("resnet/group_norm/gamma"), "bit.norm.weight");
  EXPECT_EQ(huggingFaceName("resnet/block1/unit01/a/group_norm/gamma"),
            "bit.encoder.stages.0.layers.0.norm1.weight");
  EXPECT_EQ(
      huggingFaceName("resnet/block3/unit23/c/standardized_conv2d/kernel"),
      "bit.encoder.stages.2.layers.22.conv3.weight");
  EXPECT_EQ(huggingFaceName("resnet/block4/unit01/a/proj/standardized_conv2d/"
                            "kernel"),
            "bit.encoder.stages.3.layers.0.downsample.conv.weight");
  EXPECT_EQ(huggingFaceName("resnet/block2/unit02/b/group_norm/beta"),
            "bit.encoder.stages.1.layers.1.norm2.bias");
  EXPECT_EQ(huggingFaceName("resnet/block0/unit01/a/group_norm/beta"), "");
  EXPECT_EQ(huggingFaceName("resnet/block1/unit01/b/proj/standardized_conv2d/"
                            "kernel"),
            "");
  EXPECT_EQ(huggingFaceName("something/else"), "");
}

TEST(GoogleNpz, TransposesKernels) {
  test::TempDir dir;
  // A 2x1 HWIO kernel with I = 2, O = 3: value = 100h + 10i + o.
  std::vector<float> hwio;
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 2; ++i)
      for (int o = 0; o < 3; ++o)
        hwio.push_back(100 * h + 10 * i + o);
  std::string dict4 =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2, 3), }";
  std::string head = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, "
                     "1, 2, 3), }";
  std::string path = dir.write(
      "BiT-M-R50x1.npz",
      buildZip({{"resnet/root_block/standardized_conv2d/kernel.npy",
                 npy(1, dict4, floats(hwio))},
                {"resnet/head/conv2d/kernel.npy",
                 npy(1, head, floats({0, 1, 2, 10, 11, 12}))},
                {"resnet/head/conv2d/bias.npy",
                 npy(1,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': "
                     "(3,), }",
                     floats({7, 8, 9}))}}));
  auto store = openGoogleNpz(path);
  ASSERT_TRUE(!!store) << message(store);
  const TensorInfo *root = (*store)->lookup("bit.embedder.convolution.weight");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->shape, (std::vector<int64_t>{3, 2, 2, 1}));
  auto w = (*store)->getF32(root->name);
  ASSERT_TRUE(!!w) << message(w);
  // OIHW: [o][i][h][0] = 100h + 10i + o.
  EXPECT_EQ((*w)[0 * 4 + 1 * 2 + 1], 110.0f);
  EXPECT_EQ((*w)[2 * 4 + 0 * 2 + 1], 102.0f);
  const TensorInfo *fc = (*store)->lookup("classifier.1.weight");
  ASSERT_TRUE(fc);
  EXPECT_EQ(fc->shape, (std::vector<int64_t>{3, 2}));
  auto f = (*store)->getF32(fc->name);
  ASSERT_TRUE(!!f) << message(f);
  EXPECT_EQ(std::vector<float>(f->begin(), f->end()),
            (std::vector<float>{0, 10, 1, 11, 2, 12}));
  BitConfig config = googleConfig(GoogleArch{101, 2}, **store);
  EXPECT_EQ(config.embeddingSize, 3);
  EXPECT_EQ(config.labels.size(), 3u);
  EXPECT_EQ(config.labels[2], "LABEL_2");
  EXPECT_EQ(config.depths, (std::vector<int64_t>{3, 4, 23, 3}));
  EXPECT_EQ(config.widthFactor, 2);
  EXPECT_EQ(config.wsEps, 1e-10);
}

} // namespace
