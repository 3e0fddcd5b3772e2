//===- FuzzSupport.h - Shared helpers of the libFuzzer targets --*- C++ -*-===//
//
// A reader that accepts an input must hand out data later stages can use
// without further checks, so every target walks what a successful parse
// returns: every tensor's shape and every byte of its data (through getF32,
// which converts F16/BF16 and copies misaligned F32).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FUZZ_FUZZSUPPORT_H
#define BITC_FUZZ_FUZZSUPPORT_H

#include "frontend/TensorStore.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace bitc::fuzz {

/// The fuzzer's input as a buffer that does not copy it: libFuzzer allocates
/// exactly `size` bytes, so AddressSanitizer flags a read one byte past it.
inline std::unique_ptr<llvm::MemoryBuffer>
inputBuffer(const uint8_t *data, size_t size, llvm::StringRef name) {
  return llvm::MemoryBuffer::getMemBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), name,
      /*RequiresNullTerminator=*/false);
}

/// Aborts (a finding) when a checked invariant of an accepted input fails.
inline void require(bool condition) {
  if (!condition)
    std::abort();
}

/// Reads every tensor of an accepted store and checks what the readers
/// promise: byte length == numel x dtype size, lookups by name, total size.
inline void exerciseStore(TensorStore &store) {
  uint64_t total = 0;
  volatile float sink = 0; // keeps the loads
  for (const TensorInfo &info : store.tensors()) {
    require(store.lookup(info.name) != nullptr);
    int64_t numel = info.numElements();
    require(numel >= 0);
    require(static_cast<uint64_t>(numel) * dtypeSize(info.dtype) ==
            info.bytes.size());
    total += info.bytes.size();
    llvm::Expected<llvm::ArrayRef<float>> values = store.getF32(info.name);
    require(static_cast<bool>(values));
    require(values->size() == static_cast<size_t>(numel));
    for (float v : *values)
      sink = sink + v;
  }
  require(total == store.totalBytes());
  require(!store.source().empty());
}

/// Consumes the result of a reader: a store is exercised, an error must be
/// a non-empty message.
inline void consume(llvm::Expected<std::unique_ptr<TensorStore>> store) {
  if (!store) {
    require(!llvm::toString(store.takeError()).empty());
    return;
  }
  exerciseStore(**store);
}

} // namespace bitc::fuzz

#endif // BITC_FUZZ_FUZZSUPPORT_H
