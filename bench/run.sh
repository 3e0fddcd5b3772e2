#!/bin/sh
# bench/run.sh - bitc vs ONNX Runtime vs PyTorch eager on BiT-M R50x1 (random weights),
# side by side in one run; prints one table and writes docs/performance.md.
#
#   bench/run.sh                 # everything: setup, build, model, objects, ONNX, runs, report
#
# Environment (all optional):
#   BITC_BUILD=DIR     bitc build directory (default build-bench; configured and built here, -j2)
#   BENCH_WORK=DIR     checkpoint, inputs, objects, ONNX files, logits (default $BITC_BUILD/bench)
#   BENCH_RUNS=N       timed runs per engine and configuration (default 10, at least 10 for the doc)
#   BENCH_ROUNDS=N     split them into N rounds (default 3); each round runs every engine and setting
#                      of a configuration once, so a burst of load on the shared machine lands on all
#                      of them, not on one; the report takes the median of the rounds' medians
#   BENCH_WARMUP=N     untimed runs first (default 2)
#   BENCH_THREADS=N    threads of every engine (default 2; the 224-b1-t1 rows use 1)
#   BENCH_PEER_SECONDS=S  a peer's timed runs stop after S seconds (default 30; at least one runs),
#                      and a peer process is killed after 2 S + 60 s in all (a spinning pool on a
#                      loaded machine can take 10+ s per call): its row then says "timed out"
#   BENCH_PROFILE=0    skip the per-kernel profile (bench/profile.sh) at the end
#   BENCH_CALIBRATION_COUNT=N  noise images bitc int8 and PyTorch int8 calibrate on (default 16)
#   BENCH_ONLY="224-int8 448-int8"  run only these configurations (default: all; the doc's table
#                      then holds only them)
#   BENCH_DOC=FILE     where to write the report (default docs/performance.md; "-" = nowhere)
#   SKIP_SETUP=1       do not run scripts/setup.sh or npm (when everything is installed)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BITC_BUILD:-$ROOT/build-bench}
WORK=${BENCH_WORK:-$BUILD/bench}
RUNS=${BENCH_RUNS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
ROUND_RUNS=$(( (RUNS + ROUNDS - 1) / ROUNDS ))
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
PEER_SECONDS=${BENCH_PEER_SECONDS:-30}
DOC=${BENCH_DOC:-$ROOT/docs/performance.md}
PY=/usr/bin/python3 # Debian's, with torch
CC=${CC:-cc}
export BITC_BUILD="$BUILD" BENCH_WORK="$WORK"

say() { printf 'bench: %s\n' "$*" >&2; }
started=$(date +%s)

# -- 1. Dependencies ------------------------------------------------------------------------
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  "$ROOT/scripts/setup.sh"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "installing nodejs and npm (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
  fi
  if [ ! -f "$ROOT/bench/node_modules/onnxruntime-node/package.json" ]; then
    # --ignore-scripts: the package's install script tries a download that cannot work here;
    # the linux x64 native binding ships inside the npm package itself.
    say "npm ci --ignore-scripts (onnxruntime-node)"
    (cd "$ROOT/bench" && npm ci --ignore-scripts --no-audit --no-fund >&2)
  fi
fi
node -e "require('$ROOT/bench/node_modules/onnxruntime-node')" ||
  { say "onnxruntime-node does not load (see bench/package.json)"; exit 1; }

# -- 2. bitc --------------------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
  say "configuring $BUILD"
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py -DBITC_ENABLE_UNIT_TESTS=OFF >&2
fi
say "building bitc (ninja -j2)"
ninja -C "$BUILD" -j2 bitc BitcRuntimeBitcode >&2
BITC=$BUILD/bin/bitc
RUNTIME_BC=$BUILD/lib/bitc/ModelRuntime.bc

# -- 3. Model, inputs, peers' files ---------------------------------------------------------
mkdir -p "$WORK"
MODEL=$WORK/r50x1
REF=$ROOT/test/reference
if [ ! -f "$MODEL/model.safetensors" ]; then
  say "making the random-weight default R50x1 checkpoint"
  "$PY" "$REF/make_checkpoint.py" --preset default-r50x1 --seed 0 --out "$MODEL" >&2
fi
[ -f "$WORK/in224.f32" ] ||
  "$PY" "$REF/make_input.py" --batch 8 --height 224 --width 224 --seed 1 --out "$WORK/in224.f32" >&2
[ -f "$WORK/in448.f32" ] ||
  "$PY" "$REF/make_input.py" --batch 1 --height 448 --width 448 --seed 2 --out "$WORK/in448.f32" >&2

# stale TARGET DEPENDENCY...: true when TARGET is missing or older than any dependency
stale() {
  t=$1; shift
  [ -f "$t" ] || return 0
  for d in "$@"; do [ "$d" -nt "$t" ] && return 0; done
  return 1
}
if stale "$WORK/r224.onnx" "$MODEL/model.safetensors" "$REF/export_onnx.py" "$REF/bit_reference.py"; then
  say "exporting ONNX at 224 (dynamic batch)"
  "$PY" "$REF/export_onnx.py" "$MODEL" --out "$WORK/r224.onnx" --height 224 --width 224 --dynamic-batch >&2
fi
if stale "$WORK/r448.onnx" "$MODEL/model.safetensors" "$REF/export_onnx.py" "$REF/bit_reference.py"; then
  say "exporting ONNX at 448"
  "$PY" "$REF/export_onnx.py" "$MODEL" --out "$WORK/r448.onnx" --height 448 --width 448 >&2
fi

# -- 4. bitc objects and their harnesses ----------------------------------------------------
# compile NAME SIZE BATCH [extra bitc flags]: $WORK/NAME.o + .h, and the harness $WORK/bench_NAME;
# $WORK/NAME.summary keeps bitc's summary line (its MACs, and those Winograd actually does).
compile() {
  name=$1 size=$2 batch=$3; shift 3
  if stale "$WORK/$name.summary" "$BITC" "$RUNTIME_BC" "$MODEL/model.safetensors" ||
     [ ! -f "$WORK/$name.o" ]; then
    say "bitc compile --image-size $size --batch $batch $* -> $name.o"
    t0=$(date +%s)
    "$BITC" compile "$MODEL" -o "$WORK/$name.o" --name "$name" --image-size "$size" --batch "$batch" "$@" \
      2>&1 | grep '^bitc: wrote' > "$WORK/$name.summary.tmp" || true
    [ -f "$WORK/$name.o" ] && [ -s "$WORK/$name.summary.tmp" ] || { say "bitc compile failed"; exit 1; }
    mv "$WORK/$name.summary.tmp" "$WORK/$name.summary"
    say "  compiled in $(( $(date +%s) - t0 )) s: $(cat "$WORK/$name.summary")"
    echo "$(( $(date +%s) - t0 ))" > "$WORK/$name.compile-seconds"
  fi
  if stale "$WORK/bench_$name" "$WORK/$name.o" "$ROOT/bench/bitc_bench.c"; then
    "$ROOT/bench/link_harness.sh" "$WORK" "$name"
  fi
}
compile r224 224 1
compile r448 448 1
compile r224b8 224 8
# int8: bitc and PyTorch calibrate on the same images (noise: the weights are random, so no image
# set is more representative; the count keeps the compile short).
CALIBRATION=$WORK/calibration
CALIBRATION_COUNT=${BENCH_CALIBRATION_COUNT:-16}
if [ ! -f "$CALIBRATION/.complete" ]; then
  mkdir -p "$CALIBRATION"
  "$PY" -c 'import sys, numpy as np; from PIL import Image
for i in range(int(sys.argv[2])):
    a = np.random.RandomState(100 + i).randint(0, 256, (300, 400, 3), dtype=np.uint8)
    Image.fromarray(a).save("%s/noise-%03d.png" % (sys.argv[1], i))' "$CALIBRATION" "$CALIBRATION_COUNT"
  touch "$CALIBRATION/.complete"
fi
compile r224i8 224 1 --precision int8 --calibration "$CALIBRATION" --calibration-count "$CALIBRATION_COUNT"
compile r448i8 448 1 --precision int8 --calibration "$CALIBRATION" --calibration-count "$CALIBRATION_COUNT"
# bf16 where the CPU has AVX512-BF16 (elsewhere bitc refuses the precision for the host target).
BF16_224= BF16_448=
if grep -qw avx512_bf16 /proc/cpuinfo; then
  compile r224bf 224 1 --precision bf16
  compile r448bf 448 1 --precision bf16
  BF16_224=r224bf BF16_448=r448bf
fi

if stale "$WORK/fma_peak" "$ROOT/bench/fma_peak.c"; then
  "$CC" -O2 -mavx2 -mfma "$ROOT/bench/fma_peak.c" -o "$WORK/fma_peak" -lpthread
fi
# The reference peak is the widest vectors' loop: AVX-512 where the CPU has it (every engine
# here may use 16-lane FMAs there), else AVX2.
WIDEST=fma_peak WIDEST_ISA=avx2
if grep -qw avx512f /proc/cpuinfo; then
  WIDEST=fma_peak512 WIDEST_ISA=avx512
  if stale "$WORK/fma_peak512" "$ROOT/bench/fma_peak.c"; then
    "$CC" -O2 -mavx512f -DBITC_PEAK_AVX512 "$ROOT/bench/fma_peak.c" -o "$WORK/fma_peak512" -lpthread
  fi
fi

# -- 5. Runs --------------------------------------------------------------------------------
RESULTS=$WORK/results.jsonl
: > "$RESULTS"
record() { # record KEY=VALUE... < one JSON line from a harness
  "$PY" -c 'import json,sys
d = json.loads(sys.stdin.readline())
for kv in sys.argv[1:]:
    k, v = kv.split("=", 1)
    d[k] = v
print(json.dumps(d))' "$@" | tee -a "$RESULTS" >&2
}
peak() { # peak WHEN THREADS SECONDS: both loops' rates
  "$WORK/fma_peak" "$2" "$3" | record kind=peak isa=avx2 when="$1"
  [ "$WIDEST" = fma_peak ] || "$WORK/$WIDEST" "$2" "$3" | record kind=peak isa="$WIDEST_ISA" when="$1"
}
load_now() { cut -d' ' -f1 /proc/loadavg; }
# peer CONFIG SETTING LOGITS COMMAND...: one peer run, its time capped; a run killed by the cap
# (or failing) is recorded as timed out, and the other setting of that peer is compared.
peer() {
  config=$1 setting=$2 logits=$3; shift 3
  rm -f "$logits"
  if line=$(timeout -k 5 $(( 2 * PEER_SECONDS + 60 )) "$@") && [ -n "$line" ]; then
    printf '%s\n' "$line" | record kind=run config="$config" setting="$setting" round="$round" logits="$logits" \
      load="$(load_now)"
  else
    say "$config: $setting did not finish in time (or failed)"
    printf '{"engine":"%s","timed_out":true}\n' "$PEER_ENGINE" |
      record kind=run config="$config" setting="$setting" round="$round" load="$(load_now)"
  fi
}

peak start "$THREADS" 0.5
want() { [ -z "${BENCH_ONLY:-}" ] || case " $BENCH_ONLY " in *" $1 "*) ;; *) return 1 ;; esac; }
# run_config CONFIG SIZE BATCH THREADS INPUT ONNX BITC_OBJECTS...: ROUNDS rounds, each one process
# of every bitc object, then of each peer with its default thread-pool waiting (spinning) and with
# spinning off; report.py merges the rounds and compares bitc with the better setting.
run_config() {
  config=$1 size=$2 batch=$3 threads=$4 input=$5 onnx=$6; shift 6
  round=1
  while [ "$round" -le "$ROUNDS" ]; do
    run_round "$@"
    round=$(( round + 1 ))
  done
}
run_round() {
  say "== $config, round $round of $ROUNDS: load average $(load_now)"
  "$WORK/$WIDEST" "$threads" 0.3 | record kind=peak isa="$WIDEST_ISA" when="$config" threads="$threads"
  for obj in "$@"; do
    "$WORK/bench_$obj" "$input" "$batch" "$ROUND_RUNS" "$WARMUP" "$WORK/logits_${config}_bitc_$obj.f32" "$threads" |
      record kind=run config="$config" object="$obj" round="$round" summary="$WORK/$obj.summary" \
        logits="$WORK/logits_${config}_bitc_$obj.f32" load="$(load_now)"
  done
  PEER_ENGINE=onnxruntime
  for spin in 1 0; do
    out=$WORK/logits_${config}_ort_spin$spin.f32
    peer "$config" "spin$spin" "$out" node "$ROOT/bench/ort_bench.js" "$onnx" "$input" "$batch" 3 "$size" \
      "$size" "$ROUND_RUNS" "$WARMUP" "$out" "$threads" "$spin" "$PEER_SECONDS"
  done
  # PyTorch fp32 eager, or (INT8=1) PyTorch's own FX int8 on the calibration images bitc used.
  if [ "${INT8:-0}" = 1 ]; then
    PEER_ENGINE=pytorch-int8 tag=torch_int8 script=torch_int8.py
    extra="--calibration $CALIBRATION --calibration-count $CALIBRATION_COUNT"
  else
    PEER_ENGINE=pytorch tag=torch script=torch_bench.py extra="--batch $batch"
  fi
  for policy in default PASSIVE; do
    out=$WORK/logits_${config}_${tag}_$policy.f32
    # default: OMP_WAIT_POLICY unset (libgomp spins a while before sleeping)
    peer "$config" "omp-$policy" "$out" env $( [ $policy = default ] && echo -u OMP_WAIT_POLICY ||
      echo OMP_WAIT_POLICY=$policy ) "$PY" "$ROOT/bench/$script" "$MODEL" "$input" $extra \
      --height "$size" --width "$size" --runs "$ROUND_RUNS" --warmup "$WARMUP" --threads "$threads" \
      --max-seconds "$PEER_SECONDS" --out "$out"
  done
}
want 224-b1 && run_config 224-b1 224 1 "$THREADS" "$WORK/in224.f32" "$WORK/r224.onnx" r224
want 224-b1-t1 && run_config 224-b1-t1 224 1 1 "$WORK/in224.f32" "$WORK/r224.onnx" r224
want 448-b1 && run_config 448-b1 448 1 "$THREADS" "$WORK/in448.f32" "$WORK/r448.onnx" r448
want 224-b8 && run_config 224-b8 224 8 "$THREADS" "$WORK/in224.f32" "$WORK/r224.onnx" r224 r224b8
# int8: bitc fp32, --precision int8 (and bf16 where the CPU has it) side by side with ONNX Runtime
# fp32 and PyTorch int8.
want 224-int8 && INT8=1 run_config 224-int8 224 1 "$THREADS" "$WORK/in224.f32" "$WORK/r224.onnx" r224 r224i8 $BF16_224
want 448-int8 && INT8=1 run_config 448-int8 448 1 "$THREADS" "$WORK/in448.f32" "$WORK/r448.onnx" r448 r448i8 $BF16_448
peak end "$THREADS" 0.5

# -- 6. Report ------------------------------------------------------------------------------
status=0
SRC=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")
REV=$(git -C "$SRC" describe --always --dirty 2>/dev/null || echo "built from $SRC")
"$PY" "$ROOT/bench/report.py" "$RESULTS" --doc "$DOC" --runs "$RUNS" --rounds "$ROUNDS" --warmup "$WARMUP" \
  --threads "$THREADS" --bitc "$REV" \
  --seconds "$(( $(date +%s) - started ))" || status=$?
if [ "${BENCH_PROFILE:-1}" != 0 ]; then
  SKIP_SETUP=1 BENCH_DOC="$DOC" "$ROOT/bench/profile.sh" || status=$?
fi
say "done in $(( $(date +%s) - started )) s"
exit $status
