//===- RuntimeAbi.h - The runtime's C tables as codegen sees them -*- C++
//-*-===//
//
// The C headers of runtime/ are the one description of every structure the
// generated object shares with the runtime (struct bitc_model, bitc_arg,
// bitc_step, bitc_profile, bitc_preprocess, enum bitc_source, the status
// codes). Codegen includes them and derives what it emits from them:
// EntryPoint.cpp places each LLVM struct field at offsetof(...) / 8 of the C
// member it fills, HeaderWriter.cpp prints the status codes from the enum.
// What cannot follow by construction is tied here by static_assert, and by
// test/unit/RuntimeAbiTest.cpp (every C member is filled by codegen; the C
// compiler sees the same layout as C++).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_RUNTIMEABI_H
#define BITC_CODEGEN_RUNTIMEABI_H

#include "codegen/ModelPlan.h"
#include "runtime/ModelRuntime.h"

#include <array>
#include <cstddef>

namespace bitc::abi {

/// Every runtime table is a sequence of 8-byte slots (i64, double or a
/// pointer), so an LLVM struct of the same slots in the same order has the C
/// layout on every 64-bit target.
constexpr size_t kSlotBytes = 8;
constexpr size_t slotOf(size_t offset) { return offset / kSlotBytes; }

static_assert(static_cast<int64_t>(BufferSource::Arena) == BITC_SOURCE_ARENA);
static_assert(static_cast<int64_t>(BufferSource::Weights) ==
              BITC_SOURCE_WEIGHTS);
static_assert(static_cast<int64_t>(BufferSource::Input) == BITC_SOURCE_INPUT);
static_assert(static_cast<int64_t>(BufferSource::Output) == BITC_SOURCE_OUTPUT);
static_assert(kMaxOutputs == BITC_MAX_OUTPUTS);
static_assert(sizeof(void *) == kSlotBytes && sizeof(double) == kSlotBytes,
              "the tables are laid out for 64-bit targets");
static_assert(sizeof(bitc_model) % kSlotBytes == 0 &&
              sizeof(bitc_arg) % kSlotBytes == 0 &&
              sizeof(bitc_step) % kSlotBytes == 0 &&
              sizeof(bitc_profile) % kSlotBytes == 0 &&
              sizeof(bitc_preprocess) % kSlotBytes == 0);

/// The members codegen fills, as (offset, bytes); RuntimeAbiTest checks that
/// each list covers its struct exactly, so a member added to the C header
/// without codegen filling it fails the test.
struct Member {
  size_t offset, bytes;
};
#define BITC_ABI_MEMBER(type, member)                                          \
  Member { offsetof(type, member), sizeof(type::member) }

inline constexpr std::array kModelMembers = {
    BITC_ABI_MEMBER(bitc_model, steps),
    BITC_ABI_MEMBER(bitc_model, num_steps),
    BITC_ABI_MEMBER(bitc_model, args),
    BITC_ABI_MEMBER(bitc_model, weights),
    BITC_ABI_MEMBER(bitc_model, workspace_bytes),
    BITC_ABI_MEMBER(bitc_model, batch),
    BITC_ABI_MEMBER(bitc_model, input_floats),
    BITC_ABI_MEMBER(bitc_model, output_floats),
    BITC_ABI_MEMBER(bitc_model, labels),
    BITC_ABI_MEMBER(bitc_model, num_labels),
    BITC_ABI_MEMBER(bitc_model, preprocess),
    BITC_ABI_MEMBER(bitc_model, profile),
    BITC_ABI_MEMBER(bitc_model, num_outputs),
    BITC_ABI_MEMBER(bitc_model, outputs_floats),
    BITC_ABI_MEMBER(bitc_model, output_names),
    BITC_ABI_MEMBER(bitc_model, embedding_output)};
inline constexpr std::array kArgMembers = {
    BITC_ABI_MEMBER(bitc_arg, source), BITC_ABI_MEMBER(bitc_arg, offset),
    BITC_ABI_MEMBER(bitc_arg, dims), BITC_ABI_MEMBER(bitc_arg, extent),
    BITC_ABI_MEMBER(bitc_arg, stride)};
inline constexpr std::array kStepMembers = {
    BITC_ABI_MEMBER(bitc_step, fn), BITC_ABI_MEMBER(bitc_step, first_arg),
    BITC_ABI_MEMBER(bitc_step, num_args)};
inline constexpr std::array kProfileMembers = {
    BITC_ABI_MEMBER(bitc_profile, model_name),
    BITC_ABI_MEMBER(bitc_profile, kernel_kinds),
    BITC_ABI_MEMBER(bitc_profile, num_kernels),
    BITC_ABI_MEMBER(bitc_profile, step_kernel),
    BITC_ABI_MEMBER(bitc_profile, origins),
    BITC_ABI_MEMBER(bitc_profile, ns),
    BITC_ABI_MEMBER(bitc_profile, totals),
    BITC_ABI_MEMBER(bitc_profile, wait_ns)};
inline constexpr std::array kPreprocessMembers = {
    BITC_ABI_MEMBER(bitc_preprocess, channels),
    BITC_ABI_MEMBER(bitc_preprocess, height),
    BITC_ABI_MEMBER(bitc_preprocess, width),
    BITC_ABI_MEMBER(bitc_preprocess, flags),
    BITC_ABI_MEMBER(bitc_preprocess, resample),
    BITC_ABI_MEMBER(bitc_preprocess, shortest_edge),
    BITC_ABI_MEMBER(bitc_preprocess, resize_height),
    BITC_ABI_MEMBER(bitc_preprocess, resize_width),
    BITC_ABI_MEMBER(bitc_preprocess, crop_height),
    BITC_ABI_MEMBER(bitc_preprocess, crop_width),
    BITC_ABI_MEMBER(bitc_preprocess, rescale_factor),
    BITC_ABI_MEMBER(bitc_preprocess, mean),
    BITC_ABI_MEMBER(bitc_preprocess, std),
    BITC_ABI_MEMBER(bitc_preprocess, processor)};
#undef BITC_ABI_MEMBER

/// The status codes of enum bitc_status the generated header defines (as
/// <NAME>_ERROR_<name>), with the header's one-line meaning. Codes are
/// 0, -1, -2, ... in this order; RuntimeAbiTest checks the list ends at
/// BITC_ERROR_LAST.
struct StatusCode {
  const char *name;
  int value;
  const char *meaning;
};
inline constexpr std::array kStatusCodes = {
    StatusCode{"OK", BITC_OK, ""},
    StatusCode{"ERROR_NULL_ARGUMENT", BITC_ERROR_NULL_ARGUMENT,
               "a pointer argument is NULL"},
    StatusCode{"ERROR_BAD_BATCH", BITC_ERROR_BAD_BATCH, "batch < 1"},
    StatusCode{"ERROR_OUT_OF_MEMORY", BITC_ERROR_OUT_OF_MEMORY,
               "malloc failed"},
    StatusCode{"ERROR_KERNEL_FAILED", BITC_ERROR_KERNEL_FAILED,
               "a Halide kernel failed"},
    StatusCode{"ERROR_BAD_IMAGE", BITC_ERROR_BAD_IMAGE, "width or height < 1"},
    StatusCode{"ERROR_BAD_STRIDE", BITC_ERROR_BAD_STRIDE,
               "row_stride < bytes of a row"},
    StatusCode{"ERROR_PREPROCESS_SHAPE", BITC_ERROR_PREPROCESS_SHAPE,
               "config cannot give the input"},
    StatusCode{"ERROR_BATCH_TOO_LARGE", BITC_ERROR_BATCH_TOO_LARGE,
               "arrays exceed the address space"},
    StatusCode{"ERROR_IMAGE_TOO_LARGE", BITC_ERROR_IMAGE_TOO_LARGE,
               "side > 32768, or rows wrap"},
    StatusCode{"ERROR_WORKSPACE_TOO_SMALL", BITC_ERROR_WORKSPACE_TOO_SMALL,
               "< {0}_workspace_size(batch)"},
    StatusCode{"ERROR_WORKSPACE_MISALIGNED", BITC_ERROR_WORKSPACE_MISALIGNED,
               "not 64-byte aligned"}};

constexpr bool statusCodesInOrder() {
  for (size_t i = 0; i < kStatusCodes.size(); ++i)
    if (kStatusCodes[i].value != -static_cast<int>(i))
      return false;
  return kStatusCodes.back().value == BITC_ERROR_LAST;
}
static_assert(statusCodesInOrder(),
              "kStatusCodes must list enum bitc_status, 0 to BITC_ERROR_LAST");
static_assert(BITC_WORKSPACE_ALIGNMENT == 64);

} // namespace bitc::abi

#endif // BITC_CODEGEN_RUNTIMEABI_H
