#!/usr/bin/python3
"""Per-kernel A/B of `bitc compile --profile` objects, interleaved.

  bench/kernel_ab.py [--threads T] [--rounds R] [--calls N] [--rt] WORK/bench_A WORK/bench_B ...

Each harness is a `bench/bitc_bench.c` linked with a `--profile` object (`bench/link_harness.sh
WORK NAME` makes WORK/bench_NAME). Every round runs each harness once, in the given order in odd
rounds and reversed in even ones (with one order in every round, the first object came out 2-3%
slower on every kernel, unchanged ones included, on this project's VMs). A process makes
N warm-up and N timed forward calls; the profile table of the timed calls is kept. Per kernel the
table shows the minimum over the rounds of each harness's time per forward call: the VM's
memory-bound kernels drift by 10-25% within minutes, and a run's slow moments (other processes, or
real-time throttling with --rt) land on one kernel of one process, which the minimum drops.

--rt runs each process under `chrt -f 1` (needs root): other processes wait, but Linux throttles
real-time tasks for 50 ms of every second, which shows up as one kernel of one process ~1.5 ms
slow (30 calls); keep --rt processes short.

On 2 or more threads a second table gives each kernel's waiting at the ends of its parallel loops
(the profile's "waiting by kernel", thread-ms per forward call), the median over the rounds: how
evenly a change splits the work.
"""
import argparse
import os
import re
import subprocess
import sys

import layer_table  # bench/layer_table.py: the profile's parser

PROFILE_WALL = re.compile(r"^bitc profile: .* per forward call: kernels [0-9.]+ ms, wall ([0-9.]+) ms")


def profile_once(harness, args):
    """Runs one harness process; returns (wall ms, {kernel: ms per forward}) of its timed table."""
    work = os.path.dirname(os.path.abspath(harness))
    inputs = os.path.join(work, "in%d.f32" % args.image_size)
    cmd = [os.path.abspath(harness), inputs, "1", str(2 * args.calls), "0", os.devnull, str(args.threads)]
    if args.rt:
        cmd = ["chrt", "-f", "1"] + cmd
    env = dict(os.environ, BITC_PROFILE_EVERY=str(args.calls))
    run = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.exit("kernel_ab: %s failed (exit %d): %s" % (harness, run.returncode, run.stderr.strip()[-400:]))
    if run.stderr.count("bitc profile:") < 2:
        sys.exit("kernel_ab: %s printed no second profile table (compiled without --profile?)" % harness)
    header, rows = layer_table.parse(run.stderr)  # the last table: the timed calls
    wall = PROFILE_WALL.match(header)
    if not wall:
        sys.exit("kernel_ab: %s: unexpected profile header: %s" % (harness, header))
    return float(wall.group(1)), {kind: ms for kind, _, ms in rows}, layer_table.parse_waits(run.stderr) or {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("harnesses", nargs="+", help="WORK/bench_NAME executables (--profile objects)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=30, help="warm-up and timed forward calls per process")
    parser.add_argument("--image-size", type=int, default=224, help="reads WORK/inSIZE.f32")
    parser.add_argument("--rt", action="store_true", help="run each process under chrt -f 1")
    args = parser.parse_args()

    best = {h: {} for h in args.harnesses}
    walls = {h: [] for h in args.harnesses}
    waits = {h: [] for h in args.harnesses}
    for r in range(args.rounds):
        order = args.harnesses if r % 2 == 0 else list(reversed(args.harnesses))
        for h in order:
            wall, kernels, waited = profile_once(h, args)
            walls[h].append(wall)
            waits[h].append(waited)
            for name, ms in kernels.items():
                best[h][name] = min(ms, best[h].get(name, ms))

    names = [os.path.basename(h).removeprefix("bench_") for h in args.harnesses]
    kernels = sorted(set().union(*(b.keys() for b in best.values())),
                     key=lambda k: -best[args.harnesses[0]].get(k, 0.0))
    print("%d rounds, %d thread(s), %d timed calls per process; ms per forward call, minimum over rounds"
          % (args.rounds, args.threads, args.calls))
    print("| kernel | " + " | ".join(names) + "".join(" | %s/%s" % (n, names[0]) for n in names[1:]) + " |")
    print("|---" * (1 + 2 * len(names) - 1) + "|")

    def row(label, values):
        """One table row; None: the kernel is not in that object."""
        cells = ["-" if v is None else "%.3f" % v for v in values]
        ratios = ["-" if v is None or not values[0] else "%.3f" % (v / values[0]) for v in values[1:]]
        print("| %s | %s |" % (label, " | ".join(cells + ratios)))

    def median(values):
        return sorted(values)[len(values) // 2]

    for k in kernels:
        row(k, [best[h].get(k) for h in args.harnesses])
    row("**sum of the minima**", [sum(best[h].values()) for h in args.harnesses])
    row("wall per forward, median of rounds", [median(walls[h]) for h in args.harnesses])

    if args.threads < 2:
        return
    waited = [k for k in kernels if any(w.get(k) for h in args.harnesses for w in waits[h])]
    print()
    print("threads' waiting at the ends of parallel loops, thread-ms per forward call, median of rounds")
    print("| kernel | " + " | ".join(names) + "".join(" | %s/%s" % (n, names[0]) for n in names[1:]) + " |")
    print("|---" * (1 + 2 * len(names) - 1) + "|")
    for k in waited:
        row(k, [median([w.get(k, 0.0) for w in waits[h]]) for h in args.harnesses])
    row("**all kernels**", [median([sum(w.values()) for w in waits[h]]) for h in args.harnesses])


if __name__ == "__main__":
    main()
