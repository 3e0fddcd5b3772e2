//===- FuzzPytorchBin.cpp - libFuzzer target: pytorch_model.bin -----------===//
//
// The input is one torch.save archive: the zip container, the pickled state
// dict and the storages it references (stored or deflated).
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  fuzz::consume(TensorStore::openPytorchBinBuffer(
      "pytorch_model.bin", fuzz::inputBuffer(data, size, "pytorch_model.bin")));
  return 0;
}
