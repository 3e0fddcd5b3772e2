#!/usr/bin/env -S /usr/bin/python3
"""What --precision int8 computes, simulated on the float64 reference (run_reference.py's options).

    simulate_int8.py MODEL_DIR --calibration DIR [--calibration-count N] [--lanes 16] \\
        --input x.f32 --output y.f32 [--outputs ...] [run_reference options]

Written from docs/precision.md, not from bitc's kernels. Pre-activation models only (every conv but
the stem reads a group-normalized, activated tensor). Every conv but the stem whose output channel
count is a multiple of --lanes (16 with AVX-512, 8 with AVX2) is int8:
- input: its range [lo, hi] is the smallest and largest value it takes on the calibration images
  (DIR's files in name order, the first N, preprocessed per preprocessor_config.json), widened to
  hold 0; scale s = (hi - lo) / 255, zero point z = round(-lo / s) (0 after relu, which is never
  negative); codes q = clamp(round(x / s) + z, 0, 255), standing for (q - z) * s, so the padding's
  0 stays 0. A conv whose input was 0 on every calibration image stays fp32.
- filter: standardized, then per output channel symmetric: scale max|w| / 127, round(w / scale)
  clamped to +-127.
The products and sums are exact (float64 here; int32 in bitc), so the object must match this far more
closely than it matches fp32 (test/e2e/int8-zero-point.test).
"""
import argparse
import os
import sys
import tempfile

import torch

import bit_reference as ref
import run_reference

_plain_conv = ref.ws_conv
_state = {"calibrating": False, "index": 0, "ranges": {}, "lanes": 16}


def _fake_quantized_input(x, lo, hi):
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    s = (hi - lo) / 255.0
    z = min(max(round(-lo / s), 0), 255)
    q = torch.clamp(torch.round(x / s) + z, 0, 255)
    return (q - z) * s


def _fake_quantized_filter(w):
    scale = w.abs().amax(dim=(1, 2, 3), keepdim=True) / 127.0
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    return torch.clamp(torch.round(w / scale), -127, 127) * scale


def _int8_conv(x, w, stride, dilation, mode, eps):
    index = _state["index"]
    _state["index"] += 1
    if index == 0 or w.shape[0] % _state["lanes"]:  # the stem reads the caller's pixels
        return _plain_conv(x, w, stride, dilation, mode, eps)
    ranges = _state["ranges"]
    if _state["calibrating"]:
        lo, hi = ranges.get(index, (0.0, 0.0))
        ranges[index] = (min(lo, float(x.min())), max(hi, float(x.max())))
        return _plain_conv(x, w, stride, dilation, mode, eps)
    lo, hi = ranges[index]
    if lo >= 0 and hi <= 0:
        return _plain_conv(x, w, stride, dilation, mode, eps)
    if eps is not None:
        w = ref.standardize_weight(w, eps)
    return _plain_conv(_fake_quantized_input(x, lo, hi), _fake_quantized_filter(w), stride, dilation,
                       mode, None)


def main(argv=None):
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("model_dir")
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--calibration-count", type=int)
    ap.add_argument("--lanes", type=int, default=16)
    args, rest = ap.parse_known_args(argv)
    _state["lanes"] = args.lanes
    images = sorted(os.path.join(args.calibration, f) for f in os.listdir(args.calibration))
    images = images[:args.calibration_count] if args.calibration_count else images

    forward_outputs = ref.forward_outputs

    def counted(cfg, P, x):
        if cfg.get("layer_type", "preactivation") != "preactivation":
            raise SystemExit("simulate_int8: pre-activation models only")
        _state["index"] = 0
        return forward_outputs(cfg, P, x)

    ref.forward_outputs = counted
    ref.ws_conv = _int8_conv
    double = ["--double"] if "--double" in rest else []
    _state["calibrating"] = True
    with tempfile.TemporaryDirectory() as tmp:
        status = run_reference.main([args.model_dir, "--images", *images, "--quiet",
                                     "--output", os.path.join(tmp, "calibration.f32")] + double)
    if status:
        return status
    _state["calibrating"] = False
    return run_reference.main([args.model_dir] + rest)


if __name__ == "__main__":
    sys.exit(main())
