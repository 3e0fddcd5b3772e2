//===- FuzzTorchPickle.cpp - libFuzzer target: torch.save contents --------===//
//
// pytorch_model.bin without the zip layer in the way: in the pytorch-bin
// target nearly every mutation of data.pkl or a storage breaks the entry's
// CRC-32 and stops at the zip reader. Here the input is a list of entries,
//   <name>\n<bytes>\n#entry\n<name>\n<bytes>...
// (e.g. "archive/data.pkl", "archive/data/0"), which the target packs into a
// valid stored zip archive (CRCs computed) before reading it, so mutations
// reach the pickle machine and the tensor checks.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"

#include "llvm/ADT/SmallVector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  std::optional<std::string> zip = fuzz::zipOfEntries(input);
  if (!zip)
    return 0;
  fuzz::consume(TensorStore::openPytorchBinBuffer(
      "pytorch_model.bin",
      fuzz::inputBuffer(reinterpret_cast<const uint8_t *>(zip->data()),
                        zip->size(), "pytorch_model.bin")));
  return 0;
}
