//===- RuntimeAbiTest.cpp - codegen's view of the runtime tables ----------===//
//
// codegen/RuntimeAbi.h lists the members of every runtime table codegen
// fills; EntryPoint.cpp places each at its offsetof. These tests fail when
// runtime/ModelRuntime.h or Preprocess.h change in a way codegen does not
// follow: a member added or widened without codegen filling it, a member
// that is not a whole number of 8-byte slots, or a C layout that differs
// from the C++ one.
//
//===----------------------------------------------------------------------===//

#include "codegen/RuntimeAbi.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <vector>

extern "C" {
extern const size_t bitc_abi_c_sizes[5];
extern const size_t bitc_abi_c_last_offsets[5];
}

namespace {

using bitc::abi::Member;

/// The members sorted by offset tile [0, size) with no gap or overlap, each
/// a whole number of 8-byte slots.
template <size_t N>
void expectCovers(std::array<Member, N> members, size_t size,
                  const char *name) {
  std::sort(members.begin(), members.end(),
            [](Member a, Member b) { return a.offset < b.offset; });
  size_t end = 0;
  for (const Member &m : members) {
    EXPECT_EQ(m.offset, end) << name
                             << ": a member codegen does not fill, or "
                                "padding, before offset "
                             << m.offset;
    EXPECT_EQ(m.bytes % bitc::abi::kSlotBytes, 0u)
        << name << ": the member at " << m.offset << " is " << m.bytes
        << " bytes, not whole 8-byte slots";
    end = m.offset + m.bytes;
  }
  EXPECT_EQ(end, size) << name << ": members after offset " << end
                       << " that codegen does not fill";
}

TEST(RuntimeAbi, CodegenFillsEveryMember) {
  expectCovers(bitc::abi::kModelMembers, sizeof(bitc_model), "bitc_model");
  expectCovers(bitc::abi::kArgMembers, sizeof(bitc_arg), "bitc_arg");
  expectCovers(bitc::abi::kStepMembers, sizeof(bitc_step), "bitc_step");
  expectCovers(bitc::abi::kProfileMembers, sizeof(bitc_profile),
               "bitc_profile");
  expectCovers(bitc::abi::kPreprocessMembers, sizeof(bitc_preprocess),
               "bitc_preprocess");
}

TEST(RuntimeAbi, CAndCppAgree) {
  const size_t sizes[] = {sizeof(bitc_model), sizeof(bitc_arg),
                          sizeof(bitc_step), sizeof(bitc_profile),
                          sizeof(bitc_preprocess)};
  const size_t lastOffsets[] = {
      offsetof(bitc_model, embedding_output), offsetof(bitc_arg, stride),
      offsetof(bitc_step, num_args), offsetof(bitc_profile, totals),
      offsetof(bitc_preprocess, processor)};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(bitc_abi_c_sizes[i], sizes[i]) << "table " << i;
    EXPECT_EQ(bitc_abi_c_last_offsets[i], lastOffsets[i]) << "table " << i;
  }
}

TEST(RuntimeAbi, StatusCodesAreTheEnum) {
  // 0, -1, ..., BITC_ERROR_LAST, each once (also a static_assert).
  ASSERT_EQ(bitc::abi::kStatusCodes.size(), size_t(1 - BITC_ERROR_LAST));
  for (size_t i = 0; i < bitc::abi::kStatusCodes.size(); ++i) {
    EXPECT_EQ(bitc::abi::kStatusCodes[i].value, -int(i));
    EXPECT_EQ(std::string(bitc::abi::kStatusCodes[i].name)
                  .rfind(i == 0 ? "OK" : "ERROR_", 0),
              0u);
  }
}

} // namespace
