#!/usr/bin/env -S /usr/bin/python3
"""What int8 convolutions would cost bit-fashion in accuracy, simulated in PyTorch (fake quantization).

    /usr/bin/python3 models/bit-fashion/simulate_int8.py [--calibration-count 100]

This is a study for issue 15 (docs/precision.md), not bitc's int8: the PyTorch reference
(test/reference/bit_reference.py) with every convolution replaced by
  - weights: weight standardization folded, then symmetric per-output-channel int8 (scale max|w| / 127);
  - input: per-tensor scale from calibration statistics of that convolution's input over the first N
    training images (never test images): unsigned 8-bit (0..255) where the input is non-negative
    (after GN + ReLU: every conv but the stem), symmetric int8 otherwise (the stem's normalized pixels),
    rounded to nearest and clamped;
  - accumulation in float64 of the integer products (exact, as int32 would be), rescaled to float32.
Group-norm statistics, the residual stream, pooling and the classifier stay float32.
Prints, per activation-scale estimator, the test accuracy (all 10,000 images) and the share of
predictions identical to the float32 reference's.
"""
import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
from training import preprocess, ref, run_reference  # noqa: E402
import train as fashion  # noqa: E402


class Calls:
    """Numbers the ws_conv calls of one forward, so each call site gets its own scale."""

    def __init__(self):
        self.index = 0
        self.inputs = {}  # call index -> list of flattened input samples (calibration)
        self.scales = None  # call index -> (scale, unsigned)


def quantize(x, scale, lo, hi):
    return torch.clamp(torch.round(x / scale), lo, hi)


def make_ws_conv(calls, original, quantize_stem):
    def ws_conv(x, w, stride, dilation, mode, eps):
        i = calls.index
        calls.index += 1
        if eps is not None:
            w = ref.standardize_weight(w, eps)
        if calls.scales is None:  # calibrating: record the input, run float32
            calls.inputs.setdefault(i, []).append(x.detach().flatten())
            return original(x, w, stride, dilation, mode, None)
        scale, unsigned = calls.scales[i]
        if i == 0 and not quantize_stem:
            return original(x, w, stride, dilation, mode, None)
        ws = w.abs().amax(dim=(1, 2, 3), keepdim=True) / 127.0
        wq = quantize(w, ws, -127, 127)
        xq = quantize(x, scale, 0, 255) if unsigned else quantize(x, scale, -127, 127)
        y = original(xq.double(), wq.double(), stride, dilation, mode, None)
        return (y * (scale * ws.reshape(1, -1, 1, 1).double())).float()
    return ws_conv


def choose_scales(calls, estimator):
    scales = {}
    for i, parts in calls.inputs.items():
        v = torch.cat(parts)
        unsigned = bool(v.min() >= 0)
        a = v.abs().double().numpy()
        if estimator == "minmax":
            top = a.max()
        else:
            top = np.percentile(a, float(estimator[len("p"):]))
        scales[i] = (max(top, 1e-12) / (255.0 if unsigned else 127.0), unsigned)
    return scales


def predict(cfg, P, x, calls):
    preds = []
    with torch.no_grad():
        for b in range(0, len(x), 500):
            calls.index = 0
            preds.append(ref.forward(cfg, P, torch.tensor(x[b:b + 500])).argmax(1).numpy())
    return np.concatenate(preds)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=HERE)
    ap.add_argument("--calibration-count", type=int, default=100)
    ap.add_argument("--estimators", default="minmax,p99.999,p99.99,p99.9")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg, P, _ = run_reference.load_model(args.model)
    pp = preprocess.load_config(os.path.join(args.model, "preprocessor_config.json"))
    (gtr, _), (gte, yte) = fashion.load_split("train"), fashion.load_split("t10k")
    xcal = np.stack([preprocess.preprocess(fashion.picture(g), pp) for g in gtr[:args.calibration_count]])
    xte = np.stack([preprocess.preprocess(fashion.picture(g), pp) for g in gte])

    reference = predict(cfg, P, xte, Calls())
    print("fp32 (reference)        accuracy %.2f %%" % (100 * np.mean(reference == yte)))
    calls = Calls()
    original = ref.ws_conv
    for quantize_stem in (False, True):
        ref.ws_conv = make_ws_conv(calls, original, quantize_stem)
        calls.scales, calls.inputs, calls.index = None, {}, 0
        with torch.no_grad():
            ref.forward(cfg, P, torch.tensor(xcal))
        inputs = calls.inputs
        for estimator in args.estimators.split(","):
            calls.inputs = inputs
            calls.scales = choose_scales(calls, estimator)
            pred = predict(cfg, P, xte, calls)
            print("int8 %-8s stem %-4s accuracy %.2f %%, identical to fp32 %.2f %%" % (
                estimator, "int8" if quantize_stem else "fp32", 100 * np.mean(pred == yte),
                100 * np.mean(pred == reference)), flush=True)
        ref.ws_conv = original
    return 0


if __name__ == "__main__":
    sys.exit(main())
