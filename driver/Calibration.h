//===- Calibration.h - Activation ranges for --precision int8 ---*- C++ -*-===//
//
// int8 convolutions read u8 activations; each needs the scale that maps its
// input range onto 0..255. calibrateInt8 measures that range on the
// --calibration images: each is decoded (examples/common/image_io.c),
// preprocessed by the object's own C code (runtime/Preprocess.c) and run
// through the lowered fp32 graph with the reference interpreter.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_DRIVER_CALIBRATION_H
#define BITC_DRIVER_CALIBRATION_H

#include "codegen/ModelPlan.h"
#include "codegen/Precision.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace bitc {

/// Sets kInt8InputMaxAttr (and kInt8InputMinAttr where the input went
/// negative) on every conv2d of the lowered `module` with a group-norm
/// prologue, from the min/max estimator over `images` (docs/precision.md).
/// An image that does not decode is one error line
/// `<file>: --calibration: <why>`.
llvm::Error calibrateInt8(mlir::ModuleOp module, const PreprocessPlan &pre,
                          const std::vector<std::string> &images);

} // namespace bitc

#endif // BITC_DRIVER_CALIBRATION_H
