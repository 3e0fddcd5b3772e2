//===- SafetensorsReader.cpp - The safetensors format
//-----------------------===//
//
// The safetensors format (docs/bit-model.md section 1): an 8-byte
// little-endian header length N, N bytes of JSON describing every tensor,
// then the raw data. Everything in the header is checked against the mapped
// file before any byte of tensor data is handed out, so later stages can
// index the data without bounds checks. Errors are one line each:
// "<file>: tensor '<name>': <what>", or "<file>: <what>" for the file itself.
//
//===----------------------------------------------------------------------===//

#include "frontend/SafetensorsReader.h"
#include "frontend/JsonUtil.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include <limits>
#include <map>
#include <optional>
#include <tuple>

using namespace bitc;
using llvm::ArrayRef;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
namespace json = llvm::json;

namespace {

/// The reference implementation's limit; real headers are a few hundred KB.
constexpr uint64_t kMaxHeaderBytes = 100000000;

std::string offsetsString(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

std::optional<int64_t> asNonNegativeInteger(const json::Value &value) {
  std::optional<int64_t> v = json_util::asInteger(value); // 2.0 is, 2.5 not
  if (!v || *v < 0)
    return std::nullopt;
  return v;
}

/// A header entry that passed every per-tensor check.
struct Entry {
  TensorInfo info;
  uint64_t begin, end;
  /// The only problem is that the data ends before the tensor does.
  bool pastEnd = false;
};

/// Checks one header entry against the data section; on success fills
/// `entry`, otherwise returns the problem (without file or tensor prefix).
std::optional<std::string> checkEntry(StringRef name, const json::Value &value,
                                      StringRef data, Entry &entry) {
  const json::Object *object = value.getAsObject();
  if (!object)
    return std::string("entry must be an object with 'dtype', 'shape' and "
                       "'data_offsets'");

  const json::Value *dtypeValue = object->get("dtype");
  if (!dtypeValue)
    return std::string("missing 'dtype'");
  std::optional<StringRef> dtypeName = dtypeValue->getAsString();
  if (!dtypeName)
    return std::string("'dtype' must be a string");
  std::optional<DType> dtype = parseDType(*dtypeName);
  if (!dtype)
    return ("unsupported dtype '" + *dtypeName +
            "' (supported: F32, F16, BF16)")
        .str();

  const json::Value *shapeValue = object->get("shape");
  if (!shapeValue)
    return std::string("missing 'shape'");
  const json::Array *shapeArray = shapeValue->getAsArray();
  if (!shapeArray)
    return std::string("'shape' must be an array of non-negative integers");
  std::vector<int64_t> shape;
  for (const json::Value &dim : *shapeArray) {
    std::optional<int64_t> d = asNonNegativeInteger(dim);
    if (!d)
      return std::string("'shape' must be an array of non-negative integers");
    shape.push_back(*d);
  }
  int64_t numBytes = dtypeSize(*dtype);
  for (int64_t d : shape)
    if (__builtin_mul_overflow(numBytes, d, &numBytes))
      return "shape " + shapeString(shape) + " has too many elements";

  const json::Value *offsetsValue = object->get("data_offsets");
  if (!offsetsValue)
    return std::string("missing 'data_offsets'");
  const json::Array *offsets = offsetsValue->getAsArray();
  std::optional<uint64_t> begin, end;
  if (offsets && offsets->size() == 2) {
    begin = (*offsets)[0].getAsUINT64();
    end = (*offsets)[1].getAsUINT64();
  }
  if (!begin || !end)
    return std::string(
        "'data_offsets' must be [begin, end] with non-negative integers");
  if (*begin > *end)
    return "data_offsets " + offsetsString(*begin, *end) +
           " are reversed (begin > end)";
  entry.begin = *begin;
  entry.end = *end;
  entry.pastEnd = *end > data.size();
  if (entry.pastEnd)
    return "data_offsets " + offsetsString(*begin, *end) +
           " lie outside the data section (" + std::to_string(data.size()) +
           " bytes)";
  if (*end - *begin != static_cast<uint64_t>(numBytes))
    return "data_offsets " + offsetsString(*begin, *end) + " hold " +
           std::to_string(*end - *begin) + " bytes but " + dtypeName->str() +
           " " + shapeString(shape) + " needs " + std::to_string(numBytes);

  entry.info.name = name.str();
  entry.info.dtype = *dtype;
  entry.info.shape = std::move(shape);
  entry.info.bytes = ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(data.data()) + *begin, *end - *begin);
  return std::nullopt;
}

} // namespace

