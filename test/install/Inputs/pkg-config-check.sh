#!/bin/sh
# pkg-config's view of an installed bitc: prints the libraries, then compiles
# a checkpoint with the bitc it names and links a program with its flags.
# Usage: pkg-config-check.sh PREFIX MODEL_DIR OUT_DIR CC
set -eu
export PKG_CONFIG_PATH="$1/lib/pkgconfig"
echo "libs: $(pkg-config --libs bitc)"
compiler=$(pkg-config --variable=bitc bitc)
mkdir -p "$3"
"$compiler" compile "$2" -o "$3/tiny.o" --name tiny -q
$4 -I"$3" "$(dirname "$0")/pc-consumer.c" "$3/tiny.o" -o "$3/run" $(pkg-config --cflags --libs bitc)
"$3/run"
