//===- ExternalToolTest.cpp - One line from a failed tool's output --------===//
//
// What `bitc compile` prints when ld/ar fail, from what they printed
// (faults/tool-output.test and faults/full-disk.test run real failures).
//
//===----------------------------------------------------------------------===//

#include "codegen/ExternalTool.h"

#include "gtest/gtest.h"

using namespace bitc;

namespace {

TEST(ExternalTool, FullDiskNamesTheOutput) {
  EXPECT_EQ(summarizeToolFailure(
                "ld",
                "/usr/bin/ld: final link failed: No space left on device\n",
                "out/m.o", "merge the objects"),
            "out/m.o: cannot write: No space left on device");
  EXPECT_EQ(summarizeToolFailure("ar", "ar: out/m.a: File too large\n",
                                 "out/m.a", "archive the objects"),
            "out/m.a: cannot write: File too large");
}

TEST(ExternalTool, FirstErrorLineWithoutTheToolsPrefix) {
  EXPECT_EQ(summarizeToolFailure("ld.lld",
                                 "ld.lld: warning: noise\n"
                                 "ld.lld: error: undefined symbol: foo\n"
                                 "ld.lld: error: second\n",
                                 "m.o", "merge the objects"),
            "codegen: 'ld.lld' failed to merge the objects: error: undefined "
            "symbol: foo");
  EXPECT_EQ(summarizeToolFailure(
                "ld",
                "/usr/bin/ld: cannot find x.o: No such file or directory\n",
                "m.o", "merge the objects"),
            "codegen: 'ld' failed to merge the objects: cannot find x.o: No "
            "such file or directory");
}

TEST(ExternalTool, SilentFailure) {
  EXPECT_EQ(summarizeToolFailure("ld", "", "m.o", "merge the objects"),
            "codegen: 'ld' failed to merge the objects");
}

} // namespace
