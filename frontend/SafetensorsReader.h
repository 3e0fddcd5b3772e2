//===- SafetensorsReader.h - The safetensors format -------------*- C++ -*-===//
//
// An 8-byte little-endian header length N, N bytes of JSON describing every
// tensor, then the raw data (docs/bit-model.md section 1).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_SAFETENSORSREADER_H
#define BITC_FRONTEND_SAFETENSORSREADER_H

#include "frontend/ErrorList.h"
#include "frontend/TensorStore.h"
#include "llvm/Support/MemoryBuffer.h"
#include <vector>

namespace bitc {

/// Parses and validates the safetensors file held by `buffer` (`path` in
/// diagnostics). Every problem found is added to `errors`; the tensors are
/// returned only when there were none.
std::vector<TensorInfo> parseSafetensors(llvm::StringRef path,
                                         const llvm::MemoryBuffer &buffer,
                                         ErrorList &errors);

} // namespace bitc

#endif // BITC_FRONTEND_SAFETENSORSREADER_H
