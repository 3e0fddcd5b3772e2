//===- TensorStoreTest.cpp - safetensors reader ---------------------------===//

#include "frontend/TensorStore.h"
#include "TestUtil.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <sys/stat.h>

using namespace bitc;
using namespace bitc::test;

namespace {

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

//===----------------------------------------------------------------------===//
// F16 / BF16
//===----------------------------------------------------------------------===//

TEST(HalfToFloat, NamedValues) {
  EXPECT_EQ(bitsOf(halfToFloat(0x0000)), 0x00000000u);
  EXPECT_EQ(bitsOf(halfToFloat(0x8000)), 0x80000000u); // -0
  EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(halfToFloat(0xc000), -2.0f);
  EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);              // largest finite
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14)); // smallest normal
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
  EXPECT_EQ(halfToFloat(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(halfToFloat(0x0200), std::ldexp(1.0f, -15));
  EXPECT_EQ(halfToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(halfToFloat(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7c01))); // signalling payload
  EXPECT_EQ(bitsOf(halfToFloat(0x7c01)), 0x7f802000u);
  EXPECT_EQ(bitsOf(halfToFloat(0xfe00)), 0xffc00000u);
}

TEST(HalfToFloat, Exhaustive) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    int sign = h >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    float got = halfToFloat(static_cast<uint16_t>(h));
    if (exponent == 0x1f) {
      EXPECT_EQ(std::isnan(got), mantissa != 0) << h;
      EXPECT_EQ(std::signbit(got), sign != 0) << h;
      continue;
    }
    double magnitude = exponent == 0
                           ? std::ldexp(double(mantissa), -24)
                           : std::ldexp(double(1024 + mantissa), exponent - 25);
    double expected = sign ? -magnitude : magnitude;
    EXPECT_EQ(double(got), expected) << h;
    EXPECT_EQ(std::signbit(got), sign != 0) << h;
  }
}

TEST(BFloat16ToFloat, Values) {
  EXPECT_EQ(bfloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(0xc040), -3.0f);
  EXPECT_EQ(bfloat16ToFloat(0x0001), std::ldexp(1.0f, -133)); // subnormal
  EXPECT_EQ(bfloat16ToFloat(0x0080), std::ldexp(1.0f, -126));
  EXPECT_EQ(bitsOf(bfloat16ToFloat(0x8000)), 0x80000000u);
  EXPECT_EQ(bfloat16ToFloat(0x7f80), std::numeric_limits<float>::infinity());
  EXPECT_EQ(bfloat16ToFloat(0xff80), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(0x7fc0)));
  EXPECT_EQ(bitsOf(bfloat16ToFloat(0x7f81)), 0x7f810000u);
  for (uint32_t b = 0; b < 0x10000; ++b)
    EXPECT_EQ(bitsOf(bfloat16ToFloat(static_cast<uint16_t>(b))), b << 16);
}

//===----------------------------------------------------------------------===//
// Single files
//===----------------------------------------------------------------------===//

class SafetensorsFile : public ::testing::Test {
protected:
  llvm::Expected<std::unique_ptr<TensorStore>> open(llvm::StringRef bytes) {
    path = dir.write("model.safetensors", bytes);
    return TensorStore::openFile(path);
  }
  /// The error for `bytes`, "<path>: " checked and removed from every line.
  std::string error(llvm::StringRef bytes) {
    auto store = open(bytes);
    std::string msg = message(store);
    EXPECT_FALSE(msg.empty()) << "expected an error";
    std::string prefix = path + ": ";
    std::string out;
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(msg).split(lines, '\n');
    for (llvm::StringRef line : lines) {
      EXPECT_TRUE(line.starts_with(prefix)) << line.str();
      out += (out.empty() ? "" : "\n") +
             line.drop_front(std::min(prefix.size(), line.size())).str();
    }
    return out;
  }
  TempDir dir;
  std::string path;
};

std::vector<TensorSpec> goodTensors() {
  return {{"a", "F32", {2, 3}, floatBytes({1, 2, 3, 4, 5, 6})},
          {"b.half", "F16", {3}, u16Bytes({0x3c00, 0xc000, 0x0001})},
          {"c.brain", "BF16", {2}, u16Bytes({0x3f80, 0x7f80})},
          {"empty", "F32", {0, 4}, ""}};
}

