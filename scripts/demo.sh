#!/bin/sh
# README command (1): set up, build, and run the main job on the bundled
# default model.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
MODEL=models/bit-digits
mkdir -p build/demo
echo "== bitc inspect $MODEL"
build/bin/bitc inspect "$MODEL"
echo "== bitc compile $MODEL --emit=mlir"
build/bin/bitc compile "$MODEL" --emit=mlir -o build/demo/bit-digits.mlir
grep -c "bit.conv2d" build/demo/bit-digits.mlir | sed 's/^/convolutions in the imported module: /'
