//===- ObjectCache.cpp - Compiled objects shared between compiles --------===//

#include "codegen/ObjectCache.h"
#include "codegen/Temporaries.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include <cstdlib>
#include <type_traits>

namespace bitc {
namespace {

/// Hashes values by their bytes: every field of a kernel key is a number, an
/// enum or an array of numbers.
class KeyHasher {
public:
  template <typename T> void add(const T &value) {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      sha.update(llvm::ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(&value), sizeof(value)));
    } else {
      for (const auto &element : value)
        add(element);
    }
  }
  void addText(llvm::StringRef text) {
    add(text.size());
    sha.update(text);
  }
  std::string hex() { return llvm::toHex(sha.final(), /*LowerCase=*/true); }

private:
  llvm::SHA256 sha;
};

/// This executable (its path, size and modification time): the kernel
/// builders, Halide and LLVM that made an object are all in it.
void addExecutable(KeyHasher &hasher) {
  static int anchor;
  std::string self = llvm::sys::fs::getMainExecutable("bitc", &anchor);
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(self, status))
    return;
  hasher.addText(self);
  hasher.add(status.getSize());
  hasher.add(status.getLastModificationTime().time_since_epoch().count());
}

} // namespace

std::optional<ObjectCache> ObjectCache::fromEnvironment() {
  const char *dir = std::getenv("BITC_OBJECT_CACHE");
  if (!dir || !*dir)
    return std::nullopt;
  return ObjectCache(dir);
}

std::string ObjectCache::kernelsKey(const std::vector<KernelJob> &jobs,
                                    const Halide::Target &target,
                                    bool prefetchesIntoL2) {
  KeyHasher hasher;
  hasher.addText("kernels");
  addExecutable(hasher);
  hasher.addText(target.to_string());
  hasher.addText(prefetchesIntoL2 ? "prefetch t1" : "prefetch nta");
  hasher.add(jobs.size());
  for (const KernelJob &job : jobs) {
    hasher.addText(job.symbol);
    hasher.add(job.key.index());
    std::visit(
        [&](const auto &key) {
          std::apply([&](const auto &...field) { (hasher.add(field), ...); },
                     key.fields());
        },
        job.key);
  }
  return hasher.hex();
}

std::string ObjectCache::runtimeKey(const Halide::Target &target) {
  KeyHasher hasher;
  hasher.addText("runtime");
  addExecutable(hasher);
  hasher.addText(target.to_string());
  return hasher.hex();
}

std::optional<std::vector<std::string>> ObjectCache::fetch(
    const std::string &key,
    const std::function<std::string(size_t)> &destination) const {
  llvm::SmallString<256> entry(dir);
  llvm::sys::path::append(entry, key);
  std::vector<std::string> copies;
  for (size_t i = 0;; ++i) {
    llvm::SmallString<256> stored(entry);
    llvm::sys::path::append(stored, std::to_string(i) + ".o");
    if (!llvm::sys::fs::exists(stored))
      break;
    copies.push_back(destination(i));
    removeFileOnInterrupt(copies.back());
    if (llvm::sys::fs::copy_file(stored, copies.back()))
      return std::nullopt;
  }
  if (copies.empty())
    return std::nullopt;
  return copies;
}

void ObjectCache::store(const std::string &key,
                        llvm::ArrayRef<std::string> objects) const {
  llvm::SmallString<256> entry(dir);
  llvm::sys::path::append(entry, key);
  if (llvm::sys::fs::exists(entry) || llvm::sys::fs::create_directories(dir))
    return;
  // Filled under a private name, then renamed into place in one step.
  llvm::SmallString<256> staging(dir);
  llvm::sys::path::append(
      staging,
      "tmp-" + std::to_string(llvm::sys::Process::getProcessId()) + "-" + key);
  if (llvm::sys::fs::create_directory(staging))
    return;
  bool copied = true;
  for (size_t i = 0; i < objects.size() && copied; ++i) {
    llvm::SmallString<256> stored(staging);
    llvm::sys::path::append(stored, std::to_string(i) + ".o");
    copied = !llvm::sys::fs::copy_file(objects[i], stored);
  }
  if (!copied || llvm::sys::fs::rename(staging, entry))
    llvm::sys::fs::remove_directories(staging);
}

} // namespace bitc