TEST_F(SafetensorsFile, GoodFile) {
  auto store = open(
      buildSafetensors(goodTensors(), /*padding=*/0, R"({"format":"pt"})"));
  ASSERT_TRUE(!!store) << message(store);
  TensorStore &s = **store;
  ASSERT_EQ(s.tensors().size(), 4u);
  EXPECT_EQ(s.tensors()[0].name, "a");
  EXPECT_EQ(s.tensors()[3].name, "empty");
  EXPECT_EQ(s.files(), std::vector<std::string>{path});
  EXPECT_EQ(s.source(), path);
  EXPECT_EQ(s.totalBytes(), 24u + 6u + 4u);

  const TensorInfo *a = s.lookup("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::F32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->numElements(), 6);
  EXPECT_EQ(a->file, path);
  EXPECT_EQ(s.lookup("nope"), nullptr);

  auto av = s.getF32("a");
  ASSERT_TRUE(!!av) << message(av);
  EXPECT_EQ(std::vector<float>(av->begin(), av->end()),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  auto hv = s.getF32("b.half");
  ASSERT_TRUE(!!hv) << message(hv);
  EXPECT_EQ(std::vector<float>(hv->begin(), hv->end()),
            (std::vector<float>{1, -2, std::ldexp(1.0f, -24)}));
  auto bv = s.getF32("c.brain");
  ASSERT_TRUE(!!bv) << message(bv);
  EXPECT_EQ((*bv)[0], 1.0f);
  EXPECT_EQ((*bv)[1], std::numeric_limits<float>::infinity());
  auto ev = s.getF32("empty");
  ASSERT_TRUE(!!ev) << message(ev);
  EXPECT_TRUE(ev->empty());
  // Conversions are cached: the same view twice.
  auto hv2 = s.getF32("b.half");
  ASSERT_TRUE(!!hv2);
  EXPECT_EQ(hv->data(), hv2->data());

  auto missing = s.getF32("nope");
  EXPECT_EQ(message(missing), path + ": no tensor 'nope'");
}

TEST_F(SafetensorsFile, AlignedF32IsZeroCopyMisalignedIsCopied) {
  std::vector<float> values = {0.5f, -1.25f, 3e-40f /*subnormal*/, 7.0f};
  for (size_t padding = 0; padding < 8; ++padding) {
    auto store = open(
        buildSafetensors({{"w", "F32", {4}, floatBytes(values)}}, padding));
    ASSERT_TRUE(!!store) << message(store);
    const TensorInfo *info = (*store)->lookup("w");
    ASSERT_NE(info, nullptr);
    auto view = (*store)->getF32("w");
    ASSERT_TRUE(!!view) << message(view);
    ASSERT_EQ(view->size(), 4u);
    for (size_t i = 0; i < 4; ++i)
      EXPECT_EQ(bitsOf((*view)[i]), bitsOf(values[i])) << padding;
    bool aligned = reinterpret_cast<uintptr_t>(info->bytes.data()) % 4 == 0;
    EXPECT_EQ(static_cast<const void *>(view->data()) ==
                  static_cast<const void *>(info->bytes.data()),
              aligned)
        << padding;
  }
}

TEST_F(SafetensorsFile, LargeFileIsMapped) {
  // Big enough for MemoryBuffer to mmap rather than read.
  std::vector<float> values(300000);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<float>(i) * 0.5f;
  for (size_t padding : {0, 1}) {
    auto store = open(buildSafetensors(
        {{"big", "F32", {300000}, floatBytes(values)}}, padding));
    ASSERT_TRUE(!!store) << message(store);
    auto view = (*store)->getF32("big");
    ASSERT_TRUE(!!view) << message(view);
    EXPECT_EQ(std::vector<float>(view->begin(), view->end()), values);
  }
}

TEST_F(SafetensorsFile, EmptyHeaderObject) {
  auto store = open(rawSafetensors("{}", ""));
  ASSERT_TRUE(!!store) << message(store);
  EXPECT_TRUE((*store)->tensors().empty());
}

TEST_F(SafetensorsFile, HeaderLength) {
  EXPECT_EQ(error(""), "file too short for a safetensors header (0 bytes)");
  EXPECT_EQ(error("1234567"),
            "file too short for a safetensors header (7 bytes)");
  EXPECT_EQ(error(le64(0) + "{}"), "header length is 0");
  EXPECT_EQ(error(le64(3) + "{}"),
            "header length 3 exceeds the file size (10 bytes)");
  EXPECT_EQ(error(le64(uint64_t(1) << 63) + "{}"),
            "header length 9223372036854775808 exceeds the file size (10 "
            "bytes)");
  EXPECT_EQ(error(le64(~uint64_t(0)) + "{}"),
            "header length 18446744073709551615 exceeds the file size (10 "
            "bytes)");
  EXPECT_EQ(error(le64(~uint64_t(0) - 7) + "{}"),
            "header length 18446744073709551608 exceeds the file size (10 "
            "bytes)");
}

TEST_F(SafetensorsFile, TruncatedAtEveryByte) {
  std::string good = buildSafetensors(goodTensors());
  uint64_t headerLength = good.size() - 8 - 34;
  for (size_t cut = 0; cut < good.size(); ++cut) {
    std::string msg = error(llvm::StringRef(good).take_front(cut));
    if (cut < 8)
      EXPECT_EQ(msg, "file too short for a safetensors header (" +
                         std::to_string(cut) + " bytes)");
    else if (cut < 8 + headerLength)
      EXPECT_EQ(msg, "header length " + std::to_string(headerLength) +
                         " exceeds the file size (" + std::to_string(cut) +
                         " bytes)");
    else {
      // One tensor past the end is named with its offsets; several make one
      // "truncated" line.
      std::string held = std::to_string(cut - 8 - headerLength);
      bool one = msg.find("lie outside the data section (" + held +
                          " bytes)") != std::string::npos;
      bool several =
          msg.rfind("truncated: the data section holds " + held + " bytes",
                    0) == 0;
      EXPECT_TRUE(one || several) << msg;
    }
  }
}

TEST_F(SafetensorsFile, HeaderCutAtEveryByte) {
  // The header itself truncated (with a matching length): never valid JSON.
  std::string good = buildSafetensors(goodTensors());
  uint64_t headerLength = good.size() - 8 - 34;
  std::string header = good.substr(8, headerLength);
  for (size_t cut = 1; cut < header.size(); ++cut) {
    std::string msg = error(rawSafetensors(header.substr(0, cut), ""));
    EXPECT_EQ(msg.rfind("invalid JSON header: ", 0), 0u) << cut << " " << msg;
  }
}

TEST_F(SafetensorsFile, MutatedBytesNeverCrash) {
  // Every byte of a good file replaced by a few interesting values: each
  // result is a clean error or a store whose tensors all read back.
  std::string good = buildSafetensors(goodTensors());
  const char replacements[] = {'\0', '\x7f', '\xff', '"', '{', '[', '9', '-'};
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : replacements) {
      std::string bytes = good;
      bytes[i] = c;
      auto store = open(bytes);
      if (!store) {
        std::string msg = message(store);
        EXPECT_FALSE(msg.empty());
        continue;
      }
      for (const TensorInfo &info : (*store)->tensors()) {
        auto view = (*store)->getF32(info.name);
        ASSERT_TRUE(!!view) << message(view);
        EXPECT_EQ(static_cast<int64_t>(view->size()), info.numElements());
      }
    }
  }
}

