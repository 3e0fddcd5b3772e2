# Instrumented builds of bitc, bitc-opt and the tests (CI runs one; see
# scripts/test.sh):
#   -DBITC_SANITIZE=address,undefined  AddressSanitizer + UBSan (every UB
#                                      check fatal: -fno-sanitize-recover)
#   -DBITC_SANITIZE=thread             ThreadSanitizer
#   -DBITC_ENABLE_FUZZERS=ON           the libFuzzer targets of fuzz/ (clang
#                                      only; combine with address,undefined)
# Only code compiled here is instrumented: LLVM, MLIR and Halide are the
# Debian shared libraries, and the model runtime bitcode and the generated
# objects are left alone (they are not host code of bitc).
set(BITC_SANITIZE "" CACHE STRING
    "Sanitizers for bitc and its tests: address,undefined or thread (empty: none)")
option(BITC_ENABLE_FUZZERS "Build the libFuzzer targets in fuzz/ (needs clang)" OFF)

if(BITC_SANITIZE)
  string(REPLACE "," ";" bitc_sanitizers "${BITC_SANITIZE}")
  foreach(sanitizer ${bitc_sanitizers})
    if(NOT sanitizer MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR "BITC_SANITIZE: unknown sanitizer '${sanitizer}' "
                          "(use address,undefined or thread)")
    endif()
  endforeach()
  if("thread" IN_LIST bitc_sanitizers AND "address" IN_LIST bitc_sanitizers)
    message(FATAL_ERROR "BITC_SANITIZE: thread cannot be combined with address")
  endif()
  set(bitc_sanitize_flags -fsanitize=${BITC_SANITIZE} -fno-omit-frame-pointer
      -g1)
  if("undefined" IN_LIST bitc_sanitizers)
    # Report-and-continue would let a test pass after undefined behaviour.
    # vptr needs RTTI, which LLVM-style code is built without.
    list(APPEND bitc_sanitize_flags -fno-sanitize-recover=all
         -fno-sanitize=vptr)
  endif()
  add_compile_options(${bitc_sanitize_flags})
  add_link_options(-fsanitize=${BITC_SANITIZE})
endif()

if(BITC_ENABLE_FUZZERS AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "BITC_ENABLE_FUZZERS needs clang (libFuzzer), e.g. "
                      "-DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19")
endif()

# The environment of the sanitize and fuzz ctest tests: stop at the first
# report and die by SIGABRT, so that `not bitc ...` in a lit test cannot
# mistake a sanitizer report (exit code 1) for an expected failure.
set(BITC_ASAN_OPTIONS "halt_on_error=1:abort_on_error=1:detect_leaks=1")
set(BITC_UBSAN_OPTIONS "halt_on_error=1:abort_on_error=1:print_stacktrace=1")
set(BITC_TSAN_OPTIONS "halt_on_error=1:abort_on_error=1")
