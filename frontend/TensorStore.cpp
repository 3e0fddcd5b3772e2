//===- TensorStore.cpp - Memory-mapped checkpoint tensors -----------------===//
//
// The store over every reader (SafetensorsReader, PytorchBinReader,
// ShardIndex, NpzCheckpoint): tensors sorted by name, float32 views in place
// or converted on first use, pages released once copied.
//
//===----------------------------------------------------------------------===//

#include "frontend/TensorStore.h"
#include "frontend/CheckpointFormat.h"
#include "frontend/JsonUtil.h"
#include "frontend/PytorchBinReader.h"
#include "frontend/SafetensorsReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"

#include <cstring>
#include <sys/mman.h>

using namespace bitc;
using llvm::ArrayRef;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

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

std::function<void()> TensorStore::pageReleaser(ArrayRef<float> view) const {
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
        ::madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
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
