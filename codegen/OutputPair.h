//===- OutputPair.h - An object and its header moved into place together --===//
//
// `bitc compile` writes two files that only work as a pair: the object and
// the header declaring its API. Both are staged as temporary files next to
// their destinations; this moves them into place so that a failure never
// leaves a new object next to an old header or the other way round.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_OUTPUTPAIR_H
#define BITC_CODEGEN_OUTPUTPAIR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"

namespace bitc {

/// Renames `object` to `objectPath`, then `header` to `headerPath`. If the
/// object cannot be moved, neither is and both temporaries are removed. If
/// the header cannot be moved, the object path gets back what it held before
/// (kept through a hard link; with no earlier object, or where no hard link
/// can be made, the new object is removed), so the previous pair, or no
/// object at all, is what a failure leaves. The error names the path that
/// could not be written. Two processes installing into the same directory
/// take turns (a lock on the directory), and SIGINT/SIGTERM/SIGHUP wait until
/// both files are in place.
llvm::Error installObjectAndHeader(llvm::sys::fs::TempFile &object,
                                   llvm::StringRef objectPath,
                                   llvm::sys::fs::TempFile &header,
                                   llvm::StringRef headerPath);

} // namespace bitc

#endif // BITC_CODEGEN_OUTPUTPAIR_H
