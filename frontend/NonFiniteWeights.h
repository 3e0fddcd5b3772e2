//===- NonFiniteWeights.h - NaN and infinity in weights ---------*- C++ -*-===//
//
// A weight that is NaN or infinite makes every logit NaN (group norm and the
// weight standardization mix it into whole channels), which is rarely what
// anybody wants from a compiled model; it usually means a diverged training
// run or a corrupted download. bitc warns about each such tensor by default
// and refuses the checkpoint with --reject-nonfinite.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_NONFINITEWEIGHTS_H
#define BITC_FRONTEND_NONFINITEWEIGHTS_H

#include "frontend/TensorStore.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace bitc {

/// One line per tensor of `store` holding a NaN or an infinity, in name
/// order: "<file>: tensor '<name>': <n> of <total> values are not finite
/// (first: <nan|inf|-inf> at index <i>)". After `maxLines` tensors a last
/// line "<source>: ... and <k> more tensors with non-finite values" counts
/// the rest.
llvm::Expected<std::vector<std::string>>
describeNonFiniteWeights(TensorStore &store, size_t maxLines = 20);

} // namespace bitc

#endif // BITC_FRONTEND_NONFINITEWEIGHTS_H
