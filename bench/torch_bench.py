#!/usr/bin/env -S /usr/bin/python3
"""Times PyTorch eager on the reference model of test/reference (Debian's torch 1.13).

    torch_bench.py MODEL_DIR INPUT.f32 --batch N --height H --width W --runs R --warmup K
                   --out LOGITS.f32 [--threads 2] [--max-seconds S]

The model is `bit_reference.BitModule` with the conv weights standardized once at load time
(what export_onnx.py exports, and what any deployed model would do), float32, eval, no_grad,
torch.set_num_threads(THREADS). The timed runs stop once they have taken S seconds (at least one
runs; "runs" in the output says how many did). Prints one line of JSON like bitc_bench.c: median and minimum
wall ms per forward, median process CPU ms per forward (all threads).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference")
sys.path.insert(0, REFERENCE)
import bit_reference as ref  # noqa: E402
import run_reference  # noqa: E402


def time_calls(module, x, runs, warmup, max_seconds):
    """(last output, wall ms per call, process CPU ms per call): `warmup` untimed calls, then up to
    `runs` timed ones, stopping once they have taken `max_seconds` (at least one runs)."""
    wall, cpu = [], []
    with torch.no_grad():
        for _ in range(warmup):
            y = module(x)
        start = time.perf_counter()
        for _ in range(runs):
            if wall and time.perf_counter() - start > max_seconds:
                break
            c0, w0 = time.process_time(), time.perf_counter()
            y = module(x)
            wall.append((time.perf_counter() - w0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    return y, wall, cpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("input")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, default=float("inf"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    cfg, P, _ = run_reference.load_model(args.model_dir)
    with torch.no_grad():
        module = ref.BitModule(*ref.fold_weight_standardization(cfg, P)).eval()
    per = cfg["num_channels"] * args.height * args.width
    flat = np.fromfile(args.input, dtype="<f4", count=per * args.batch)
    if flat.size != per * args.batch:
        print("torch_bench: %s holds fewer than %d floats" % (args.input, per * args.batch), file=sys.stderr)
        return 1
    x = torch.from_numpy(flat.reshape(args.batch, cfg["num_channels"], args.height, args.width).copy())

    y, wall, cpu = time_calls(module, x, args.runs, args.warmup, args.max_seconds)
    y.numpy().astype("<f4").tofile(args.out)
    print(json.dumps({"engine": "pytorch", "version": torch.__version__, "batch": args.batch,
                      "threads": args.threads, "runs": len(wall),
                      "median_ms": round(statistics.median(wall), 3), "min_ms": round(min(wall), 3),
                      "cpu_ms": round(statistics.median(cpu), 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