/// Parses and validates the safetensors file held by `buffer`. Every
/// problem found is added to `errors`; the tensors are returned only when
/// there were none.
std::vector<TensorInfo> bitc::parseSafetensors(StringRef path,
                                               const llvm::MemoryBuffer &buffer,
                                               ErrorList &errors) {
  size_t errorsBefore = errors.count();
  StringRef file = buffer.getBuffer();
  uint64_t size = file.size();
  if (size < 8) {
    errors.add(path + ": file too short for a safetensors header (" +
               Twine(size) + " bytes)");
    return {};
  }
  uint64_t headerLength = llvm::support::endian::read64le(file.data());
  if (headerLength == 0) {
    errors.add(path + ": header length is 0");
    return {};
  }
  if (headerLength > size - 8) {
    errors.add(path + ": header length " + Twine(headerLength) +
               " exceeds the file size (" + Twine(size) + " bytes)");
    return {};
  }
  if (headerLength > kMaxHeaderBytes) {
    errors.add(path + ": header length " + Twine(headerLength) +
               " exceeds the limit of " + Twine(kMaxHeaderBytes) + " bytes");
    return {};
  }
  StringRef headerText = file.substr(8, headerLength);
  StringRef data = file.substr(8 + headerLength);

  json_util::ScanResult scan = json_util::scanJson(headerText);
  if (scan.tooDeep) {
    errors.add(path + ": invalid JSON header: nested deeper than " +
               Twine(json_util::kMaxDepth) + " levels");
    return {};
  }
  Expected<json::Value> header = json::parse(headerText);
  if (!header) {
    errors.add(path +
               ": invalid JSON header: " + llvm::toString(header.takeError()));
    return {};
  }
  const json::Object *object = header->getAsObject();
  if (!object) {
    errors.add(path + ": header is not a JSON object");
    return {};
  }
  if (scan.hasDuplicate) {
    // llvm::json kept only the last of the equal keys; the scan saw both.
    if (scan.duplicatePath.empty())
      errors.add(path + ": tensor '" + scan.duplicateKey +
                 "': listed twice in the header");
    else if (scan.duplicatePath[0] == "__metadata__")
      errors.add(path + ": '__metadata__': duplicate key '" +
                 scan.duplicateKey + "'");
    else
      errors.add(path + ": tensor '" + scan.duplicatePath[0] +
                 "': duplicate key '" + scan.duplicateKey + "'");
    return {};
  }

  std::vector<StringRef> names;
  for (const auto &member : *object)
    names.push_back(member.first);
  llvm::sort(names);

  std::vector<Entry> entries;
  // Tensors that end past the data: one is reported as it is; several mean
  // a truncated file, reported in one line naming the one that ends last.
  struct PastEnd {
    std::string line;
    StringRef name;
    uint64_t end;
  };
  std::vector<PastEnd> pastEnd;
  for (StringRef name : names) {
    const json::Value &value = *object->get(name);
    if (name == "__metadata__") {
      const json::Object *metadata = value.getAsObject();
      bool ok = metadata && llvm::all_of(*metadata, [](const auto &member) {
                  return member.second.kind() == json::Value::String;
                });
      if (!ok)
        errors.add(path + ": '__metadata__' must be an object of strings");
      continue;
    }
    Entry entry;
    if (std::optional<std::string> problem =
            checkEntry(name, value, data, entry)) {
      if (entry.pastEnd)
        pastEnd.push_back(
            {(path + ": tensor '" + name + "': " + *problem).str(), name,
             entry.end});
      else
        errors.add(path + ": tensor '" + name + "': " + *problem);
    } else {
      entries.push_back(std::move(entry));
    }
  }
  if (pastEnd.size() == 1) {
    errors.add(pastEnd[0].line);
  } else if (pastEnd.size() > 1) {
    const PastEnd &last =
        *llvm::max_element(pastEnd, [](const PastEnd &a, const PastEnd &b) {
          return a.end < b.end;
        });
    errors.add(path + ": truncated: the data section holds " +
               Twine(data.size()) + " bytes but " + Twine(pastEnd.size()) +
               " tensors end past it (tensor '" + last.name + "' ends at " +
               Twine(last.end) + ")");
  }
  if (errors.count() != errorsBefore)
    return {};

  // No two tensors may share bytes: sweep the entries in offset order,
  // remembering the entry that reaches furthest. Empty tensors own no bytes.
  std::vector<const Entry *> byOffset;
  for (const Entry &entry : entries)
    if (entry.end > entry.begin)
      byOffset.push_back(&entry);
  llvm::sort(byOffset, [](const Entry *a, const Entry *b) {
    return std::tie(a->begin, a->end, a->info.name) <
           std::tie(b->begin, b->end, b->info.name);
  });
  const Entry *furthest = nullptr;
  for (const Entry *entry : byOffset) {
    if (furthest && entry->begin < furthest->end)
      errors.add(path + ": tensor '" + entry->info.name + "': data_offsets " +
                 offsetsString(entry->begin, entry->end) + " overlap tensor '" +
                 furthest->info.name + "' " +
                 offsetsString(furthest->begin, furthest->end));
    if (!furthest || entry->end > furthest->end)
      furthest = entry;
  }
  if (errors.count() != errorsBefore)
    return {};

  std::vector<TensorInfo> infos;
  for (Entry &entry : entries) {
    entry.info.file = path.str();
    infos.push_back(std::move(entry.info));
  }
  return infos;
}
