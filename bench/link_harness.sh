#!/bin/sh
# bench/link_harness.sh WORK NAME: links bench/bitc_bench.c with WORK/NAME.o (+ NAME.h) into
# WORK/bench_NAME, for run.sh and profile.sh. The harness is a plain copy of the linker's output:
# in this project's VMs an executable just written by ld ran its kernels ~3x slower (CPU time; its
# 135 MB of weights are in the file) than a copy of the same file, minutes later too
# (docs/performance.md, "Measuring on this machine").
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1 NAME=$2
upper=$(printf '%s' "$NAME" | tr '[:lower:]' '[:upper:]')
"${CC:-cc}" -O2 -DBITC_MODEL="$NAME" -DBITC_MODEL_UPPER="$upper" -include "$WORK/$NAME.h" \
  "$ROOT/bench/bitc_bench.c" "$WORK/$NAME.o" -o "$WORK/bench_$NAME.linked" -lpthread -ldl -lm
cp "$WORK/bench_$NAME.linked" "$WORK/bench_$NAME.tmp"
mv "$WORK/bench_$NAME.tmp" "$WORK/bench_$NAME"
rm -f "$WORK/bench_$NAME.linked"
