//===- OutputPairTest.cpp - The object and its header moved as a pair -----===//
//
// The failures bitc compile's early output checks rule out (a destination
// that became a directory after the checks) are made here directly, after
// the temporaries are staged.
//
//===----------------------------------------------------------------------===//

#include "codegen/OutputPair.h"
#include "TestUtil.h"

#include "llvm/Support/MemoryBuffer.h"
#include "gtest/gtest.h"

#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace bitc;
using namespace bitc::test;
using namespace llvm;

namespace {

std::string contents(const std::string &path) {
  auto buffer = MemoryBuffer::getFile(path);
  return buffer ? (*buffer)->getBuffer().str() : "<unreadable>";
}

std::set<std::string> entries(const TempDir &dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (sys::fs::directory_iterator it(dir.path(), ec), end; !ec && it != end;
       it.increment(ec))
    names.insert(sys::path::filename(it->path()).str());
  return names;
}

/// m.o and m.h staged with new contents next to their destinations in `dir`.
struct StagedPair {
  explicit StagedPair(const TempDir &dir)
      : objectPath(dir.path("m.o")), headerPath(dir.path("m.h")) {}

  Error install(StringRef tag = "new") {
    auto object = sys::fs::TempFile::create(objectPath + ".tmp-%%%%%%");
    auto header = sys::fs::TempFile::create(headerPath + ".tmp-%%%%%%");
    if (!object || !header) {
      consumeError(object.takeError());
      consumeError(header.takeError());
      ADD_FAILURE() << "cannot stage";
      return Error::success();
    }
    write(*object, (tag + " object").str());
    write(*header, (tag + " header").str());
    return installObjectAndHeader(*object, objectPath, *header, headerPath);
  }

  std::string objectPath, headerPath;

private:
  static void write(sys::fs::TempFile &file, StringRef text) {
    raw_fd_ostream os(file.FD, /*shouldClose=*/false);
    os << text;
  }
};

TEST(OutputPair, BothReplaced) {
  TempDir dir;
  dir.write("m.o", "old object");
  dir.write("m.h", "old header");
  StagedPair pair(dir);
  EXPECT_EQ(message(pair.install()), "");
  EXPECT_EQ(contents(pair.objectPath), "new object");
  EXPECT_EQ(contents(pair.headerPath), "new header");
  EXPECT_EQ(entries(dir), (std::set<std::string>{"m.h", "m.o"}));
}

TEST(OutputPair, ObjectFailsNothingChanges) {
  TempDir dir;
  dir.write("m.o/keep", "a directory where the object goes");
  dir.write("m.h", "old header");
  StagedPair pair(dir);
  std::string error = message(pair.install());
  EXPECT_EQ(error.rfind(pair.objectPath + ": cannot write: ", 0), 0u) << error;
  EXPECT_EQ(contents(pair.headerPath), "old header");
  EXPECT_EQ(entries(dir), (std::set<std::string>{"m.h", "m.o"}));
}

TEST(OutputPair, HeaderFailsOldObjectComesBack) {
  TempDir dir;
  dir.write("m.o", "old object");
  dir.write("m.h/keep", "a directory where the header goes");
  StagedPair pair(dir);
  std::string error = message(pair.install());
  EXPECT_EQ(error.rfind(pair.headerPath + ": cannot write: ", 0), 0u) << error;
  EXPECT_EQ(contents(pair.objectPath), "old object");
  EXPECT_EQ(entries(dir), (std::set<std::string>{"m.h", "m.o"}));
}

TEST(OutputPair, HeaderFailsNoObjectLeft) {
  TempDir dir;
  dir.write("m.h/keep", "a directory where the header goes");
  StagedPair pair(dir);
  EXPECT_NE(message(pair.install()), "");
  EXPECT_EQ(entries(dir), (std::set<std::string>{"m.h"}));
}

// Two processes install their pairs to the same paths at the same moment
// (released together by closing a pipe), many rounds: each round ends with
// one process's object next to the same process's header.
TEST(OutputPair, ConcurrentInstallsOneWinsWhole) {
  TempDir dir;
  StagedPair pair(dir);
  int mixed = 0;
  for (int round = 0; round < 100; ++round) {
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    pid_t children[2];
    for (int p = 0; p < 2; ++p) {
      children[p] = fork();
      ASSERT_GE(children[p], 0);
      if (children[p] == 0) {
        close(go[1]);
        char byte;
        (void)!read(go[0], &byte, 1); // Returns when the parent closes it.
        Error err = pair.install(p == 0 ? "first" : "second");
        _exit(err ? (consumeError(std::move(err)), 1) : 0);
      }
    }
    close(go[0]);
    close(go[1]);
    for (pid_t child : children) {
      int status = 0;
      waitpid(child, &status, 0);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    std::string object = contents(pair.objectPath);
    std::string header = contents(pair.headerPath);
    if (object.substr(0, object.find(' ')) !=
        header.substr(0, header.find(' ')))
      ++mixed;
  }
  EXPECT_EQ(mixed, 0);
  EXPECT_EQ(entries(dir), (std::set<std::string>{"m.h", "m.o"}));
}

} // namespace