TEST_F(SafetensorsFile, BadJson) {
  EXPECT_EQ(error(rawSafetensors("{\"a\": ", "")),
            "invalid JSON header: [1:6, byte=6]: Unexpected EOF");
  EXPECT_EQ(error(rawSafetensors("not json", "")),
            "invalid JSON header: [1:2, byte=2]: Invalid JSON value (null?)");
  EXPECT_EQ(error(rawSafetensors("{}x", "")),
            "invalid JSON header: [1:2, byte=2]: Text after end of document");
  EXPECT_EQ(error(rawSafetensors(std::string("{\"\xff\": 1}"), "")),
            "invalid JSON header: [1:2, byte=2]: Invalid UTF-8 sequence");
  EXPECT_EQ(error(rawSafetensors(std::string(100000, '['), "")),
            "invalid JSON header: nested deeper than 64 levels");
  EXPECT_EQ(error(rawSafetensors("[1, 2]", "")), "header is not a JSON object");
  EXPECT_EQ(error(rawSafetensors("\"str\"", "")),
            "header is not a JSON object");
  EXPECT_EQ(error(rawSafetensors("null", "")), "header is not a JSON object");
}

TEST_F(SafetensorsFile, DuplicateKeys) {
  std::string entry = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  EXPECT_EQ(error(rawSafetensors("{\"w\":" + entry + ",\"w\":" + entry + "}",
                                 floatBytes({1}))),
            "tensor 'w': listed twice in the header");
  // Equal after unescaping.
  EXPECT_EQ(
      error(rawSafetensors("{\"w\":" + entry + ",\"\\u0077\":" + entry + "}",
                           floatBytes({1}))),
      "tensor 'w': listed twice in the header");
  EXPECT_EQ(
      error(rawSafetensors(
          R"({"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})",
          floatBytes({1}))),
      "tensor 'w': duplicate key 'dtype'");
  EXPECT_EQ(error(rawSafetensors(R"({"__metadata__":{"a":"1","a":"2"}})", "")),
            "'__metadata__': duplicate key 'a'");
  // Same key in different objects is fine.
  auto store = open(
      rawSafetensors(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                     R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                     floatBytes({1, 2})));
  EXPECT_TRUE(!!store) << message(store);
}

