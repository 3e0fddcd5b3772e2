//===- NpyReader.h - numpy .npy arrays ---------------------------*- C++
//-*-===//
//
// The .npy format (numpy/lib/format.py), versions 1.0, 2.0 and 3.0: the magic
// "\x93NUMPY", a version, a little-endian header length (2 bytes in v1, 4 in
// v2/v3), a Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (3, 4), } padded with spaces and '\n', then the raw data. Only
// little-endian float32 ('<f4') and float16 ('<f2') arrays are accepted.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_NPYREADER_H
#define BITC_FRONTEND_NPYREADER_H

#include "frontend/TensorStore.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <vector>

namespace bitc {

struct NpyArray {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// Column-major data (fortran_order: True).
  bool fortranOrder = false;
  /// Exactly numel x element size bytes, inside the parsed buffer.
  llvm::ArrayRef<uint8_t> data;
  /// Strides in elements of the data in its stored order.
  std::vector<int64_t> strides() const;
};

/// Parses a whole .npy file. Errors carry no file name (callers prefix the
/// file and the array) and are one line.
llvm::Expected<NpyArray> parseNpy(llvm::ArrayRef<uint8_t> bytes);

} // namespace bitc

#endif // BITC_FRONTEND_NPYREADER_H
