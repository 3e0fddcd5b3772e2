//===- OutputFile.h - Atomic output files -----------------------*- C++ -*-===//

#ifndef BITC_DRIVER_OUTPUTFILE_H
#define BITC_DRIVER_OUTPUTFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <functional>

namespace bitc {

/// Fails (one line, "<path>: cannot write: <why>") when `path` cannot be
/// created: it is a directory, or its directory is missing or is not one.
/// Called before any work is done, so such a mistake costs no compile time.
llvm::Error checkOutputPath(llvm::StringRef path);

/// Writes `path` through a temporary file in the same directory and renames
/// it into place only when `write` succeeds, so a failed or interrupted
/// compile never leaves a partial output behind. "-" writes to stdout.
llvm::Error writeFileAtomically(
    llvm::StringRef path,
    const std::function<llvm::Error(llvm::raw_ostream &)> &write);

} // namespace bitc

#endif // BITC_DRIVER_OUTPUTFILE_H
