//===- FatalErrors.h - One line and a clean exit when all else fails -----===//
//
// Running out of memory (operator new, LLVM's own allocations) and LLVM's
// fatal errors would otherwise abort with a stack dump; an interrupt would
// leave temporaries behind. These handlers remove the temporaries
// (codegen/Temporaries.h) and end bitc with one line
// `bitc: error: <subject>: out of memory` (or LLVM's reason), exit 1; the
// interrupt signals end it by the signal.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_DRIVER_FATALERRORS_H
#define BITC_DRIVER_FATALERRORS_H

#include "llvm/ADT/StringRef.h"

namespace bitc {

/// Call once, after llvm::InitLLVM.
void installFatalErrorHandlers();

/// What the out-of-memory line names: the model being read or compiled.
void setFatalErrorSubject(llvm::StringRef subject);

} // namespace bitc

#endif // BITC_DRIVER_FATALERRORS_H