std::string oneTensor(llvm::StringRef entry, llvm::StringRef data) {
  return rawSafetensors(("{\"w\":" + entry + "}").str(), data);
}

TEST_F(SafetensorsFile, EntryErrors) {
  const std::string four = floatBytes({1, 2, 3, 4});
  const std::pair<std::string, std::string> cases[] = {
      {"[]", "tensor 'w': entry must be an object with 'dtype', 'shape' and "
             "'data_offsets'"},
      {R"({"shape":[4],"data_offsets":[0,16]})", "tensor 'w': missing 'dtype'"},
      {R"({"dtype":4,"shape":[4],"data_offsets":[0,16]})",
       "tensor 'w': 'dtype' must be a string"},
      {R"({"dtype":"I64","shape":[2],"data_offsets":[0,16]})",
       "tensor 'w': unsupported dtype 'I64' (supported: F32, F16, BF16)"},
      {R"({"dtype":"f32","shape":[4],"data_offsets":[0,16]})",
       "tensor 'w': unsupported dtype 'f32' (supported: F32, F16, BF16)"},
      {R"({"dtype":"F32","data_offsets":[0,16]})",
       "tensor 'w': missing 'shape'"},
      {R"({"dtype":"F32","shape":4,"data_offsets":[0,16]})",
       "tensor 'w': 'shape' must be an array of non-negative integers"},
      {R"({"dtype":"F32","shape":[-4],"data_offsets":[0,16]})",
       "tensor 'w': 'shape' must be an array of non-negative integers"},
      {R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,16]})",
       "tensor 'w': 'shape' must be an array of non-negative integers"},
      {R"({"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,16]})",
       "tensor 'w': 'shape' must be an array of non-negative integers"},
      {R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]})",
       "tensor 'w': shape [4294967296, 4294967296] has too many elements"},
      {R"({"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,16]})",
       "tensor 'w': shape [2305843009213693952] has too many elements"},
      {R"({"dtype":"F32","shape":[4]})", "tensor 'w': missing 'data_offsets'"},
      {R"({"dtype":"F32","shape":[4],"data_offsets":[0]})",
       "tensor 'w': 'data_offsets' must be [begin, end] with non-negative "
       "integers"},
      {R"({"dtype":"F32","shape":[4],"data_offsets":[0,16,32]})",
       "tensor 'w': 'data_offsets' must be [begin, end] with non-negative "
       "integers"},
      {R"({"dtype":"F32","shape":[4],"data_offsets":[-1,15]})",
       "tensor 'w': 'data_offsets' must be [begin, end] with non-negative "
       "integers"},
      {R"({"dtype":"F32","shape":[4],"data_offsets":"0-16"})",
       "tensor 'w': 'data_offsets' must be [begin, end] with non-negative "
       "integers"},
      {R"({"dtype":"F32","shape":[4],"data_offsets":[16,0]})",
       "tensor 'w': data_offsets [16, 0] are reversed (begin > end)"},
      {R"({"dtype":"F32","shape":[4],"data_offsets":[0,20]})",
       "tensor 'w': data_offsets [0, 20] lie outside the data section (16 "
       "bytes)"},
      {R"({"dtype":"F32","shape":[4],"data_offsets":[18446744073709551599,18446744073709551615]})",
       "tensor 'w': data_offsets [18446744073709551599, 18446744073709551615] "
       "lie outside the data section (16 bytes)"},
      {R"({"dtype":"F32","shape":[3],"data_offsets":[0,16]})",
       "tensor 'w': data_offsets [0, 16] hold 16 bytes but F32 [3] needs 12"},
      {R"({"dtype":"F16","shape":[4],"data_offsets":[0,16]})",
       "tensor 'w': data_offsets [0, 16] hold 16 bytes but F16 [4] needs 8"},
  };
  for (const auto &[entry, expected] : cases)
    EXPECT_EQ(error(oneTensor(entry, four)), expected) << entry;
}

