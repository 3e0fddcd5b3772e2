//===- FuzzShardIndex.cpp - libFuzzer target: sharded checkpoints ---------===//
//
// The input is a model.safetensors.index.json followed by the shards, each
// part introduced by a line "#shard" (the dictionary has it):
//   <index JSON>\n#shard\n<shard 1>\n#shard\n<shard 2>...
// The shards the index names are handed out in the order they are asked
// for (sorted by name); a missing one reads as "No such file or directory".
// Shards starting like a zip archive make the whole input a
// pytorch_model.bin.index.json checkpoint.
//
//===----------------------------------------------------------------------===//

#include "frontend/ZipArchive.h"
#include "fuzz/FuzzSupport.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  llvm::SmallVector<llvm::StringRef, 4> parts;
  input.split(parts, "\n#shard\n");
  // Each shard in its own exact-size allocation, so reading past a shard's
  // end is caught rather than landing in the next part.
  std::vector<std::vector<char>> shards;
  for (size_t i = 1; i < parts.size(); ++i)
    shards.emplace_back(parts[i].begin(), parts[i].end());
  bool pytorchShards = !shards.empty() &&
                       ZipArchive::looksLikeZip(
                           llvm::StringRef(shards[0].data(), shards[0].size()));
  size_t next = 0;
  auto openShard = [&](llvm::StringRef name)
      -> llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> {
    if (next >= shards.size())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "No such file or directory");
    const std::vector<char> &shard = shards[next++];
    return llvm::MemoryBuffer::getMemBuffer(
        llvm::StringRef(shard.data(), shard.size()), name,
        /*RequiresNullTerminator=*/false);
  };
  const char *indexPath = pytorchShards ? "model/pytorch_model.bin.index.json"
                                        : "model/model.safetensors.index.json";
  fuzz::consume(TensorStore::openShardIndex(indexPath, parts[0], openShard,
                                            pytorchShards));
  return 0;
}
