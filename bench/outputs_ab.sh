#!/bin/sh
# bench/outputs_ab.sh MODEL_DIR [PAIRS=10] [THREADS=2] [SIZE=224]
#
# What returning every BitModel output costs (issue 13: at most 5%):
# compiles MODEL_DIR twice with build/bin/bitc, `--outputs logits` and
# `--outputs stem,stage1,stage2,stage3,stage4,pooler_output,logits`, links
# each with bench/outputs_bench.c, then runs the two processes in PAIRS
# interleaved pairs (order alternating; each process: 2 untimed calls, 40
# timed, median). Under `chrt -f 1` when allowed (root): at real-time
# priority the load of other processes moves a forward by a few percent, not
# by 2x. Prints each pair's ratio (every output / logits) and their median.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
model=$1 pairs=${2:-10} threads=${3:-2} size=${4:-224}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
BITC=${BITC:-$ROOT/build/bin/bitc}
"$BITC" compile "$model" -o "$work/lg.o" --name lg -q --image-size "$size"
"$BITC" compile "$model" -o "$work/al.o" --name al -q --image-size "$size" \
  --outputs stem,stage1,stage2,stage3,stage4,pooler_output,logits
for m in lg al; do
  upper=$(echo $m | tr a-z A-Z)
  ${CC:-cc} -O2 -DBITC_MODEL=$m -DBITC_MODEL_UPPER=$upper -include "$work/$m.h" \
    "$ROOT/bench/outputs_bench.c" "$work/$m.o" -o "$work/$m" -lpthread -ldl -lm
done
rt=""
chrt -f 1 true 2>/dev/null && rt="chrt -f 1"
run() { $rt "$work/$1" 40 "$threads" | cut -d' ' -f1; }
echo "pair logits_ms all_ms ratio (load: $(cut -d' ' -f1-3 /proc/loadavg)${rt:+, $rt})"
i=0
while [ $i -lt "$pairs" ]; do
  if [ $((i % 2)) = 0 ]; then a=$(run lg); b=$(run al); else b=$(run al); a=$(run lg); fi
  echo "$i $a $b $(echo "$b $a" | awk '{printf "%.4f", $1 / $2}')"
  i=$((i + 1))
done | tee "$work/pairs"
sort -k4 -g "$work/pairs" | awk '{r[NR] = $4} END {printf "median ratio %.4f (min %.4f, max %.4f, %d pairs)\n", r[int((NR + 1) / 2)], r[1], r[NR], NR}'
