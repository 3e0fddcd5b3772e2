//===- FuzzNpy.cpp - libFuzzer target: one .npy array ---------------------===//
//
// The input is one .npy file (versions 1 to 3). An accepted array's data
// must be exactly numel x element size bytes inside the input, and its
// strides must address only those bytes.
//
//===----------------------------------------------------------------------===//

#include "frontend/NpyReader.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace bitc;
  llvm::Expected<NpyArray> array =
      parseNpy(llvm::ArrayRef<uint8_t>(data, size));
  if (!array) {
    fuzz::require(!llvm::toString(array.takeError()).empty());
    return 0;
  }
  int64_t numel = 1;
  for (int64_t d : array->shape) {
    fuzz::require(d >= 0);
    numel *= d;
  }
  fuzz::require(static_cast<uint64_t>(numel) * dtypeSize(array->dtype) ==
                array->data.size());
  fuzz::require(array->data.empty() ||
                (array->data.data() >= data &&
                 array->data.data() + array->data.size() <= data + size));
  std::vector<int64_t> strides = array->strides();
  fuzz::require(strides.size() == array->shape.size());
  if (numel > 0) {
    // The last element reached through the strides is the last one stored.
    int64_t last = 0;
    for (size_t i = 0; i < strides.size(); ++i)
      last += (array->shape[i] - 1) * strides[i];
    fuzz::require(last == numel - 1);
  }
  volatile uint8_t sink = 0;
  for (uint8_t byte : array->data)
    sink = sink ^ byte;
  return 0;
}
