#!/bin/sh
# README command (1): set up, build bitc, compile the bundled model
# (models/bit-digits) into one object, link the classify example with it,
# classify every held-out sample, and check the result against PyTorch's.
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/setup.sh

# Only what the demo needs (./scripts/build.sh builds everything, tests too).
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py > /dev/null
cmake --build build --target bitc BitcRuntimeBitcode -j "$(nproc)"
built=$(date +%s)

MODEL=models/bit-digits
OUT=build/demo
mkdir -p "$OUT"
echo
echo "== build/bin/bitc compile $MODEL -o $OUT/model.o --name model"
build/bin/bitc compile "$MODEL" -o "$OUT/model.o" --name model
echo
echo "== cc examples/classify/classify.c examples/common/image_io.c $OUT/model.o -lpng -ljpeg -lpthread -ldl -lm"
cc -O2 -I"$OUT" -Iexamples/common examples/classify/classify.c examples/common/image_io.c \
  "$OUT/model.o" -o "$OUT/classify" -lpng -ljpeg -lpthread -ldl -lm
echo
echo "== $OUT/classify --top 3 $MODEL/samples/*.png"
"$OUT/classify" --top 3 "$MODEL"/samples/*.png | tee "$OUT/classify.txt"

# The compiled model against the PyTorch reference (samples/expected.txt:
# file, true label, PyTorch's prediction, PyTorch's top-1 logit).
echo
echo "== compiled model vs PyTorch (models/bit-digits/samples/expected.txt)"
awk '
  FNR == NR {                                   # classify output
    if ($0 !~ /^ /) { file = $1; sub(/.*\//, "", file) }
    else if ($1 == "1.") { pred[file] = $NF; logit[file] = $5 }
    next
  }
  /^#/ { next }
  {
    n++; f = $1
    if (!(f in pred)) { printf "%-24s not classified\n", f; bad++; next }
    d = logit[f] - $4; if (d < 0) d = -d
    tol = 1e-3 * ($4 > 1 ? $4 : 1)
    same = pred[f] == $3 && d <= tol
    correct += pred[f] == $2; bad += !same
    printf "%-24s true %-3s bitc %-3s pytorch %-3s top-1 logit %9.5f vs %9.5f  %s\n",
           f, $2, pred[f], $3, logit[f], $4, same ? "same" : "DIFFERENT"
  }
  END {
    printf "\naccuracy of the compiled model on the %d held-out samples: %d/%d (%.2f %%)\n",
           n, correct, n, 100 * correct / n
    if (bad) { printf "%d prediction(s) differ from PyTorch'"'"'s\n", bad; exit 1 }
    printf "every prediction equals PyTorch'"'"'s (top-1 logits within 1e-3 relative)\n"
  }' "$OUT/classify.txt" "$MODEL/samples/expected.txt"

echo
echo "== $OUT/classify --top 1 --bench 200 $MODEL/samples/digit-3-0649-wide.png"
"$OUT/classify" --top 1 --bench 200 "$MODEL/samples/digit-3-0649-wide.png"
end=$(date +%s)
echo
echo "demo done in $((end - start)) s (set-up and build $((built - start)) s)"
