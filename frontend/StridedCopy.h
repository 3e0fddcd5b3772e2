//===- StridedCopy.h - Materialize strided tensor views ---------*- C++ -*-===//
//
// Checkpoint formats describe a tensor as a view of a flat storage (offset,
// sizes, strides in elements): torch's non-contiguous tensors, numpy's
// Fortran-order arrays, and the HWIO -> OIHW transpose of Google's kernels.
// These helpers check such a view against its storage and copy it into a new
// row-major buffer, byte-exactly (any element size).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_STRIDEDCOPY_H
#define BITC_FRONTEND_STRIDEDCOPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bitc {

/// Row-major strides of `sizes`.
std::vector<int64_t> contiguousStrides(llvm::ArrayRef<int64_t> sizes);

/// True when the view (sizes, strides) reads its elements in row-major
/// order without gaps (dimensions of size 1 may have any stride).
bool isContiguousView(llvm::ArrayRef<int64_t> sizes,
                      llvm::ArrayRef<int64_t> strides);

/// Checks that every element of the view lies inside a storage of
/// `storageElements` elements; returns the problem, or nullopt if it fits.
/// Sizes and strides must be non-negative; overflow is detected.
std::optional<std::string> checkViewBounds(int64_t offset,
                                           llvm::ArrayRef<int64_t> sizes,
                                           llvm::ArrayRef<int64_t> strides,
                                           int64_t storageElements);

/// Copies a checked view into a new row-major buffer named `name`.
std::unique_ptr<llvm::MemoryBuffer>
gatherStrided(const uint8_t *storage, int64_t elementSize, int64_t offset,
              llvm::ArrayRef<int64_t> sizes, llvm::ArrayRef<int64_t> strides,
              llvm::StringRef name);

} // namespace bitc

#endif // BITC_FRONTEND_STRIDEDCOPY_H
