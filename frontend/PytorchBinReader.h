//===- PytorchBinReader.h - torch.save state dicts --------------*- C++ -*-===//
//
// `pytorch_model.bin` as written by torch.save (torch >= 1.6, zip format): a
// zip holding `<top>/data.pkl` (a pickle of an OrderedDict of tensors whose
// storages are persistent ids) and the raw storages `<top>/data/<key>`.
// Only the pickle subset torch.save emits for a state dict is understood;
// nothing is imported or executed.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_PYTORCHBINREADER_H
#define BITC_FRONTEND_PYTORCHBINREADER_H

#include "frontend/TensorStore.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <vector>

namespace bitc {

/// Reads the tensors of the torch.save archive `file` (the mapped contents of
/// `path`). Contiguous tensors point into `file`; non-contiguous views and
/// inflated entries are materialized into buffers appended to `owned`.
/// Errors are one line each and name the file (and the tensor).
llvm::Error
readPytorchBin(llvm::StringRef path, llvm::StringRef file,
               std::vector<TensorInfo> &tensors,
               std::vector<std::unique_ptr<llvm::MemoryBuffer>> &owned);

} // namespace bitc

#endif // BITC_FRONTEND_PYTORCHBINREADER_H
