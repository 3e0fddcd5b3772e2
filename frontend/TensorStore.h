//===- TensorStore.h - Memory-mapped checkpoint tensors ---------*- C++ -*-===//
//
// The tensors of a checkpoint directory: `model.safetensors`, or the shards
// listed by `model.safetensors.index.json`, or the older `pytorch_model.bin`
// (or the shards of `pytorch_model.bin.index.json`). Files are memory-mapped;
// F32 data is used in place when 4-byte aligned, F16/BF16 (and misaligned
// F32) are converted into owned buffers on first use.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_TENSORSTORE_H
#define BITC_FRONTEND_TENSORSTORE_H

#include "frontend/DType.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bitc {

struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// The file holding the tensor (for diagnostics).
  std::string file;
  /// Raw bytes inside the mapped file.
  llvm::ArrayRef<uint8_t> bytes;

  int64_t numElements() const;
};

class TensorStore {
public:
  /// Opens the weights of a model directory. Validates every header against
  /// its file (offsets inside the data section, no overlaps, byte length ==
  /// numel x dtype size, known dtypes, sane shapes). Errors name the file and,
  /// when there is one, the tensor.
  static llvm::Expected<std::unique_ptr<TensorStore>>
  openDirectory(llvm::StringRef modelDir);

  /// Opens a single safetensors file.
  static llvm::Expected<std::unique_ptr<TensorStore>>
  openFile(llvm::StringRef path);

  /// A safetensors file already in memory (what openFile maps); `path` names
  /// it in diagnostics. The store keeps the buffer.
  static llvm::Expected<std::unique_ptr<TensorStore>>
  openBuffer(llvm::StringRef path, std::unique_ptr<llvm::MemoryBuffer> buffer);

  /// Opens a single torch.save file (pytorch_model.bin).
  static llvm::Expected<std::unique_ptr<TensorStore>>
  openPytorchBin(llvm::StringRef path);

  /// A torch.save file already in memory (what openPytorchBin maps).
  static llvm::Expected<std::unique_ptr<TensorStore>>
  openPytorchBinBuffer(llvm::StringRef path,
                       std::unique_ptr<llvm::MemoryBuffer> buffer);

  /// Reads shard `name` of a sharded checkpoint (a file name next to the
  /// index); the error is only the reason, the caller names the shard.
  using ShardOpener =
      llvm::function_ref<llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>(
          llvm::StringRef name)>;

  /// A sharded checkpoint from the text of its index (`indexPath` in
  /// diagnostics, e.g. model.safetensors.index.json) and the shards
  /// `openShard` returns: safetensors files, or torch.save files when
  /// `pytorchShards`. openDirectory reads the shards from the model
  /// directory through this.
  static llvm::Expected<std::unique_ptr<TensorStore>>
  openShardIndex(llvm::StringRef indexPath, llvm::StringRef indexText,
                 ShardOpener openShard, bool pytorchShards);

  /// A store over tensors another reader found (e.g. a Google .npz):
  /// `buffers` own every byte the infos point to; `source` names the
  /// checkpoint in diagnostics.
  static std::unique_ptr<TensorStore>
  fromTensors(std::string source, std::vector<std::string> files,
              std::vector<TensorInfo> infos,
              std::vector<std::unique_ptr<llvm::MemoryBuffer>> buffers);

  /// All tensors, sorted by name.
  const std::vector<TensorInfo> &tensors() const { return infos; }
  const TensorInfo *lookup(llvm::StringRef name) const;

  /// The tensor as float32: in place for aligned F32, converted otherwise.
  /// The view lives as long as the store.
  llvm::Expected<llvm::ArrayRef<float>> getF32(llvm::StringRef name);

  /// A callback that drops the pages of `view` (a getF32 result) from the
  /// process's resident set when they lie in a memory-mapped file; they are
  /// read back from the file if touched again. It does nothing for converted
  /// copies, or once the store is gone, so it may outlive the store. Lets the
  /// importer release a filter as soon as weight standardization has copied
  /// it (peak memory of big models: docs/big-models.md).
  std::function<void()> pageReleaser(llvm::ArrayRef<float> view) const;

  ~TensorStore();

  /// Total bytes of tensor data (for reporting).
  uint64_t totalBytes() const;

  /// The files that were opened (one, or every shard).
  const std::vector<std::string> &files() const { return fileNames; }

  /// What was opened, for diagnostics about the checkpoint as a whole (e.g. a
  /// missing tensor): the safetensors file, or the shard index.
  llvm::StringRef source() const { return sourcePath; }

  /// A sharded checkpoint: the index and the shards it names in `modelDir`
  /// (safetensors, or torch.save files when `pytorchShards`).
  static llvm::Expected<std::unique_ptr<TensorStore>>
  openShards(llvm::StringRef modelDir, const std::string &indexPath,
             bool pytorchShards);

private:
  void indexTensors();

  std::vector<std::unique_ptr<llvm::MemoryBuffer>> buffers;
  std::vector<std::string> fileNames;
  std::vector<TensorInfo> infos;
  llvm::StringMap<size_t> indexByName;
  llvm::StringMap<std::vector<float>> converted;
  std::string sourcePath;
  /// False once the store (and its mappings) is gone.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

} // namespace bitc

#endif // BITC_FRONTEND_TENSORSTORE_H
