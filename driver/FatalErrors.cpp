//===- FatalErrors.cpp - One line and a clean exit when all else fails ---===//

#include "driver/FatalErrors.h"
#include "codegen/Temporaries.h"
#include "llvm/Support/ErrorHandling.h"
#include <algorithm>
#include <atomic>
#include <cstring>
#include <dlfcn.h>
#include <new>
#include <unistd.h>

namespace bitc {
namespace {

// Written before anything can fail, read by handlers that must not allocate.
char subject[1024] = "";

void writeAll(const char *text) {
  size_t length = std::strlen(text);
  while (length > 0) {
    ssize_t written = ::write(STDERR_FILENO, text, length);
    if (written <= 0)
      return;
    text += written;
    length -= static_cast<size_t>(written);
  }
}

// Kernels compile on several threads, which can run out of memory together:
// the first to get here speaks and exits, the others wait for that exit so
// the line is not interleaved.
// A second failure on the dying thread itself (while it removes the
// temporaries) ends the process at once.
std::atomic_flag dying = ATOMIC_FLAG_INIT;
thread_local bool thisThreadIsDying = false;

[[noreturn]] void die(const char *reason, bool named) {
  if (thisThreadIsDying)
    ::_exit(1);
  if (dying.test_and_set())
    for (;;)
      ::pause();
  thisThreadIsDying = true;
  removeTemporariesNow();
  writeAll("bitc: error: ");
  if (named && subject[0]) {
    writeAll(subject);
    writeAll(": ");
  }
  // One line, whatever LLVM's reason holds.
  char line[512];
  size_t n = 0;
  for (; reason[n] && reason[n] != '\n' && n + 1 < sizeof(line); ++n)
    line[n] = reason[n];
  line[n] = '\0';
  writeAll(line);
  writeAll("\n");
  ::_exit(1);
}

void onOutOfMemory() { die("out of memory", true); }

void onBadAlloc(void *, const char *, bool) { die("out of memory", true); }

void onFatalError(void *, const char *reason, bool) { die(reason, false); }

/// Halide 14 brings its own LLVM (Debian: libLLVM-14, symbols versioned
/// LLVM_14), whose fatal errors (a full disk while it writes an object) and
/// failed allocations go to that copy's handlers, not to ours.
void installInHalidesLLVM() {
  using Handler = void (*)(void *, const char *, bool);
  using Install = void (*)(Handler, void *);
  for (const char *version :
       {"LLVM_13", "LLVM_14", "LLVM_15", "LLVM_16", "LLVM_17", "LLVM_18"}) {
    if (auto install = reinterpret_cast<Install>(dlvsym(
            RTLD_DEFAULT, "_ZN4llvm27install_fatal_error_handlerEPFvPvPKcbES0_",
            version)))
      install(onFatalError, nullptr);
    if (auto install = reinterpret_cast<Install>(
            dlvsym(RTLD_DEFAULT,
                   "_ZN4llvm31install_bad_alloc_error_handlerEPFvPvPKcbES0_",
                   version)))
      install(onBadAlloc, nullptr);
  }
}

} // namespace

void setFatalErrorSubject(llvm::StringRef text) {
  size_t n = std::min(text.size(), sizeof(subject) - 1);
  std::memcpy(subject, text.data(), n);
  subject[n] = '\0';
}

void installFatalErrorHandlers() {
  installInterruptCleanup();
  llvm::install_bad_alloc_error_handler(onBadAlloc);
  llvm::install_fatal_error_handler(onFatalError);
  std::set_new_handler(onOutOfMemory);
  installInHalidesLLVM();
}

} // namespace bitc
