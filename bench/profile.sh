#!/bin/sh
# bench/profile.sh - per-kernel profile of R50x1 at 224 and 448 (bitc compile --profile), batch 1,
# into docs/performance.md between <!-- profile:begin --> and <!-- profile:end -->.
# Run by bench/run.sh (after its table); reuses its build and work directory.
#
# Environment: BITC_BUILD, BENCH_WORK, BENCH_THREADS, BENCH_DOC as in run.sh;
#   BENCH_PROFILE_RUNS=N   forward calls per table (default 5; the table after N warm-up calls is kept)
#   BENCH_PROFILE_TOP=N    rows per section in the doc (default 10)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BITC_BUILD:-$ROOT/build-bench}
WORK=${BENCH_WORK:-$BUILD/bench}
THREADS=${BENCH_THREADS:-2}
DOC=${BENCH_DOC:-$ROOT/docs/performance.md}
N=${BENCH_PROFILE_RUNS:-5}
CC=${CC:-cc}
BITC=$BUILD/bin/bitc
MODEL=$WORK/r50x1
[ -x "$BITC" ] && [ -f "$MODEL/model.safetensors" ] || { echo "profile.sh: run bench/run.sh first" >&2; exit 1; }

for size in 224 448; do
  name=p$size
  if [ ! -f "$WORK/$name.o" ] || [ "$BITC" -nt "$WORK/$name.o" ] ||
     [ "$BUILD/lib/bitc/ModelRuntime.bc" -nt "$WORK/$name.o" ]; then
    echo "bench: bitc compile --profile --image-size $size -> $name.o" >&2
    "$BITC" compile "$MODEL" -o "$WORK/$name.o" --name "$name" --image-size "$size" --profile -q
  fi
  "$ROOT/bench/link_harness.sh" "$WORK" "$name"
  input=$WORK/in$size.f32
  # N warm-up calls make the first table, the N timed calls the second (kept).
  BITC_PROFILE_EVERY=$N "$WORK/bench_$name" "$input" 1 "$N" "$N" "$WORK/logits_$name.f32" "$THREADS" \
    > "$WORK/$name.json" 2> "$WORK/$name.profile"
done
/usr/bin/python3 - "$WORK/p224.profile" "$WORK/p448.profile" "$DOC" "${BENCH_PROFILE_TOP:-10}" <<'PY'
import os, sys, datetime
*files, doc, top = sys.argv[1:]
top = int(top)
out = ["Profile of %s (`bitc compile --profile`, batch 1, 2 threads; the table after the warm-up calls; "
       "wall time per forward call):" % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), ""]
for path in files:
    text = open(path).read()
    table = "bitc profile:" + text.split("bitc profile:")[-1]
    lines = table.rstrip("\n").split("\n")
    keep, rows = [], 0
    for line in lines:
        if line.startswith(("bitc profile:", "  by ", "  waiting by ")):
            keep.append(line)
            rows = 0
        elif line.strip().startswith("ms "):  # the waiting section's column heads
            keep.append(line)
        elif rows < top:
            keep.append(line)
            rows += 1
    out += ["```"] + keep + ["```", ""]
section = "\n".join(out)
print(section)
if doc != "-":
    begin, end = "<!-- profile:begin -->", "<!-- profile:end -->"
    block = begin + "\n" + section + end
    d = open(doc).read() if os.path.exists(doc) else "# Performance\n"
    if begin in d and end in d:
        d = d[:d.index(begin)] + block + d[d.index(end) + len(end):]
    else:
        d = d.rstrip("\n") + "\n\n## Per-kernel profile\n" + block + "\n"
    open(doc + ".tmp", "w").write(d)
    os.replace(doc + ".tmp", doc)
PY
# Per-layer table: each kernel's time, MACs and % of the widest FMA loop's peak (run.sh built it).
peak=$WORK/fma_peak
[ ! -x "$WORK/fma_peak512" ] || peak=$WORK/fma_peak512
per_core=$("$peak" 1 0.3 | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["gflops_per_cpu_s"])')
/usr/bin/python3 "$ROOT/bench/layer_table.py" --doc "$DOC" --peak-per-core "$per_core" --threads "$THREADS" \
  "224, wall time, $THREADS threads=$WORK/p224.profile" "448, wall time, $THREADS threads=$WORK/p448.profile"
