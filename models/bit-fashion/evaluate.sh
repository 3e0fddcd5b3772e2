#!/bin/sh
# Fashion-MNIST test accuracy (all 10,000 test images) of models/bit-fashion compiled by bitc, through
# the object's model_classify_rgb8, for each precision given (default: fp32). With two or more, also the
# share of predictions identical to the first one's.
#
#   models/bit-fashion/evaluate.sh [fp32] [int8] [bf16 ...]
#   (environment: BITC=build/bin/bitc, OUT=build/bit-fashion, MODEL=models/bit-fashion by default)
#
# Each precision P: bitc compile --precision P (int8: --calibration models/bit-fashion/calibration), cc
# evaluate.c + the object, then evaluate on /usr/share/datasets/fashion-mnist/t10k-*.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODEL=${MODEL:-$HERE}
BITC=${BITC:-$ROOT/build/bin/bitc}
OUT=${OUT:-$ROOT/build/bit-fashion}
DATA=/usr/share/datasets/fashion-mnist
CC=${CC:-cc}
[ $# -gt 0 ] || set -- fp32
mkdir -p "$OUT"
first=""
for precision in "$@"; do
  dir=$OUT/$precision
  mkdir -p "$dir"
  if [ "$precision" != int8 ]; then
    "$BITC" compile "$MODEL" -o "$dir/model.o" --name model -q --precision "$precision"
  else
    "$BITC" compile "$MODEL" -o "$dir/model.o" --name model -q --precision "$precision" \
      --calibration "$MODEL/calibration"
  fi
  $CC -O2 -I"$dir" "$HERE/evaluate.c" "$dir/model.o" -o "$dir/evaluate" -lz -lpthread -ldl -lm
  printf '%-5s ' "$precision"
  "$dir/evaluate" "$DATA/t10k-images-idx3-ubyte.gz" "$DATA/t10k-labels-idx1-ubyte.gz" "$dir/predictions.txt"
  if [ -z "$first" ]; then
    first=$dir/predictions.txt
  else
    same=$(paste -d' ' "$first" "$dir/predictions.txt" | awk '$1 == $2' | wc -l)
    echo "      identical predictions to $1: $same / $(wc -l < "$first")"
  fi
done
