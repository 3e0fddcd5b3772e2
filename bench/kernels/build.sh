#!/bin/sh
# Builds kernel-check and kernel-bench into ${BUILD:-/tmp/bitc-kernels-build}.
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-/tmp/bitc-kernels-build}
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -G Ninja >/dev/null
cmake --build "$build"
echo "built: $build/kernels/kernel-check $build/kernels/kernel-bench"
