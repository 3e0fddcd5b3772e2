#!/bin/sh
# Dumps the assembly of every R50x1 conv and reports, per innermost reduction
# loop (input channels), its FMA count and spill/reload count.
set -e
build=${BUILD:-/tmp/bitc-kernels-build}
dir=$(mktemp -d /tmp/bitc-asm.XXXXXX)
"$build/kernels/kernel-bench" --reps=1 --asm="$dir" "$@" >/dev/null
for f in "$dir"/*.s; do
  awk -v F="$(basename "$f" .s)" '
    /^\.LBB[0-9_]+:.*# %"for acc[$0-9]*\.s1\.r\$x/ { inl = 1; sp = 0; fma = 0; next }
    inl && (/^\.LBB/ || /^# %bb/) {
      if (fma > 0) printf "%s: inner loop with %d FMAs, %d spills/reloads\n", F, fma, sp
      inl = 0
    }
    inl && /vfmadd/ { fma++ }
    inl && /Spill|Reload/ { sp++ }' "$f" | sort | uniq -c
done
rm -rf "$dir"
