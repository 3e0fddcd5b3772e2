//===- NpyReader.cpp - numpy .npy arrays ----------------------------------===//

#include "frontend/NpyReader.h"
#include "frontend/JsonUtil.h"
#include "frontend/StridedCopy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"

#include <optional>

using namespace bitc;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// numpy pads headers to 64 bytes; anything near this limit is not a header.
constexpr uint64_t kMaxHeaderBytes = 1 << 20;
constexpr size_t kMaxRank = 16;

/// A cursor over the header's dict literal. Only the forms numpy writes are
/// accepted: quoted strings, True/False, tuples of integers.
class HeaderParser {
public:
  explicit HeaderParser(StringRef text) : text(text) {}

  void skipSpace() {
    while (pos < text.size() && llvm::isSpace(text[pos]))
      ++pos;
  }
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skipSpace();
    return pos < text.size() && text[pos] == c;
  }
  std::optional<std::string> string() {
    skipSpace();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return std::nullopt;
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == StringRef::npos)
      return std::nullopt;
    std::string out = text.slice(pos, end).str();
    pos = end + 1;
    return out;
  }
  std::optional<bool> boolean() {
    skipSpace();
    for (auto [word, value] :
         {std::make_pair("True", true), std::make_pair("False", false)})
      if (text.substr(pos).starts_with(word)) {
        pos += StringRef(word).size();
        return value;
      }
    return std::nullopt;
  }
  std::optional<int64_t> integer() {
    skipSpace();
    size_t start = pos;
    while (pos < text.size() && llvm::isDigit(text[pos]))
      ++pos;
    int64_t value;
    if (start == pos || text.slice(start, pos).getAsInteger(10, value))
      return std::nullopt;
    if (pos < text.size() && text[pos] == 'L') // Python 2 longs
      ++pos;
    return value;
  }
  /// "(3, 4)", "(3,)", "()".
  std::optional<std::vector<int64_t>> tuple() {
    if (!consume('('))
      return std::nullopt;
    std::vector<int64_t> out;
    if (consume(')'))
      return out;
    for (;;) {
      std::optional<int64_t> v = integer();
      if (!v || out.size() >= kMaxRank)
        return std::nullopt;
      out.push_back(*v);
      if (consume(')'))
        return out;
      if (!consume(','))
        return std::nullopt;
      if (consume(')'))
        return out;
    }
  }
  bool atEnd() {
    skipSpace();
    return pos == text.size();
  }

private:
  StringRef text;
  size_t pos = 0;
};

} // namespace

std::vector<int64_t> NpyArray::strides() const {
  if (!fortranOrder)
    return contiguousStrides(shape);
  std::vector<int64_t> out(shape.size());
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    out[i] = stride;
    stride *= shape[i];
  }
  return out;
}

llvm::Expected<NpyArray> bitc::parseNpy(llvm::ArrayRef<uint8_t> bytes) {
  StringRef file(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  if (file.size() < 10 || !file.starts_with("\x93NUMPY"))
    return makeError("not a .npy array (no \\x93NUMPY magic)");
  uint8_t major = file[6], minor = file[7];
  uint64_t headerLength, headerStart;
  if (major == 1) {
    headerLength = llvm::support::endian::read16le(file.data() + 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (file.size() < 12)
      return makeError("truncated .npy header");
    headerLength = llvm::support::endian::read32le(file.data() + 8);
    headerStart = 12;
  } else {
    return makeError(".npy format version " + Twine(unsigned(major)) + "." +
                     Twine(unsigned(minor)) +
                     " is not supported (1.0, 2.0, 3.0)");
  }
  if (headerLength > kMaxHeaderBytes ||
      headerLength > file.size() - headerStart)
    return makeError(".npy header length " + Twine(headerLength) +
                     " exceeds the array's " + Twine(file.size()) + " bytes");
  StringRef header = file.substr(headerStart, headerLength);
  StringRef data = file.substr(headerStart + headerLength);

  auto bad = [&](const Twine &what) {
    return makeError("malformed .npy header: " + what + ": " +
                     header.rtrim().str());
  };
  HeaderParser parser(header);
  if (!parser.consume('{'))
    return bad("not a dict");
  std::optional<std::string> descr;
  std::optional<bool> fortran;
  std::optional<std::vector<int64_t>> shape;
  while (!parser.consume('}')) {
    std::optional<std::string> key = parser.string();
    if (!key || !parser.consume(':'))
      return bad("expected 'key': value");
    if (*key == "descr") {
      if (parser.peek('['))
        return makeError("structured dtype " + header.rtrim().str() +
                         " is not supported (float32 '<f4', float16 '<f2')");
      descr = parser.string();
      if (!descr)
        return bad("'descr' must be a string");
    } else if (*key == "fortran_order") {
      fortran = parser.boolean();
      if (!fortran)
        return bad("'fortran_order' must be True or False");
    } else if (*key == "shape") {
      shape = parser.tuple();
      if (!shape)
        return bad("'shape' must be a tuple of non-negative integers");
    } else {
      return bad("unexpected key '" + *key + "'");
    }
    if (!parser.consume(',') && !parser.peek('}'))
      return bad("expected ',' or '}'");
  }
  if (!parser.atEnd())
    return bad("text after the dict");
  if (!descr || !fortran || !shape)
    return bad("needs 'descr', 'fortran_order' and 'shape'");

  NpyArray array;
  if (*descr == "<f4")
    array.dtype = DType::F32;
  else if (*descr == "<f2")
    array.dtype = DType::F16;
  else
    return makeError("dtype '" + *descr +
                     "' is not supported (float32 '<f4', float16 '<f2')");
  array.shape = std::move(*shape);
  array.fortranOrder = *fortran;
  // The strides are partial products of the dimensions: they must fit even
  // when a zero dimension makes the array empty.
  int64_t numBytes = dtypeSize(array.dtype), nonZeroBytes = numBytes;
  for (int64_t d : array.shape)
    if (__builtin_mul_overflow(numBytes, d, &numBytes) ||
        (d != 0 && __builtin_mul_overflow(nonZeroBytes, d, &nonZeroBytes)))
      return makeError("shape has too many elements");
  if (static_cast<uint64_t>(numBytes) != data.size())
    return makeError("holds " + Twine(data.size()) + " data bytes but " +
                     *descr + " of this shape needs " + Twine(numBytes) +
                     " (truncated?)");
  array.data = llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(data.data()), data.size());
  return array;
}
