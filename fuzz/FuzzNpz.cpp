//===- FuzzNpz.cpp - libFuzzer target: Google's BiT .npz ------------------===//
//
// The input is one .npz archive of .npy arrays with Google's names; an
// accepted archive also goes through googleConfig, as `bitc compile` does.
//
//===----------------------------------------------------------------------===//

#include "frontend/NpzCheckpoint.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  auto store = openGoogleNpzBuffer(
      "BiT-M-R50x1.npz", fuzz::inputBuffer(data, size, "BiT-M-R50x1.npz"));
  if (!store) {
    fuzz::require(!llvm::toString(store.takeError()).empty());
    return 0;
  }
  fuzz::exerciseStore(**store);
  BitConfig config = googleConfig(GoogleArch{}, **store);
  fuzz::require(config.embeddingSize > 0);
  return 0;
}
