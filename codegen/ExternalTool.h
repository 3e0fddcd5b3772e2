//===- ExternalTool.h - Running ld/ar with their output captured ---------===//
//
// bitc's errors are one line naming what failed. The tools it runs (`ld -r`,
// `ar`, their cross and LLVM variants) print their own diagnostics; those are
// captured in a log file, never passed through, and a failure becomes one
// line that summarizes them.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_EXTERNALTOOL_H
#define BITC_CODEGEN_EXTERNALTOOL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>

namespace bitc {

/// The first of `candidates` on PATH, or an error naming them all and the
/// `packages` that provide them.
llvm::Expected<std::string>
findFirstProgram(llvm::ArrayRef<std::string> candidates, llvm::StringRef what,
                 llvm::StringRef packages);

/// Runs `program` with `args` in the C locale, its standard output and error
/// going to `logPath`. It is killed if bitc is interrupted (Temporaries.h).
/// A failure is one line: `<outputPath>: cannot write: <reason>` when the tool
/// reports a full disk, a quota, a file size limit or an I/O error, else
/// "codegen: '<tool>' failed to <what>: <the tool's first error line>".
llvm::Error runExternalTool(const std::string &program,
                            llvm::ArrayRef<std::string> args,
                            llvm::StringRef logPath, llvm::StringRef outputPath,
                            llvm::StringRef what);

/// The one-line summary of a failed tool's `log` (exposed for unit tests).
std::string summarizeToolFailure(llvm::StringRef tool, llvm::StringRef log,
                                 llvm::StringRef outputPath,
                                 llvm::StringRef what);

} // namespace bitc

#endif // BITC_CODEGEN_EXTERNALTOOL_H
