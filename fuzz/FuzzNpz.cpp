//===- FuzzNpz.cpp - libFuzzer target: Google's BiT .npz ------------------===//
//
// The input is one .npz archive of .npy arrays with Google's names; an
// accepted archive also goes through googleConfig, as `bitc compile` does.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bitc::fuzz::checkGoogleNpz(
      bitc::fuzz::inputBuffer(data, size, "BiT-M-R50x1.npz"));
  return 0;
}
