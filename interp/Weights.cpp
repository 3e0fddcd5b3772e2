//===- Weights.cpp - bit.weight in the reference interpreter --------------===//
//
// A weight's `value` is a dense_resource blob of raw little-endian f32 (the
// common case: it aliases the memory-mapped checkpoint), a DenseElementsAttr
// (splat or not), or any other ElementsAttr that iterates as float.
//
//===----------------------------------------------------------------------===//

#include "interp/Kernels.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/SwapByteOrder.h"

#include <cstring>

using namespace mlir;
using namespace mlir::bit;

namespace bitc::detail {

llvm::Expected<Results> runWeight(WeightOp op) {
  HostTensor tensor = allocateLike(op.getResult());
  const int64_t count = static_cast<int64_t>(tensor.data.size());
  StringRef param = op.getParam();
  Attribute value = op.getValue();
  auto notReadable = [&](const Twine &why) {
    return opError(op, "weights of '" + param +
                           "' are not readable f32 elements (" + why + ")");
  };

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (!resource.getElementType().isF32())
      return notReadable("element type is not f32");
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return opError(op, "weights of '" + param + "' are elided");
    ArrayRef<char> bytes = blob->getData();
    if (static_cast<int64_t>(bytes.size()) != count * 4)
      return notReadable("the blob '" + resource.getRawHandle().getKey() +
                         "' has " + Twine(bytes.size()) + " bytes, expected " +
                         Twine(count * 4));
    // The blob may be unaligned; copy bytes, then fix the byte order.
    if (count > 0)
      std::memcpy(tensor.data.data(), bytes.data(), bytes.size());
    if (!llvm::sys::IsLittleEndianHost)
      for (float &element : tensor.data) {
        uint32_t bits;
        std::memcpy(&bits, &element, 4);
        bits = llvm::byteswap(bits);
        std::memcpy(&element, &bits, 4);
      }
    return Results{std::move(tensor)};
  }

  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (!dense.getElementType().isF32())
      return notReadable("element type is not f32");
    if (dense.getNumElements() != count)
      return notReadable("has " + Twine(dense.getNumElements()) +
                         " elements, expected " + Twine(count));
    if (dense.isSplat()) {
      std::fill(tensor.data.begin(), tensor.data.end(),
                dense.getSplatValue<float>());
    } else {
      int64_t i = 0;
      for (float element : dense.getValues<float>())
        tensor.data[i++] = element;
    }
    return Results{std::move(tensor)};
  }

  if (auto elements = dyn_cast<ElementsAttr>(value)) {
    if (!elements.getElementType().isF32())
      return notReadable("element type is not f32");
    if (elements.getNumElements() != count)
      return notReadable("has " + Twine(elements.getNumElements()) +
                         " elements, expected " + Twine(count));
    auto range = elements.tryGetValues<float>();
    if (!range)
      return notReadable("the attribute cannot be iterated as float");
    int64_t i = 0;
    for (float element : *range)
      tensor.data[i++] = element;
    return Results{std::move(tensor)};
  }
  return notReadable("value is not an elements attribute");
}

} // namespace bitc::detail
