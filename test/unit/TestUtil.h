//===- TestUtil.h - Helpers for the frontend unit tests ---------*- C++ -*-===//
//
// Temporary directories and in-memory safetensors files, written to disk so
// the readers see them through the same memory map as real checkpoints.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_TEST_UNIT_TESTUTIL_H
#define BITC_TEST_UNIT_TESTUTIL_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace bitc::test {

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
public:
  TempDir() {
    llvm::SmallString<128> path;
    std::error_code ec =
        llvm::sys::fs::createUniqueDirectory("bitc-unit", path);
    EXPECT_FALSE(ec) << ec.message();
    dir = std::string(path);
  }
  ~TempDir() { llvm::sys::fs::remove_directories(dir); }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return dir; }
  std::string path(llvm::StringRef name) const {
    llvm::SmallString<256> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  /// Writes `bytes` to `name` (creating subdirectories) and returns the path.
  std::string write(llvm::StringRef name, llvm::StringRef bytes) const {
    std::string p = path(name);
    llvm::sys::fs::create_directories(llvm::sys::path::parent_path(p));
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(out.good()) << p;
    return p;
  }

private:
  std::string dir;
};

/// The message of an error (or "" for success); consumes it.
inline std::string message(llvm::Error error) {
  if (!error)
    return "";
  return llvm::toString(std::move(error));
}

template <typename T> std::string message(llvm::Expected<T> &value) {
  if (value)
    return "";
  return llvm::toString(value.takeError());
}

/// Writes a JSON file named `fileName` and reads it with `reader`
/// (readBitConfig, readPreprocessorConfig).
template <typename T> class JsonFileTest : public ::testing::Test {
protected:
  using Reader = llvm::Expected<T> (*)(llvm::StringRef);
  JsonFileTest(std::string fileName, Reader reader)
      : fileName(std::move(fileName)), reader(reader) {}

  llvm::Expected<T> read(llvm::StringRef text) {
    path = dir.write(fileName, text);
    return reader(path);
  }
  /// The error for `text`, checked to be one line starting with "<path>: ",
  /// without that prefix.
  std::string error(llvm::StringRef text) {
    llvm::Expected<T> value = read(text);
    std::string msg = message(value);
    std::string prefix = path + ": ";
    EXPECT_EQ(msg.compare(0, prefix.size(), prefix), 0) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg.size() >= prefix.size() ? msg.substr(prefix.size()) : msg;
  }
  TempDir dir;
  std::string path;

private:
  std::string fileName;
  Reader reader;
};

inline std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

/// A safetensors file from a header text and a data section.
inline std::string rawSafetensors(llvm::StringRef header,
                                  llvm::StringRef data) {
  return le64(header.size()) + header.str() + data.str();
}

inline std::string floatBytes(const std::vector<float> &values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.data(), s.size()); // hosts are little-endian
  return s;
}

inline std::string u16Bytes(const std::vector<uint16_t> &values) {
  std::string s;
  for (uint16_t v : values) {
    s += static_cast<char>(v & 0xff);
    s += static_cast<char>(v >> 8);
  }
  return s;
}

struct TensorSpec {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

inline std::string shapeJson(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

/// A well-formed file: tensors back to back in the given order. `padding`
/// spaces are appended to the header (safetensors allows it), which moves
/// the data section and so the alignment of every tensor.
inline std::string buildSafetensors(const std::vector<TensorSpec> &tensors,
                                    size_t padding = 0,
                                    std::string metadata = "") {
  std::string header = "{";
  std::string data;
  if (!metadata.empty())
    header += "\"__metadata__\":" + metadata;
  for (const TensorSpec &t : tensors) {
    if (header.size() > 1)
      header += ",";
    size_t begin = data.size();
    data += t.bytes;
    header += "\"" + t.name + "\":{\"dtype\":\"" + t.dtype +
              "\",\"shape\":" + shapeJson(t.shape) + ",\"data_offsets\":[" +
              std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  header += std::string(padding, ' ');
  return rawSafetensors(header, data);
}

/// F32 zeros of `shape`.
inline TensorSpec zerosF32(const std::string &name,
                           const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return {name, "F32", shape, std::string(static_cast<size_t>(n) * 4, '\0')};
}

} // namespace bitc::test

#endif // BITC_TEST_UNIT_TESTUTIL_H
