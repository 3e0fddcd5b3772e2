#!/bin/sh
# AOT smoke test: kernels compiled to NoRuntime objects + one standalone Halide
# runtime, linked into a plain C program, run and compared with the JIT.
set -e
build=${BUILD:-/tmp/bitc-kernels-build}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/bitc-aot-smoke.XXXXXX)
"$build/kernels/kernel-aot-gen" "$dir"
cc -O2 -I/usr/include/halide14 -o "$dir/aot-smoke" "$here/AotSmoke.c" \
  "$dir/conv.o" "$dir/linear.o" "$dir/halide_runtime.o" -lpthread -ldl -lm
"$dir/aot-smoke" "$dir"
rm -rf "$dir"
