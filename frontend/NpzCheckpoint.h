//===- NpzCheckpoint.h - Google's original BiT .npz checkpoints -*- C++ -*-===//
//
// Google's release (docs/bit-model.md section 6): a numpy .npz of TF-named
// arrays, conv kernels HWIO, no config file. The arrays are renamed to the
// Hugging Face state-dict names (section 4) and re-laid out (kernels OIHW,
// the 1x1 head conv a [labels, C] matrix, group-norm parameters flat), so
// the rest of bitc sees an ordinary checkpoint. The architecture comes from
// Google's model name: BiT-{S,M}-R{50,101,152}x{1,2,3,4}[-ILSVRC2012].
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_NPZCHECKPOINT_H
#define BITC_FRONTEND_NPZCHECKPOINT_H

#include "frontend/BitConfig.h"
#include "frontend/PreprocessorConfig.h"
#include "frontend/TensorStore.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>
#include <optional>
#include <string>

namespace bitc {

/// Weight-standardization epsilon of Google's models.
constexpr double kGoogleWsEps = 1e-10;

struct GoogleArch {
  int64_t layers = 50;     // 50, 101 or 152
  int64_t widthFactor = 1; // 1..4
};

/// Parses "BiT-M-R50x1", "BiT-S-R101x3-ILSVRC2012" or such a name followed by
/// ".npz" (a file name; directories are ignored).
std::optional<GoogleArch> parseGoogleArch(llvm::StringRef name);

/// The Hugging Face name of a Google array name, or "" when it has none.
std::string huggingFaceName(llvm::StringRef googleName);

/// Opens an .npz of Google's names. Arrays with unknown names keep them (the
/// checkpoint schema then reports them as unexpected).
llvm::Expected<std::unique_ptr<TensorStore>>
openGoogleNpz(llvm::StringRef path);

/// An .npz already in memory (what openGoogleNpz maps); `path` names it in
/// errors. The store keeps the buffer.
llvm::Expected<std::unique_ptr<TensorStore>>
openGoogleNpzBuffer(llvm::StringRef path,
                    std::unique_ptr<llvm::MemoryBuffer> buffer);

/// The BitConfig of `arch`: pre-activation, default padding, 32 groups, WS
/// eps 1e-10; the stem width comes from the root kernel and the label count
/// from the head (labels named LABEL_0, ...), when the store has them.
BitConfig googleConfig(const GoogleArch &arch, const TensorStore &store);

/// The image processor settings of Google's models, which ship none: resize
/// to the input size (no crop), bilinear, pixels to [-1, 1] (big_transfer's
/// evaluation transform).
PreprocessorConfig googlePreprocessing();

} // namespace bitc

#endif // BITC_FRONTEND_NPZCHECKPOINT_H
