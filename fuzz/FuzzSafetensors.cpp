//===- FuzzSafetensors.cpp - libFuzzer target: model.safetensors ----------===//
//
// The input is one safetensors file: header length, JSON header, data.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  fuzz::consume(TensorStore::openBuffer(
      "model.safetensors", fuzz::inputBuffer(data, size, "model.safetensors")));
  return 0;
}
