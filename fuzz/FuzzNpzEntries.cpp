//===- FuzzNpzEntries.cpp - libFuzzer target: .npz contents ---------------===//
//
// Google's .npz without the zip layer in the way (see FuzzTorchPickle.cpp):
// the input is an entry list "<name>\n<bytes>\n#entry\n..." of .npy arrays
// with Google's names, packed into a valid stored zip before reading, so
// mutations of names, headers and shapes reach the renaming and re-layout
// of openGoogleNpzBuffer.
//
//===----------------------------------------------------------------------===//

#include "frontend/NpzCheckpoint.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  std::optional<std::string> zip = fuzz::zipOfEntries(input);
  if (!zip)
    return 0;
  auto store = openGoogleNpzBuffer(
      "BiT-M-R50x1.npz",
      fuzz::inputBuffer(reinterpret_cast<const uint8_t *>(zip->data()),
                        zip->size(), "BiT-M-R50x1.npz"));
  if (!store) {
    fuzz::require(!llvm::toString(store.takeError()).empty());
    return 0;
  }
  fuzz::exerciseStore(**store);
  BitConfig config = googleConfig(GoogleArch{}, **store);
  fuzz::require(config.embeddingSize > 0);
  return 0;
}
