//===- Temporaries.cpp - Files removed however bitc stops ----------------===//

#include "codegen/Temporaries.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

namespace bitc {
namespace {

// Each slot holds a strdup'ed path prefixed by 'f' (file) or 'd'
// (directory), or null. A fixed array: the signal handler walks it without
// locks; a compile registers a few files per kernel thread.
constexpr size_t kSlots = 1024;
std::atomic<char *> slots[kSlots];
std::atomic<int> runningTool{0};

void registerPath(char kind, llvm::StringRef path) {
  std::string entry = kind + path.str();
  char *copy = strdup(entry.c_str());
  if (!copy)
    return;
  for (std::atomic<char *> &slot : slots) {
    char *expected = nullptr;
    if (slot.compare_exchange_strong(expected, copy))
      return;
  }
  free(copy); // Full: LLVM's RemoveFileOnSignal still covers files.
}

void removeKind(char kind) {
  for (std::atomic<char *> &slot : slots) {
    char *entry = slot.load();
    if (!entry || entry[0] != kind)
      continue;
    if (kind == 'f')
      ::unlink(entry + 1);
    else
      ::rmdir(entry + 1);
  }
}

// InterruptsDeferred: how many are held, and a signal that came meanwhile.
std::atomic<int> deferDepth{0};
std::atomic<int> pendingSignal{0};

void onInterrupt(int sig) {
  // Recorded first, so a deferral that ends right now still sees it.
  pendingSignal.store(sig);
  if (deferDepth.load() > 0)
    return;
  pendingSignal.store(0);
  removeTemporariesNow();
  std::signal(sig, SIG_DFL);
  std::raise(sig); // Delivered when the handler returns.
}

void onCrash(void *) { removeTemporariesNow(); }

} // namespace

void removeFileOnInterrupt(llvm::StringRef path) {
  llvm::sys::RemoveFileOnSignal(path);
  registerPath('f', path);
}

void forgetOnInterrupt(llvm::StringRef path) {
  llvm::sys::DontRemoveFileOnSignal(path);
  for (std::atomic<char *> &slot : slots) {
    char *entry = slot.load();
    if (entry && path == entry + 1 &&
        slot.compare_exchange_strong(entry, nullptr)) {
      free(entry);
      return;
    }
  }
}

void setRunningTool(int pid) { runningTool.store(pid); }

void removeTemporariesNow() {
  if (int pid = runningTool.exchange(0); pid > 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  llvm::sys::RunInterruptHandlers();
  removeKind('f');
  removeKind('d');
}

void installInterruptCleanup() {
  struct sigaction action = {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaction(sig, &action, nullptr);
  llvm::sys::AddSignalHandler(onCrash, nullptr);
}

InterruptsDeferred::InterruptsDeferred() { ++deferDepth; }

InterruptsDeferred::~InterruptsDeferred() {
  if (--deferDepth == 0)
    if (int sig = pendingSignal.exchange(0))
      std::raise(sig);
}

llvm::Expected<TemporaryDirectory>
TemporaryDirectory::create(llvm::StringRef prefix) {
  TemporaryDirectory temp;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory(prefix, temp.dir))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "codegen: cannot create a temporary directory: " + ec.message());
  registerPath('d', temp.dir);
  return std::move(temp);
}

TemporaryDirectory::TemporaryDirectory(TemporaryDirectory &&other)
    : dir(std::move(other.dir)) {
  other.dir.clear();
}

TemporaryDirectory::~TemporaryDirectory() {
  if (dir.empty())
    return;
  llvm::sys::fs::remove_directories(dir);
  // Everything registered inside it, by file() or by the kernel threads.
  for (std::atomic<char *> &slot : slots) {
    char *entry = slot.load();
    if (!entry)
      continue;
    llvm::StringRef path(entry + 1);
    if (path == dir || (path.starts_with(dir) &&
                        llvm::sys::path::is_separator(path[dir.size()])))
      forgetOnInterrupt(path);
  }
}

std::string TemporaryDirectory::file(llvm::StringRef name) {
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, name);
  removeFileOnInterrupt(path);
  return path.str().str();
}

} // namespace bitc