TEST_F(SafetensorsFile, EveryBadTensorIsReported) {
  std::string header = "{";
  for (int i = 0; i < 25; ++i)
    header += std::string(i ? "," : "") + "\"t" + (i < 10 ? "0" : "") +
              std::to_string(i) +
              R"(":{"dtype":"I64","shape":[1],"data_offsets":[0,8]})";
  header += "}";
  std::string msg = error(rawSafetensors(header, std::string(8, '\0')));
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(msg).split(lines, '\n');
  ASSERT_EQ(lines.size(), 21u) << msg;
  EXPECT_EQ(
      lines[0],
      "tensor 't00': unsupported dtype 'I64' (supported: F32, F16, BF16)");
  EXPECT_EQ(lines[20], "... and 5 more errors");
}

TEST_F(SafetensorsFile, Metadata) {
  EXPECT_EQ(error(rawSafetensors(R"({"__metadata__":{"format":1}})", "")),
            "'__metadata__' must be an object of strings");
  EXPECT_EQ(error(rawSafetensors(R"({"__metadata__":"pt"})", "")),
            "'__metadata__' must be an object of strings");
  auto store = open(rawSafetensors(R"({"__metadata__":{}})", ""));
  EXPECT_TRUE(!!store) << message(store);
}

TEST_F(SafetensorsFile, Overlaps) {
  std::string data = floatBytes({1, 2, 3, 4});
  EXPECT_EQ(error(rawSafetensors(
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                data)),
            "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]");
  // Overlap with an earlier tensor that is not the immediate predecessor.
  EXPECT_EQ(error(rawSafetensors(
                R"({"big":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                R"("x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                R"("y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                data)),
            "tensor 'x': data_offsets [4, 8] overlap tensor 'big' [0, 16]\n"
            "tensor 'y': data_offsets [8, 12] overlap tensor 'big' [0, 16]");
  // Identical ranges.
  EXPECT_EQ(error(rawSafetensors(
                R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                data)),
            "tensor 'b': data_offsets [0, 4] overlap tensor 'a' [0, 4]");
  // Empty tensors own no bytes; holes and trailing bytes are tolerated.
  auto store = open(rawSafetensors(
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
      R"("e":{"dtype":"F16","shape":[0],"data_offsets":[2,2]},)"
      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
      data));
  ASSERT_TRUE(!!store) << message(store);
  auto b = (*store)->getF32("b");
  ASSERT_TRUE(!!b);
  EXPECT_EQ((*b)[0], 3.0f);
}

TEST_F(SafetensorsFile, CannotRead) {
  std::string missing = dir.path("absent.safetensors");
  auto store = TensorStore::openFile(missing);
  EXPECT_EQ(message(store),
            missing + ": cannot read: No such file or directory");
  std::string fifo = dir.path("fifo.safetensors");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  store = TensorStore::openFile(fifo);
  EXPECT_EQ(message(store), fifo + ": cannot read: not a regular file");
}

//===----------------------------------------------------------------------===//
// Directories and shards
//===----------------------------------------------------------------------===//

class ModelDirectory : public ::testing::Test {
protected:
  std::string openError() {
    auto store = TensorStore::openDirectory(dir.path());
    return message(store);
  }
  std::string index(const std::string &weightMap) {
    return dir.write("model.safetensors.index.json",
                     R"({"metadata":{"total_size":16},"weight_map":)" +
                         weightMap + "}");
  }
  TempDir dir;
};

TEST_F(ModelDirectory, Missing) {
  std::string missing = dir.path("nope");
  auto store = TensorStore::openDirectory(missing);
  EXPECT_EQ(message(store), missing + ": no such directory");
  std::string file = dir.write("file", "x");
  store = TensorStore::openDirectory(file);
  EXPECT_EQ(message(store), file + ": not a directory");
}

TEST_F(ModelDirectory, NoWeights) {
  EXPECT_EQ(openError(), dir.path() + ": no model.safetensors, "
                                      "model.safetensors.index.json, "
                                      "pytorch_model.bin or "
                                      "pytorch_model.bin.index.json");
  dir.write("pytorch_model.bin", "PK");
  EXPECT_EQ(openError(),
            dir.path("pytorch_model.bin") + ": not a zip archive (2 bytes)");
}

TEST_F(ModelDirectory, SingleFile) {
  std::string path =
      dir.write("model.safetensors", buildSafetensors(goodTensors()));
  index(R"({"a":"nope.safetensors"})"); // ignored: the single file wins
  auto store = TensorStore::openDirectory(dir.path());
  ASSERT_TRUE(!!store) << message(store);
  EXPECT_EQ((*store)->source(), path);
  EXPECT_EQ((*store)->tensors().size(), 4u);
}

TEST_F(ModelDirectory, ShardedHappyPath) {
  std::string s1 =
      dir.write("model-00001-of-00002.safetensors",
                buildSafetensors({{"a", "F32", {2}, floatBytes({1, 2})},
                                  {"c", "BF16", {1}, u16Bytes({0x4000})}}));
  std::string s2 =
      dir.write("model-00002-of-00002.safetensors",
                buildSafetensors({{"b", "F16", {1}, u16Bytes({0x3c00})}}, 1));
  std::string idx = index(R"({"a":"model-00001-of-00002.safetensors",
      "b":"model-00002-of-00002.safetensors",
      "c":"model-00001-of-00002.safetensors"})");
  auto store = TensorStore::openDirectory(dir.path());
  ASSERT_TRUE(!!store) << message(store);
  TensorStore &s = **store;
  EXPECT_EQ(s.source(), idx);
  EXPECT_EQ(s.files(), (std::vector<std::string>{s1, s2}));
  ASSERT_EQ(s.tensors().size(), 3u);
  EXPECT_EQ(s.tensors()[1].name, "b");
  EXPECT_EQ(s.tensors()[1].file, s2);
  auto b = s.getF32("b");
  ASSERT_TRUE(!!b);
  EXPECT_EQ((*b)[0], 1.0f);
  auto c = s.getF32("c");
  ASSERT_TRUE(!!c);
  EXPECT_EQ((*c)[0], 2.0f);
}

TEST_F(ModelDirectory, MissingShard) {
  dir.write("model-00001-of-00002.safetensors",
            buildSafetensors({{"a", "F32", {2}, floatBytes({1, 2})}}));
  std::string idx = index(R"({"a":"model-00001-of-00002.safetensors",
      "b":"model-00002-of-00002.safetensors"})");
  EXPECT_EQ(openError(), idx + ": cannot read shard "
                               "'model-00002-of-00002.safetensors': No such "
                               "file or directory");
}

TEST_F(ModelDirectory, IndexAndShardsDisagree) {
  std::string s1 = dir.write(
      "s1.safetensors", buildSafetensors({{"a", "F32", {1}, floatBytes({1})},
                                          {"b", "F32", {1}, floatBytes({2})},
                                          {"x", "F32", {1}, floatBytes({3})}}));
  dir.write("s2.safetensors", buildSafetensors({}));
  std::string idx = index(
      R"({"a":"s1.safetensors","b":"s2.safetensors","c":"s2.safetensors"})");
  EXPECT_EQ(openError(),
            s1 + ": tensor 'b': " + idx + " maps it to 's2.safetensors'\n" +
                s1 + ": tensor 'x': not listed in " + idx + "\n" + idx +
                ": tensor 'b': mapped to 's2.safetensors', which does not "
                "contain it\n" +
                idx +
                ": tensor 'c': mapped to 's2.safetensors', which does not "
                "contain it");
}

TEST_F(ModelDirectory, BadIndex) {
  std::string idx = index("[]");
  EXPECT_EQ(openError(), idx + ": 'weight_map' must be an object mapping "
                               "tensor names to shard file names");
  index("{}");
  EXPECT_EQ(openError(), idx + ": 'weight_map' is empty");
  index(R"({"a": 3})");
  EXPECT_EQ(openError(),
            idx + ": tensor 'a': shard file name must be a string");
  index(R"({"a": "../model.safetensors"})");
  EXPECT_EQ(openError(), idx + ": tensor 'a': shard '../model.safetensors' "
                               "is not a file name in the model directory");
  dir.write("model.safetensors.index.json", "{\"weight_map\": {");
  EXPECT_EQ(openError(),
            idx + ": invalid JSON: [1:16, byte=16]: Expected object key");
}

TEST_F(ModelDirectory, BrokenShardNamesTheShard) {
  std::string s1 = dir.write("s1.safetensors", le64(100) + "{}");
  std::string idx = index(R"({"a":"s1.safetensors"})");
  EXPECT_EQ(openError(),
            s1 + ": header length 100 exceeds the file size (10 bytes)");
}

} // namespace
