/* The runtime's tables as the C compiler lays them out (the runtime is C):
   RuntimeAbiTest.cpp compares them with what codegen's C++ sees. */
#include "runtime/ModelRuntime.h"

#include <stddef.h>

const size_t bitc_abi_c_sizes[] = {sizeof(bitc_model), sizeof(bitc_arg),
                                   sizeof(bitc_step), sizeof(bitc_profile),
                                   sizeof(bitc_preprocess)};
const size_t bitc_abi_c_last_offsets[] = {
    offsetof(bitc_model, embedding_output), offsetof(bitc_arg, stride),
    offsetof(bitc_step, num_args), offsetof(bitc_profile, totals),
    offsetof(bitc_preprocess, processor)};
