//===- JsonUtil.h - Strict JSON parsing for checkpoint files ----*- C++ -*-===//
//
// llvm::json::parse has two properties that matter for untrusted input: it
// recurses once per nesting level (a file of a million '[' overflows the
// stack), and it silently keeps the last of two equal keys in an object. The
// readers of config.json, preprocessor_config.json, safetensors headers and
// the shard index therefore parse through parseJsonStrict, which first scans
// the text without recursion to bound the depth, then parses, then reports
// the first duplicated key found by the scan. Files are read through
// mapRegularFile.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_JSONUTIL_H
#define BITC_FRONTEND_JSONUTIL_H

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace bitc {

/// A one-line error carrying `message` verbatim.
inline llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Whether anything is at `path`, a dangling symbolic link included, so that
/// a broken link (a Hugging Face cache whose blob is gone) is reported by
/// mapRegularFile instead of being taken for an absent optional file.
inline bool pathIsPresent(llvm::StringRef path) {
  llvm::sys::fs::file_status status;
  return !llvm::sys::fs::status(path, status, /*Follow=*/false);
}

/// Maps `path` read-only (memory-mapped when large enough). Only regular
/// files are read: a FIFO or a device named config.json would otherwise block
/// or never reach end of file. The error is only the reason ("No such file
/// or directory", "not a regular file"); callers say which file.
inline llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
mapRegularFile(llvm::StringRef path) {
  llvm::sys::fs::file_status status;
  std::error_code ec = llvm::sys::fs::status(path, status);
  if (!ec && status.type() == llvm::sys::fs::file_type::directory_file)
    ec = std::make_error_code(std::errc::is_a_directory);
  if (ec == std::errc::no_such_file_or_directory && pathIsPresent(path))
    return makeError("dangling symbolic link");
  if (ec)
    return makeError(ec.message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return makeError("not a regular file");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false,
                                  /*IsVolatile=*/false);
  if (!buffer)
    return makeError(buffer.getError().message());
  return std::move(*buffer);
}

namespace json_util {

/// Deeper nesting is rejected before llvm::json::parse sees the text. Real
/// configs and headers nest at most 3 levels.
constexpr unsigned kMaxDepth = 64;

/// What the non-recursive scan found.
struct ScanResult {
  bool tooDeep = false;
  bool hasDuplicate = false;
  /// The repeated key, decoded.
  std::string duplicateKey;
  /// Keys of the objects enclosing the repeated key, outermost first (empty
  /// for a key of the top-level object).
  std::vector<std::string> duplicatePath;
};

/// Decodes the JSON string literal `literal` (quotes included). Only strings
/// with escapes go through the parser; std::nullopt when it is malformed.
inline std::optional<std::string> decodeStringLiteral(llvm::StringRef literal) {
  if (!literal.contains('\\'))
    return literal.drop_front().drop_back().str();
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(literal);
  if (!value) {
    llvm::consumeError(value.takeError());
    return std::nullopt;
  }
  if (std::optional<llvm::StringRef> s = value->getAsString())
    return s->str();
  return std::nullopt;
}

/// Scans `text` tracking only strings and brackets. It stops at the first
/// inconsistency (the parser then reports the syntax error); up to that point
/// it sees the same nesting the recursive parser would.
inline ScanResult scanJson(llvm::StringRef text) {
  struct Frame {
    bool isObject;
    bool expectKey;
    std::string key; // the most recent key of this object
    llvm::StringSet<> keys;
  };
  ScanResult result;
  std::vector<Frame> stack;
  size_t i = 0, n = text.size();
  while (i < n) {
    char c = text[i];
    if (c == '"') {
      size_t start = i++;
      while (i < n && text[i] != '"') {
        if (text[i] == '\\')
          ++i;
        ++i;
      }
      if (i >= n)
        return result; // unterminated: the parser reports it
      ++i;
      if (stack.empty() || !stack.back().isObject || !stack.back().expectKey)
        continue;
      Frame &frame = stack.back();
      frame.expectKey = false;
      std::optional<std::string> key =
          decodeStringLiteral(text.slice(start, i));
      if (!key)
        return result;
      if (!result.hasDuplicate && !frame.keys.insert(*key).second) {
        result.hasDuplicate = true;
        result.duplicateKey = *key;
        for (size_t f = 0; f + 1 < stack.size(); ++f)
          if (stack[f].isObject)
            result.duplicatePath.push_back(stack[f].key);
      }
      frame.key = std::move(*key);
      continue;
    }
    switch (c) {
    case '{':
    case '[':
      if (stack.size() >= kMaxDepth) {
        result.tooDeep = true;
        return result;
      }
      stack.push_back(Frame{c == '{', c == '{', std::string(), {}});
      break;
    case '}':
    case ']':
      if (stack.empty() || stack.back().isObject != (c == '}'))
        return result;
      stack.pop_back();
      break;
    case ',':
      if (!stack.empty() && stack.back().isObject)
        stack.back().expectKey = true;
      break;
    default:
      break;
    }
    ++i;
  }
  return result;
}

/// Parses `text`. Errors carry no file name; callers prefix it. `what` names
/// the document in messages ("JSON", "JSON header").
inline llvm::Expected<llvm::json::Value>
parseJsonStrict(llvm::StringRef text, llvm::StringRef what = "JSON") {
  ScanResult scan = scanJson(text);
  if (scan.tooDeep)
    return makeError("invalid " + what + ": nested deeper than " +
                     llvm::Twine(kMaxDepth) + " levels");
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return makeError("invalid " + what + ": " +
                     llvm::toString(value.takeError()));
  if (scan.hasDuplicate) {
    std::string where;
    for (const std::string &key : scan.duplicatePath)
      where += (where.empty() ? "" : ".") + key;
    return makeError("invalid " + what + ": duplicate key '" +
                     scan.duplicateKey + "'" +
                     (where.empty() ? "" : " in '" + where + "'"));
  }
  return std::move(*value);
}

/// Parses `text`, the contents of `path`, with parseJsonStrict into a JSON
/// object. Every error is one line starting with "<path>: ".
inline llvm::Expected<llvm::json::Value> parseJsonObject(llvm::StringRef path,
                                                         llvm::StringRef text) {
  llvm::Expected<llvm::json::Value> parsed = parseJsonStrict(text);
  if (!parsed)
    return makeError(path + ": " + llvm::toString(parsed.takeError()));
  if (!parsed->getAsObject())
    return makeError(path + ": expected a JSON object at the top level");
  return std::move(*parsed);
}

/// The value of a JSON number that is integral (8 and 8.0 are, 8.5 is not)
/// and well inside int64; std::nullopt for anything else.
inline std::optional<int64_t> asInteger(const llvm::json::Value &value) {
  if (value.kind() != llvm::json::Value::Number)
    return std::nullopt;
  // Integers written without a fraction or exponent are exact.
  if (std::optional<uint64_t> u = value.getAsUINT64()) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  // Doubles (8.0, -3, 1e3) must be integral; keep them well inside int64
  // (converting 2^63 would be undefined).
  double d = *value.getAsNumber();
  if (!(d > -9.0e18 && d < 9.0e18))
    return std::nullopt;
  return value.getAsInteger();
}

/// Typed reads of the members of one JSON object (config.json,
/// preprocessor_config.json). Every error is one line, "<path>: <message>",
/// naming the key. An absent key and a JSON null both read as "not given".
class ObjectFields {
public:
  ObjectFields(llvm::StringRef path, const llvm::json::Object &object)
      : path(path), object(object) {}

  llvm::Error error(const llvm::Twine &message) const {
    return makeError(path + ": " + message);
  }

  /// The member `key`, or nullptr when it is absent or null.
  const llvm::json::Value *get(llvm::StringRef key) const {
    const llvm::json::Value *value = object.get(key);
    if (!value || value->kind() == llvm::json::Value::Null)
      return nullptr;
    return value;
  }

  /// A boolean; absent or null keeps `out`.
  llvm::Error readBool(llvm::StringRef key, bool &out) const {
    const llvm::json::Value *value = get(key);
    if (!value)
      return llvm::Error::success();
    std::optional<bool> v = value->getAsBoolean();
    if (!v)
      return error("'" + key + "' must be true or false");
    out = *v;
    return llvm::Error::success();
  }

protected:
  llvm::StringRef path;
  const llvm::json::Object &object;
};

} // namespace json_util
} // namespace bitc

#endif // BITC_FRONTEND_JSONUTIL_H
