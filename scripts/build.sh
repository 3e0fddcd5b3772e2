#!/bin/sh
# Configures and builds bitc into build/ (bin/bitc, bin/bitc-opt).
set -eu
cd "$(dirname "$0")/.."
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
cmake --build build -j "$(nproc)"
