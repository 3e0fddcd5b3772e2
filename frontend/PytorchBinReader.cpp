//===- PytorchBinReader.cpp - torch.save state dicts ----------------------===//
//
// The zip (ZipArchive), its data.pkl run by the PickleMachine, and every
// tensor checked against its storage, copied out when it is a strided view
// or an inflated entry.
//
//===----------------------------------------------------------------------===//

#include "frontend/PytorchBinReader.h"
#include "frontend/ErrorList.h"
#include "frontend/JsonUtil.h"
#include "frontend/PickleMachine.h"
#include "frontend/StridedCopy.h"
#include "frontend/ZipArchive.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Format.h"

#include <cstring>
#include <map>
#include <optional>

using namespace bitc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;
using namespace bitc::pickle;

namespace {

std::optional<DType> storageDType(StringRef typeName) {
  if (typeName == "torch.FloatStorage")
    return DType::F32;
  if (typeName == "torch.HalfStorage")
    return DType::F16;
  if (typeName == "torch.BFloat16Storage")
    return DType::BF16;
  return std::nullopt;
}

} // namespace

Error bitc::readPytorchBin(
    StringRef path, StringRef file, std::vector<TensorInfo> &tensors,
    std::vector<std::unique_ptr<llvm::MemoryBuffer>> &owned) {
  auto fail = [&](const Twine &what) { return makeError(path + ": " + what); };
  if (file.size() >= 2 && static_cast<uint8_t>(file[0]) == 0x80 &&
      !ZipArchive::looksLikeZip(file))
    return fail("legacy (torch < 1.6) serialization is not supported; "
                "re-save it with torch >= 1.6 or as safetensors");
  auto archive = ZipArchive::open(path, file);
  if (!archive)
    return archive.takeError();

  // Exactly one `<top>/data.pkl`; the storages live in `<top>/data/`.
  const ZipEntry *pklEntry = nullptr;
  for (const ZipEntry &entry : (*archive)->entries()) {
    StringRef name(entry.name);
    if (!name.ends_with("/data.pkl") || name.drop_back(9).contains('/'))
      continue;
    if (pklEntry)
      return fail("more than one data.pkl ('" + pklEntry->name + "', '" +
                  entry.name + "')");
    pklEntry = &entry;
  }
  if (!pklEntry)
    return fail("no <archive>/data.pkl entry: not a torch.save file");
  std::string top = StringRef(pklEntry->name).drop_back(8).str();
  if (const ZipEntry *order = (*archive)->find(top + "byteorder")) {
    auto bytes = (*archive)->read(*order);
    if (!bytes)
      return bytes.takeError();
    StringRef text(reinterpret_cast<const char *>(bytes->data()),
                   bytes->size());
    if (text != "little")
      return fail("storages are stored with byte order '" + text +
                  "' (only little-endian files are supported)");
  }
  if (pklEntry->uncompressedSize > kMaxPickleBytes)
    return fail(pklEntry->name + " is " + Twine(pklEntry->uncompressedSize) +
                " bytes (limit " + Twine(kMaxPickleBytes) + ")");
  auto pklBytes = (*archive)->read(*pklEntry);
  if (!pklBytes)
    return pklBytes.takeError();
  StringRef pickle(reinterpret_cast<const char *>(pklBytes->data()),
                   pklBytes->size());
  PickleMachine machine(pickle, (path + ": " + pklEntry->name).str());
  auto result = machine.run();
  if (!result)
    return result.takeError();
  const Object &dict = **result;
  if (dict.kind != Object::Dict)
    return fail(Twine("data.pkl holds a ") + kindName(dict.kind) +
                ", not a state dict (an OrderedDict of tensors)");

  // Tensors in pickle order; each storage is read (and CRC-checked) once.
  std::map<std::string, llvm::ArrayRef<uint8_t>> storages;
  std::map<std::string, std::string> storageTypes;
  llvm::StringSet<> seen;
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
    const Object &key = *dict.items[i], &value = *dict.items[i + 1];
    if (key.kind != Object::String)
      return fail(Twine("state dict key of type ") + kindName(key.kind) +
                  " (expected str)");
    const std::string &name = key.s;
    auto tensorFail = [&](const Twine &what) {
      return makeError(path + ": tensor '" + name + "': " + what);
    };
    if (!seen.insert(name).second)
      return tensorFail("appears twice in the state dict");
    if (value.kind != Object::Tensor)
      return tensorFail(Twine("is a ") + kindName(value.kind) +
                        ", not a tensor");
    const TensorRef &t = *value.tensor;
    const StorageRef &s = *t.storage;
    std::optional<DType> dtype = storageDType(s.typeName);
    if (!dtype)
      return tensorFail("storage type " + s.typeName +
                        " is not supported (float32, float16, bfloat16)");
    auto [typeIt, fresh] = storageTypes.emplace(s.key, s.typeName);
    if (!fresh && typeIt->second != s.typeName)
      return tensorFail("storage '" + s.key + "' is used as " + s.typeName +
                        " and as " + typeIt->second);
    int64_t elementSize = dtypeSize(*dtype);
    auto cached = storages.find(s.key);
    if (cached == storages.end()) {
      const ZipEntry *entry = (*archive)->find(top + "data/" + s.key);
      if (!entry)
        return tensorFail("storage '" + s.key + "' has no entry '" + top +
                          "data/" + s.key + "' in the archive");
      auto bytes = (*archive)->read(*entry);
      if (!bytes)
        return bytes.takeError();
      cached = storages.emplace(s.key, *bytes).first;
    }
    // Checked on every reference, not only the first: each reference states
    // its own element count, and the view bounds below trust it.
    int64_t needed;
    if (__builtin_mul_overflow(s.numel, elementSize, &needed) ||
        static_cast<uint64_t>(needed) != cached->second.size())
      return tensorFail(
          "storage '" + s.key + "' holds " + Twine(cached->second.size()) +
          " bytes but " + s.typeName + " of " + Twine(s.numel) +
          " elements needs " + Twine(s.numel) + " x " + Twine(elementSize));
    if (std::optional<std::string> problem =
            checkViewBounds(t.offset, t.sizes, t.strides, s.numel))
      return tensorFail("size " + shapeString(t.sizes) + ", stride " +
                        shapeString(t.strides) + ", offset " + Twine(t.offset) +
                        ": " + *problem);

    TensorInfo info;
    info.name = name;
    info.dtype = *dtype;
    info.shape = t.sizes;
    info.file = path.str();
    int64_t numel = info.numElements();
    const uint8_t *base = cached->second.data();
    if (isContiguousView(t.sizes, t.strides)) {
      info.bytes = llvm::ArrayRef<uint8_t>(
          numel ? base + t.offset * elementSize : base, numel * elementSize);
    } else {
      std::unique_ptr<llvm::MemoryBuffer> copy =
          gatherStrided(base, elementSize, t.offset, t.sizes, t.strides,
                        path.str() + ":" + name);
      if (!copy)
        return tensorFail("cannot allocate " + Twine(numel * elementSize) +
                          " bytes");
      info.bytes = llvm::ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(copy->getBufferStart()),
          numel * elementSize);
      owned.push_back(std::move(copy));
    }
    tensors.push_back(std::move(info));
  }
  for (auto &buffer : (*archive)->takeInflated())
    owned.push_back(std::move(buffer));
  return Error::success();
}
