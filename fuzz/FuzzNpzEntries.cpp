//===- FuzzNpzEntries.cpp - libFuzzer target: .npz contents ---------------===//
//
// Google's .npz without the zip layer in the way (see FuzzTorchPickle.cpp):
// the input is an entry list "<name>\n<bytes>\n#entry\n..." of .npy arrays
// with Google's names, packed into a valid stored zip before reading, so
// mutations of names, headers and shapes reach the renaming and re-layout
// of openGoogleNpzBuffer.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (auto npz = bitc::fuzz::zippedInput(data, size, "BiT-M-R50x1.npz"))
    bitc::fuzz::checkGoogleNpz(std::move(npz));
  return 0;
}
