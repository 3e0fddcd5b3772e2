//===- StridedCopy.cpp - Materialize strided tensor views -----------------===//

#include "frontend/StridedCopy.h"

#include <cstring>

using namespace bitc;
using llvm::ArrayRef;

std::vector<int64_t> bitc::contiguousStrides(ArrayRef<int64_t> sizes) {
  std::vector<int64_t> strides(sizes.size());
  int64_t stride = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= sizes[i];
  }
  return strides;
}

bool bitc::isContiguousView(ArrayRef<int64_t> sizes,
                            ArrayRef<int64_t> strides) {
  for (int64_t size : sizes)
    if (size == 0)
      return true; // empty: nothing is read
  int64_t expected = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] != 1 && strides[i] != expected)
      return false;
    expected *= sizes[i];
  }
  return true;
}

std::optional<std::string> bitc::checkViewBounds(int64_t offset,
                                                 ArrayRef<int64_t> sizes,
                                                 ArrayRef<int64_t> strides,
                                                 int64_t storageElements) {
  if (sizes.size() != strides.size())
    return "size has " + std::to_string(sizes.size()) +
           " dimensions but stride " + std::to_string(strides.size());
  if (offset < 0)
    return "negative storage offset " + std::to_string(offset);
  int64_t numel = 1, last = offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 0 || strides[i] < 0)
      return std::string("negative size or stride");
    if (__builtin_mul_overflow(numel, sizes[i], &numel))
      return std::string("too many elements");
  }
  if (numel == 0)
    return offset <= storageElements
               ? std::nullopt
               : std::optional<std::string>(
                     "storage offset " + std::to_string(offset) +
                     " lies outside the storage of " +
                     std::to_string(storageElements) + " elements");
  for (size_t i = 0; i < sizes.size(); ++i) {
    int64_t span;
    if (__builtin_mul_overflow(sizes[i] - 1, strides[i], &span) ||
        __builtin_add_overflow(last, span, &last))
      return std::string("view extent overflows");
  }
  if (last >= storageElements)
    return "view (offset " + std::to_string(offset) + ", last element " +
           std::to_string(last) + ") reads past the storage of " +
           std::to_string(storageElements) + " elements";
  return std::nullopt;
}

std::unique_ptr<llvm::MemoryBuffer>
bitc::gatherStrided(const uint8_t *storage, int64_t elementSize, int64_t offset,
                    ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides,
                    llvm::StringRef name) {
  int64_t numel = 1;
  for (int64_t s : sizes)
    numel *= s;
  auto out = llvm::WritableMemoryBuffer::getNewUninitMemBuffer(
      std::max<int64_t>(numel * elementSize, 1), name);
  if (!out)
    return nullptr;
  if (numel == 0)
    return out;
  auto *dst = reinterpret_cast<uint8_t *>(out->getBufferStart());
  const size_t rank = sizes.size();
  if (rank == 0) {
    std::memcpy(dst, storage + offset * elementSize, elementSize);
    return out;
  }
  // Odometer over all but the innermost dimension; the innermost is a loop.
  std::vector<int64_t> index(rank, 0);
  const int64_t inner = sizes[rank - 1], innerStride = strides[rank - 1];
  int64_t base = offset;
  for (;;) {
    const uint8_t *src = storage + base * elementSize;
    if (innerStride == 1) {
      std::memcpy(dst, src, inner * elementSize);
      dst += inner * elementSize;
    } else {
      for (int64_t j = 0; j < inner; ++j, dst += elementSize)
        std::memcpy(dst, src + j * innerStride * elementSize, elementSize);
    }
    size_t d = rank - 1;
    while (d-- > 0) {
      base += strides[d];
      if (++index[d] < sizes[d])
        break;
      base -= strides[d] * sizes[d];
      index[d] = 0;
    }
    if (d == static_cast<size_t>(-1))
      break;
  }
  return out;
}
