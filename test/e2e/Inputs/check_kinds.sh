#!/bin/sh
# check_kinds.sh PRESET DIR BATCH SIZE [make_checkpoint options]
#
# The preset's random weights saved as the three other checkpoint kinds
# Hugging Face writes (in DIR/bitmodel, DIR/backbone and DIR/identity, made
# once through checkpoint_cache.py: another call or test with the same
# preset and options copies them), each
# compiled at SIZE x SIZE (batch 1), linked with run_outputs.c and run on
# BATCH images, every output through _forward_outputs (and output 0 through
# _forward, bit for bit) against the float64 reference
# (test/reference/run_reference.py; compare.py's rel 1e-4 of max(1, max|ref|)):
# - BitModel (no `bit.`, no classifier): pooler_output first (the default),
#   then every output it has;
# - BitBackbone with out_indices [0..4]: its default outputs, stem..stage4;
# - num_labels 0 (identity head): logits = pooler_output, then every output.
# Used by `%check_kinds` (test/e2e/lit.local.cfg: BITC, PYTHON, REFERENCE,
# CC, INPUTS in the environment); the CHECK lines below check its output.
set -eu
preset=$1 dir=$2 batch=$3 size=$4
shift 4
stages=stem,stage1,stage2,stage3,stage4
mkdir -p "$dir"
input="$dir/input-$size.f32"
"$PYTHON" "$REFERENCE/make_input.py" --batch "$batch" --channels 3 \
  --height "$size" --width "$size" --seed 7 --out "$input"

# check NAME OUTPUTS(compile; empty = the default) REFERENCE_OUTPUTS
#       make_checkpoint options...
check() {
  name=$1 outputs=$2 expected=$3
  shift 3
  echo "== $name at $size"
  [ -f "$dir/$name/config.json" ] ||
    "$PYTHON" "$REFERENCE/checkpoint_cache.py" --preset "$preset" \
      --out "$dir/$name" "$@" > /dev/null
  at="$dir/$name-$size"
  "$BITC" compile "$dir/$name" -o "$at.o" --name "$name" -q \
    --image-size "$size" ${outputs:+--outputs "$outputs"}
  upper=$(echo "$name" | tr a-z A-Z)
  $CC -O1 -DMODEL="$name" -DMODEL_UPPER="$upper" -include "$at.h" \
    "$INPUTS/run_outputs.c" "$at.o" -o "$at.run" -lpthread -ldl -lm
  "$at.run" "$batch" "$input" "$at.f32"
  "$PYTHON" "$REFERENCE/zygote.py" "$REFERENCE/run_reference.py" "$dir/$name" --input "$input" \
    --height "$size" --width "$size" --double --quiet \
    --output "$at-ref.f32" --outputs "$expected"
  "$PYTHON" "$REFERENCE/zygote.py" "$REFERENCE/compare.py" "$at.f32" "$at-ref.f32" \
    --layout "$at-ref.f32.json"
}

check bitmodel "pooler_output,last_hidden_state,$stages" \
  "pooler_output,last_hidden_state,$stages" --kind model "$@"
check backbone "" "$stages" --kind backbone \
  --config-json '{"out_features": null, "out_indices": [0, 1, 2, 3, 4]}' "$@"
check identity "logits,pooler_output,last_hidden_state,$stages" \
  "logits,pooler_output,last_hidden_state,$stages" --labels 0 "$@"

# CHECK-LABEL: == bitmodel
# CHECK-NEXT: output 0: pooler_output, [[POOLED:[0-9]+]] floats per image
# CHECK-NEXT: output 1: last_hidden_state,
# CHECK-NEXT: output 2: stem,
# CHECK-NEXT: output 3: stage1,
# CHECK-NEXT: output 4: stage2,
# CHECK-NEXT: output 5: stage3,
# CHECK-NEXT: output 6: stage4,
# CHECK-NEXT: output 7: null
# CHECK-NEXT: forward: 0, equals output 0
# CHECK-NEXT: forward_outputs_with_workspace: 0, every output equal
# CHECK-NEXT: null outputs: -1
# CHECK-NEXT: null output 6: -1
# CHECK-NEXT: null pixels: -1
# CHECK-NEXT: batch 0: -2
# CHECK-NEXT: small workspace: -10
# CHECK-NEXT: misaligned workspace: -11
# CHECK-NEXT: pooler_output: max_abs_diff={{.+}} tol=
# CHECK-NEXT: last_hidden_state: max_abs_diff=
# CHECK-NEXT: stem: max_abs_diff=
# CHECK-NEXT: stage1: max_abs_diff=
# CHECK-NEXT: stage2: max_abs_diff=
# CHECK-NEXT: stage3: max_abs_diff=
# CHECK-NEXT: stage4: max_abs_diff=
#
# CHECK-LABEL: == backbone
# CHECK-NEXT: output 0: stem,
# CHECK-NEXT: output 1: stage1,
# CHECK-NEXT: output 2: stage2,
# CHECK-NEXT: output 3: stage3,
# CHECK-NEXT: output 4: stage4,
# CHECK-NEXT: output 5: null
# CHECK-NEXT: forward: 0, equals output 0
# CHECK-NEXT: forward_outputs_with_workspace: 0, every output equal
# CHECK-NEXT: null outputs: -1
# CHECK-NEXT: null output 4: -1
# CHECK-NEXT: null pixels: -1
# CHECK-NEXT: batch 0: -2
# CHECK-NEXT: small workspace: -10
# CHECK-NEXT: misaligned workspace: -11
# CHECK-NEXT: stem: max_abs_diff={{.+}} tol=
# CHECK-NEXT: stage1: max_abs_diff=
# CHECK-NEXT: stage2: max_abs_diff=
# CHECK-NEXT: stage3: max_abs_diff=
# CHECK-NEXT: stage4: max_abs_diff=
#
# The identity head's logits are the pooled features: as many.
# CHECK-LABEL: == identity
# CHECK-NEXT: output 0: logits, [[POOLED]] floats per image
# CHECK-NEXT: output 1: pooler_output, [[POOLED]] floats per image
# CHECK-NEXT: output 2: last_hidden_state,
# CHECK-NEXT: output 3: stem,
# CHECK-NEXT: output 4: stage1,
# CHECK-NEXT: output 5: stage2,
# CHECK-NEXT: output 6: stage3,
# CHECK-NEXT: output 7: stage4,
# CHECK-NEXT: output 8: null
# CHECK-NEXT: forward: 0, equals output 0
# CHECK-NEXT: forward_outputs_with_workspace: 0, every output equal
# CHECK-NEXT: null outputs: -1
# CHECK-NEXT: null output 7: -1
# CHECK-NEXT: null pixels: -1
# CHECK-NEXT: batch 0: -2
# CHECK-NEXT: small workspace: -10
# CHECK-NEXT: misaligned workspace: -11
# CHECK-NEXT: logits: max_abs_diff={{.+}} tol={{.+}} top1=
# CHECK-NEXT: pooler_output: max_abs_diff=
# CHECK-NEXT: last_hidden_state: max_abs_diff=
# CHECK-NEXT: stem: max_abs_diff=
# CHECK-NEXT: stage1: max_abs_diff=
# CHECK-NEXT: stage2: max_abs_diff=
# CHECK-NEXT: stage3: max_abs_diff=
# CHECK-NEXT: stage4: max_abs_diff=
