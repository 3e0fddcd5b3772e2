//===- WindowShape.h - Output extent of a sliding window --------*- C++ -*-===//
//
// The one definition of a convolution's or pool's output extent, used by the
// dialect's type computation (ir/BitOps.cpp), the importer and the kernel
// builders (codegen/kernels/Kernels.h). Header-only: the kernels use it
// without linking the dialect.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_IR_WINDOWSHAPE_H
#define BITC_IR_WINDOWSHAPE_H

#include <cstdint>

namespace mlir::bit {

/// floor((in + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride)
/// + 1, or 0 when the padded input is smaller than the dilated window.
constexpr int64_t windowOutputSize(int64_t in, int64_t padBefore,
                                   int64_t padAfter, int64_t kernel,
                                   int64_t stride, int64_t dilation = 1) {
  int64_t span = in + padBefore + padAfter - dilation * (kernel - 1) - 1;
  return span < 0 || stride < 1 ? 0 : span / stride + 1;
}

} // namespace mlir::bit

#endif // BITC_IR_WINDOWSHAPE_H
