//===- WeightData.cpp - Reading the data of bit.weight ops ----------------===//

#include "ir/WeightData.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Endian.h"
#include <cstring>

using namespace mlir;
using namespace mlir::bit;

FailureOr<ArrayRef<float>>
mlir::bit::getWeightData(WeightOp op, std::vector<float> &storage) {
  auto type = cast<RankedTensorType>(op.getResult().getType());
  int64_t count = type.getNumElements();
  Attribute value = op.getValue();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op.emitOpError()
             << "weights of '" << op.getParam() << "' are elided or missing";
    // releaseWeightData leaves a default blob, the only one of alignment 0.
    if (blob->getDataAlignment() == 0)
      return op.emitOpError()
             << "weights of '" << op.getParam()
             << "' were released by their last reader (weight "
                "standardization folding or planKernels) and cannot be read "
                "again";
    ArrayRef<char> bytes = blob->getData();
    if (static_cast<int64_t>(bytes.size()) != count * 4)
      return op.emitOpError()
             << "weights of '" << op.getParam() << "' hold " << bytes.size()
             << " bytes, expected " << count * 4;
    if (llvm::sys::IsLittleEndianHost &&
        reinterpret_cast<uintptr_t>(bytes.data()) % alignof(float) == 0)
      return ArrayRef<float>(reinterpret_cast<const float *>(bytes.data()),
                             count);
    // Unaligned (or a big-endian host): copy the little-endian words.
    storage.resize(count);
    for (int64_t i = 0; i < count; ++i) {
      uint32_t bits = llvm::support::endian::read32le(bytes.data() + 4 * i);
      std::memcpy(&storage[i], &bits, sizeof bits);
    }
    return ArrayRef<float>(storage);
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    storage.assign(dense.getValues<float>().begin(),
                   dense.getValues<float>().end());
    if (dense.isSplat())
      storage.assign(count, dense.getSplatValue<float>());
    return ArrayRef<float>(storage);
  }
  return op.emitOpError() << "unsupported weight attribute for '"
                          << op.getParam() << "'";
}

void mlir::bit::releaseWeightData(WeightOp op) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(op.getValue()))
    if (DialectResourceBlobManager::BlobEntry *entry =
            resource.getRawHandle().getResource())
      entry->setBlob(AsmResourceBlob());
}

DenseResourceElementsAttr mlir::bit::makeResourceAttr(RankedTensorType type,
                                                      StringRef key,
                                                      std::vector<float> data) {
  auto owned = std::make_unique<std::vector<float>>(std::move(data));
  ArrayRef<char> bytes(reinterpret_cast<const char *>(owned->data()),
                       owned->size() * sizeof(float));
  // The deleter owns the vector, so the blob's bytes live as long as the
  // context's resource manager keeps the blob.
  AsmResourceBlob blob(
      bytes, alignof(float),
      [owned = std::shared_ptr<std::vector<float>>(std::move(owned))](
          void *, size_t, size_t) mutable { owned.reset(); },
      /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, key, std::move(blob));
}
