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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  if (auto bin = fuzz::zippedInput(data, size, "pytorch_model.bin"))
    fuzz::consume(
        TensorStore::openPytorchBinBuffer("pytorch_model.bin", std::move(bin)));
  return 0;
}
