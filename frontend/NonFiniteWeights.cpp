//===- NonFiniteWeights.cpp - NaN and infinity in checkpoint tensors ------===//

#include "frontend/NonFiniteWeights.h"
#include "llvm/ADT/Twine.h"
#include <cmath>

using namespace bitc;

llvm::Expected<std::vector<std::string>>
bitc::describeNonFiniteWeights(TensorStore &store, size_t maxLines) {
  std::vector<std::string> lines;
  size_t tensorsLeftOut = 0;
  for (const TensorInfo &info : store.tensors()) {
    llvm::Expected<llvm::ArrayRef<float>> values = store.getF32(info.name);
    if (!values)
      return values.takeError();
    size_t bad = 0, first = 0;
    for (size_t i = 0, e = values->size(); i < e; ++i)
      if (!std::isfinite((*values)[i]) && bad++ == 0)
        first = i;
    // The scan must not keep a whole mapped checkpoint resident before the
    // import (peak memory of big models): drop the pages it touched.
    store.pageReleaser(*values)();
    if (bad == 0)
      continue;
    if (lines.size() == maxLines) {
      ++tensorsLeftOut;
      continue;
    }
    float value = (*values)[first];
    const char *kind = std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
    lines.push_back((info.file + ": tensor '" + info.name + "': " +
                     llvm::Twine(bad) + " of " + llvm::Twine(values->size()) +
                     " values are not finite (first: " + kind + " at index " +
                     llvm::Twine(first) + ")")
                        .str());
  }
  if (tensorsLeftOut)
    lines.push_back((store.source() + ": ... and " +
                     llvm::Twine(tensorsLeftOut) +
                     " more tensors with non-finite values")
                        .str());
  return lines;
}
