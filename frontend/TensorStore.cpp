//===- TensorStore.cpp - Memory-mapped safetensors checkpoints ------------===//
//
// The safetensors format (docs/bit-model.md section 1): an 8-byte
// little-endian header length N, N bytes of JSON describing every tensor,
// then the raw data. Everything in the header is checked against the mapped
// file before any byte of tensor data is handed out, so later stages can
// index the data without bounds checks. Errors are one line each:
// "<file>: tensor '<name>': <what>", or "<file>: <what>" for the file itself.
//
//===----------------------------------------------------------------------===//

#include "frontend/TensorStore.h"
#include "frontend/CheckpointFormat.h"
#include "frontend/JsonUtil.h"
#include "frontend/PytorchBinReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SwapByteOrder.h"

#include <cstring>
#include <sys/mman.h>
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
/// A broken file can have thousands of bad entries; report this many lines.
constexpr size_t kMaxReportedErrors = 20;

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string offsetsString(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// One-line errors gathered while checking a checkpoint, reported together.
class ErrorList {
public:
  void add(const Twine &line) {
    if (lines.size() < kMaxReportedErrors)
      lines.push_back(line.str());
    ++total;
  }
  bool empty() const { return total == 0; }
  size_t count() const { return total; }
  /// All lines as one error ("\n"-separated), with a last line counting what
  /// was left out; `summaryPrefix` names the file of that line.
  Error take(StringRef summaryPrefix) {
    std::string message = llvm::join(lines, "\n");
    if (total > lines.size())
      message += ("\n" + summaryPrefix + ": ... and " +
                  Twine(total - lines.size()) + " more errors")
                     .str();
    lines.clear();
    total = 0;
    return makeError(message);
  }

private:
  std::vector<std::string> lines;
  size_t total = 0;
};

std::optional<DType> parseDType(StringRef name) {
  if (name == "F32")
    return DType::F32;
  if (name == "F16")
    return DType::F16;
  if (name == "BF16")
    return DType::BF16;
  return std::nullopt;
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

/// Parses and validates the safetensors file held by `buffer`. Every
/// problem found is added to `errors`; the tensors are returned only when
/// there were none.
std::vector<TensorInfo> parseSafetensors(StringRef path,
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

std::string joinPath(StringRef dir, StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

} // namespace

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

StringRef bitc::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  }
  return "?";
}

int64_t bitc::dtypeSize(DType dtype) { return dtype == DType::F32 ? 4 : 2; }

static float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bitc::halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  if (exponent == 0x1f) // infinity, or NaN with its payload kept
    return floatFromBits(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0)
      return floatFromBits(sign); // +-0
    // Subnormal: mantissa * 2^-24. Shift the leading one into the implicit
    // bit position; each shift lowers the exponent by one.
    int32_t e = -14;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --e;
    }
    mantissa &= 0x3ff;
    return floatFromBits(sign | (static_cast<uint32_t>(e + 127) << 23) |
                         (mantissa << 13));
  }
  return floatFromBits(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

float bitc::bfloat16ToFloat(uint16_t bits) {
  return floatFromBits(static_cast<uint32_t>(bits) << 16);
}

//===----------------------------------------------------------------------===//
// TensorInfo / TensorStore
//===----------------------------------------------------------------------===//

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d; // validated against overflow when the header was read
  return n;
}

