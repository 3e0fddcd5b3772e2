//===- TemporariesTest.cpp - Interrupts, temporaries and deferral ---------===//
//
// Each case runs in a child process that installs bitc's interrupt handlers
// and gets SIGTERM (faults/interrupt.test sends them to whole compiles).
//
//===----------------------------------------------------------------------===//

#include "codegen/Temporaries.h"
#include "TestUtil.h"

#include "llvm/Support/FileSystem.h"
#include "gtest/gtest.h"

#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace bitc;
using namespace bitc::test;

namespace {

/// Runs `body` in a child process; returns its wait status.
template <typename Body> int inChild(Body body) {
  pid_t child = fork();
  if (child == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return status;
}

TEST(Temporaries, InterruptRemovesFilesAndDirectoryThenDies) {
  TempDir dir;
  int status = inChild([&] {
    setenv("TMPDIR", dir.path().c_str(), 1);
    installInterruptCleanup();
    auto temp = TemporaryDirectory::create("bitc");
    if (!temp)
      _exit(3);
    std::FILE *f = std::fopen(temp->file("kernels.o").c_str(), "w");
    std::fputs("partial", f);
    std::fclose(f);
    std::raise(SIGTERM);
    _exit(4); // not reached
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  std::error_code ec;
  llvm::sys::fs::directory_iterator it(dir.path(), ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(it == llvm::sys::fs::directory_iterator()) << it->path();
}

TEST(Temporaries, DeferredInterruptWaitsForEveryThread) {
  TempDir dir;
  std::string during = dir.path("during");
  int status = inChild([&] {
    installInterruptCleanup();
    {
      InterruptsDeferred hold;
      // Delivered to another thread, which must not act on it either.
      std::thread([] { std::raise(SIGTERM); }).join();
      std::raise(SIGINT);
      std::FILE *f = std::fopen(during.c_str(), "w");
      std::fclose(f);
    }
    _exit(4); // not reached: the deferred signal ends the process
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_TRUE(WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM);
  EXPECT_TRUE(llvm::sys::fs::exists(during));
}

} // namespace
