//===- Temporaries.h - Files removed however bitc stops ------------------===//
//
// A compile writes objects into a private temporary directory and stages its
// outputs next to their destinations. Whether it returns, is interrupted
// (SIGINT, SIGTERM, SIGHUP), crashes, or runs out of memory, none of that may
// be left behind. LLVM's RemoveFileOnSignal covers regular files on crashes
// and interrupts, but not directories, nor a file that an external tool
// (`ld`) still writes after it was removed; this registry adds both: the
// running tool is killed first, then every registered file and directory is
// removed. The removal is async-signal-safe (no allocation, no locks).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_TEMPORARIES_H
#define BITC_CODEGEN_TEMPORARIES_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>

namespace bitc {

/// Registers `path`, a file that may not exist yet, for removal on an
/// interrupt, a crash or a fatal error (also with LLVM's RemoveFileOnSignal).
void removeFileOnInterrupt(llvm::StringRef path);

/// Unregisters `path` (a file or a directory) once it is gone or kept.
void forgetOnInterrupt(llvm::StringRef path);

/// The process id of the external tool running now, 0 when none: it is
/// killed (and reaped) before the files it may be writing are removed.
void setRunningTool(int pid);

/// Kills the running tool and removes every registered file, then every
/// registered (by then empty) directory. Async-signal-safe.
void removeTemporariesNow();

/// SIGINT, SIGTERM and SIGHUP remove the temporaries and then end the
/// process by the same signal; crashes remove them too. Call once, after
/// llvm::InitLLVM.
void installInterruptCleanup();

/// While one exists, SIGINT, SIGTERM and SIGHUP are held back in every
/// thread; one that arrived is acted on when the last one goes away. For
/// steps that must not be cut in half (moving the output pair into place).
class InterruptsDeferred {
public:
  InterruptsDeferred();
  ~InterruptsDeferred();
  InterruptsDeferred(const InterruptsDeferred &) = delete;
  InterruptsDeferred &operator=(const InterruptsDeferred &) = delete;
};

/// A private directory for the intermediate files of one compile, removed
/// with its files when it goes out of scope or on an interrupt.
class TemporaryDirectory {
public:
  static llvm::Expected<TemporaryDirectory> create(llvm::StringRef prefix);
  TemporaryDirectory(TemporaryDirectory &&other);
  TemporaryDirectory(const TemporaryDirectory &) = delete;
  ~TemporaryDirectory();

  /// The path of `name` inside the directory, registered for removal.
  std::string file(llvm::StringRef name);
  llvm::StringRef path() const { return dir; }

private:
  TemporaryDirectory() = default;
  llvm::SmallString<128> dir;
};

} // namespace bitc

#endif // BITC_CODEGEN_TEMPORARIES_H