Expected<std::unique_ptr<TensorStore>> TensorStore::openFile(StringRef path) {
  Expected<std::unique_ptr<llvm::MemoryBuffer>> buffer = mapRegularFile(path);
  if (!buffer)
    return makeError(path +
                     ": cannot read: " + llvm::toString(buffer.takeError()));
  return openBuffer(path, std::move(*buffer));
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openBuffer(StringRef path,
                        std::unique_ptr<llvm::MemoryBuffer> buffer) {
  ErrorList errors;
  std::vector<TensorInfo> infos = parseSafetensors(path, *buffer, errors);
  if (!errors.empty())
    return errors.take(path);

  auto store = std::unique_ptr<TensorStore>(new TensorStore());
  store->buffers.push_back(std::move(buffer));
  store->fileNames.push_back(path.str());
  store->sourcePath = path.str();
  store->infos = std::move(infos);
  store->indexTensors();
  return std::move(store);
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openPytorchBin(StringRef path) {
  Expected<std::unique_ptr<llvm::MemoryBuffer>> buffer = mapRegularFile(path);
  if (!buffer)
    return makeError(path +
                     ": cannot read: " + llvm::toString(buffer.takeError()));
  return openPytorchBinBuffer(path, std::move(*buffer));
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openPytorchBinBuffer(StringRef path,
                                  std::unique_ptr<llvm::MemoryBuffer> buffer) {
  auto store = std::unique_ptr<TensorStore>(new TensorStore());
  if (Error err = readPytorchBin(path, buffer->getBuffer(), store->infos,
                                 store->buffers))
    return std::move(err);
  store->buffers.push_back(std::move(buffer));
  store->fileNames.push_back(path.str());
  store->sourcePath = path.str();
  store->indexTensors();
  return std::move(store);
}

std::unique_ptr<TensorStore> TensorStore::fromTensors(
    std::string source, std::vector<std::string> files,
    std::vector<TensorInfo> infos,
    std::vector<std::unique_ptr<llvm::MemoryBuffer>> buffers) {
  auto store = std::unique_ptr<TensorStore>(new TensorStore());
  store->sourcePath = std::move(source);
  store->fileNames = std::move(files);
  store->infos = std::move(infos);
  store->buffers = std::move(buffers);
  store->indexTensors();
  return store;
}

void TensorStore::indexTensors() {
  llvm::sort(infos, [](const TensorInfo &a, const TensorInfo &b) {
    return a.name < b.name;
  });
  indexByName.clear();
  for (size_t i = 0; i < infos.size(); ++i)
    indexByName[infos[i].name] = i;
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openDirectory(StringRef modelDir) {
  if (!llvm::sys::fs::exists(modelDir))
    return makeError(modelDir + ": no such directory");
  if (!llvm::sys::fs::is_directory(modelDir))
    return makeError(modelDir + ": not a directory");
  return openCheckpointWeights(probeHuggingFaceWeights(modelDir));
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openShards(StringRef modelDir, const std::string &indexPath,
                        bool pytorchShards) {
  Expected<std::unique_ptr<llvm::MemoryBuffer>> indexBuffer =
      mapRegularFile(indexPath);
  if (!indexBuffer)
    return makeError(indexPath + ": cannot read: " +
                     llvm::toString(indexBuffer.takeError()));
  return openShardIndex(
      indexPath, (*indexBuffer)->getBuffer(),
      [&](StringRef shard) {
        return mapRegularFile(joinPath(modelDir, shard));
      },
      pytorchShards);
}

Expected<std::unique_ptr<TensorStore>>
TensorStore::openShardIndex(StringRef indexPath, StringRef indexText,
                            ShardOpener openShard, bool pytorchShards) {
  // Sharded checkpoint: {"metadata": {...}, "weight_map": {name: shard}}.
  auto indexError = [&](const Twine &message) {
    return makeError(indexPath + ": " + message);
  };
  Expected<json::Value> index = json_util::parseJsonStrict(indexText);
  if (!index)
    return indexError(llvm::toString(index.takeError()));
  const json::Object *indexObject = index->getAsObject();
  const json::Object *weightMap =
      indexObject ? indexObject->getObject("weight_map") : nullptr;
  if (!weightMap)
    return indexError("'weight_map' must be an object mapping tensor names "
                      "to shard file names");
  if (weightMap->empty())
    return indexError("'weight_map' is empty");

  // shard file name -> the tensors the index puts there (sorted).
  std::map<std::string, std::vector<std::string>> shards;
  llvm::StringMap<std::string> shardOf;
  {
    std::vector<StringRef> names;
    for (const auto &member : *weightMap)
      names.push_back(member.first);
    llvm::sort(names);
    for (StringRef name : names) {
      std::optional<StringRef> shard = weightMap->get(name)->getAsString();
      if (!shard)
        return indexError("tensor '" + name +
                          "': shard file name must be a string");
      // Shards live next to the index; never follow a path elsewhere.
      if (shard->empty() || *shard == "." || *shard == ".." ||
          shard->find_first_of("/\\") != StringRef::npos)
        return indexError("tensor '" + name + "': shard '" + *shard +
                          "' is not a file name in the model directory");
      shards[shard->str()].push_back(name.str());
      shardOf[name] = shard->str();
    }
  }

  auto store = std::unique_ptr<TensorStore>(new TensorStore());
  store->sourcePath = indexPath;
  ErrorList errors;
  std::vector<std::pair<std::string, std::vector<TensorInfo>>> parsed;
  for (const auto &[shard, names] : shards) {
    std::string shardPath =
        joinPath(llvm::sys::path::parent_path(indexPath), shard);
    Expected<std::unique_ptr<llvm::MemoryBuffer>> buffer = openShard(shard);
    if (!buffer) {
      errors.add(indexPath + ": cannot read shard '" + shard +
                 "': " + llvm::toString(buffer.takeError()));
      continue;
    }
    std::vector<TensorInfo> infos;
    if (!pytorchShards)
      infos = parseSafetensors(shardPath, **buffer, errors);
    else if (Error err = readPytorchBin(shardPath, (*buffer)->getBuffer(),
                                        infos, store->buffers))
      errors.add(llvm::toString(std::move(err)));
    store->buffers.push_back(std::move(*buffer));
    store->fileNames.push_back(shardPath);
    parsed.emplace_back(shard, std::move(infos));
  }
  if (!errors.empty())
    return errors.take(indexPath);

  // The index and the shards must agree tensor by tensor.
  llvm::StringMap<std::string> foundIn;
  for (auto &[shard, infos] : parsed) {
    for (TensorInfo &info : infos) {
      auto mapped = shardOf.find(info.name);
      if (mapped == shardOf.end())
        errors.add(info.file + ": tensor '" + info.name + "': not listed in " +
                   indexPath);
      else if (mapped->second != shard)
        errors.add(info.file + ": tensor '" + info.name + "': " + indexPath +
                   " maps it to '" + mapped->second + "'");
      else
        foundIn[info.name] = shard;
    }
  }
  for (const auto &[shard, names] : shards)
    for (const std::string &name : names)
      if (!foundIn.count(name))
        errors.add(indexPath + ": tensor '" + name + "': mapped to '" + shard +
                   "', which does not contain it");
  if (!errors.empty())
    return errors.take(indexPath);

  for (auto &shardInfos : parsed)
    for (TensorInfo &info : shardInfos.second)
      store->infos.push_back(std::move(info));
  store->indexTensors();
  return std::move(store);
}

const TensorInfo *TensorStore::lookup(StringRef name) const {
  auto it = indexByName.find(name);
  return it == indexByName.end() ? nullptr : &infos[it->second];
}

Expected<ArrayRef<float>> TensorStore::getF32(StringRef name) {
  const TensorInfo *info = lookup(name);
  if (!info)
    return makeError(sourcePath + ": no tensor '" + name + "'");
  size_t count = info->bytes.size() / dtypeSize(info->dtype);
  const uint8_t *raw = info->bytes.data();
  if (info->dtype == DType::F32 && llvm::sys::IsLittleEndianHost &&
      reinterpret_cast<uintptr_t>(raw) % alignof(float) == 0)
    return ArrayRef<float>(reinterpret_cast<const float *>(raw), count);

  auto cached = converted.find(name);
  if (cached != converted.end())
    return ArrayRef<float>(cached->second);
  std::vector<float> values(count);
  using namespace llvm::support::endian;
  switch (info->dtype) {
  case DType::F32:
    for (size_t i = 0; i < count; ++i)
      values[i] = floatFromBits(read32le(raw + 4 * i));
    break;
  case DType::F16:
    for (size_t i = 0; i < count; ++i)
      values[i] = halfToFloat(read16le(raw + 2 * i));
    break;
  case DType::BF16:
    for (size_t i = 0; i < count; ++i)
      values[i] = bfloat16ToFloat(read16le(raw + 2 * i));
    break;
  }
  auto inserted = converted.try_emplace(name, std::move(values));
  return ArrayRef<float>(inserted.first->second);
}

TensorStore::~TensorStore() { *alive = false; }

std::function<void()>
TensorStore::pageReleaser(ArrayRef<float> view) const {
  auto begin = reinterpret_cast<uintptr_t>(view.data());
  uintptr_t end = begin + view.size() * sizeof(float);
  for (const auto &buffer : buffers) {
    auto mapBegin = reinterpret_cast<uintptr_t>(buffer->getBufferStart());
    auto mapEnd = reinterpret_cast<uintptr_t>(buffer->getBufferEnd());
    if (buffer->getBufferKind() != llvm::MemoryBuffer::MemoryBuffer_MMap ||
        begin < mapBegin || end > mapEnd)
      continue;
    // Whole pages only: neighbouring tensors may share the edge pages.
    uintptr_t page = llvm::sys::Process::getPageSizeEstimate();
    begin = llvm::alignTo(begin, page);
    end = llvm::alignDown(end, page);
    if (begin >= end)
      return [] {};
    // Not MemoryBuffer::dontNeedIfMmap: it uses posix_madvise, which glibc
    // ignores for POSIX_MADV_DONTNEED. MADV_DONTNEED on a private read-only
    // file mapping only drops pages.
    return [alive = alive, begin, end] {
      if (*alive)
        ::madvise(reinterpret_cast<void *>(begin), end - begin,
                  MADV_DONTNEED);
    };
  }
  return [] {};
}

uint64_t TensorStore::totalBytes() const {
  uint64_t total = 0;
  for (const TensorInfo &info : infos)
    total += info.bytes.size();
  return total;
}
