#!/bin/sh
# README command (2): set up, build, and pass the whole test suite (ctest
# drives the lit suite and the unit tests), then the same code instrumented:
# a clang-19 build with AddressSanitizer + UBSan (every report fatal) runs the
# unit tests and the lit suites of BITC_SANITIZE_LIT_SUITES (test/CMakeLists.txt
# says which and why), and every libFuzzer target of fuzz/ runs for
# BITC_FUZZ_SECONDS (default 10) from its seeds. BITC_SKIP_SANITIZE=1 stops
# after the normal tests.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
# Two at a time: lit (two workers of its own) and dask-classify (two worker
# processes) take both cores and run alone (PROCESSORS 2).
ctest --test-dir build -j "$(nproc)" --output-on-failure
[ "${BITC_SKIP_SANITIZE:-0}" = 1 ] && exit 0

# -O0: the same checks as -O1 (and exact stack traces) for 22 % less build
# time (230 s against 296 s on 2 cores); the instrumented tests take ~16 s
# longer, the fuzzers run fewer inputs in their fixed time.
cmake -G Ninja -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O0 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O0 -DNDEBUG" \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DBITC_SANITIZE=address,undefined -DBITC_ENABLE_FUZZERS=ON \
  -DBITC_FUZZ_SECONDS="${BITC_FUZZ_SECONDS:-10}" \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
# Only what the sanitize and fuzz tests run (not kernel-check & co.).
cmake --build build-sanitize -j "$(nproc)" --target bitc bitc-opt \
  BitcRuntimeBitcode bitc-unit-tests bitc-interp-tests bitc-format-tests \
  bitc-fuzzers
# Two tests at a time: the fuzzers are single-threaded; sanitize-lit takes
# both cores (PROCESSORS 2) and runs alone.
# The lit subset reuses the checkpoints the normal suite generated.
BITC_CHECKPOINT_CACHE="$PWD/build/test/.shared/checkpoints" \
  ctest --test-dir build-sanitize -L 'sanitize|fuzz' -j "$(nproc)" \
  --output-on-failure
