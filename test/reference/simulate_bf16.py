#!/usr/bin/env -S /usr/bin/python3
"""What --precision bf16 computes, simulated on the float64 reference (run_reference.py's options).

    simulate_bf16.py MODEL_DIR --input x.f32 --output y.f32 [--outputs ...] [run_reference options]

Written from docs/precision.md, not from bitc's kernels: every convolution but the stem (it reads the
caller's pixels) and those with an output channel count that is not a multiple of 16 rounds its input
(the group-normalized, activated tensor, or the plain input where there is no prologue) and its
standardized filter to bf16, round to nearest even, and sums the products exactly (float64 here,
fp32 in bitc); everything else is the float64 reference. bitc's bf16 logits must match this much more
closely than they match fp32 (test/e2e/bf16.test).
"""
import sys

import torch

import bit_reference as ref
import run_reference

_plain_conv = ref.ws_conv


def _bf16(t):
    return t.to(torch.bfloat16).to(t.dtype)


def _bf16_conv(x, w, stride, dilation, mode, eps):
    stem = x.shape[1] == _bf16_conv.image_channels and _bf16_conv.first
    _bf16_conv.first = False
    if stem or w.shape[0] % 16:
        return _plain_conv(x, w, stride, dilation, mode, eps)
    if eps is not None:
        w = ref.standardize_weight(w, eps)
    return _plain_conv(_bf16(x), _bf16(w), stride, dilation, mode, None)


def main(argv=None):
    # Every forward starts with the stem conv: mark it again per call.
    forward_outputs = ref.forward_outputs

    def marked(cfg, P, x):
        _bf16_conv.first = True
        _bf16_conv.image_channels = cfg["num_channels"]
        return forward_outputs(cfg, P, x)

    ref.forward_outputs = marked
    ref.ws_conv = _bf16_conv
    return run_reference.main(argv)


if __name__ == "__main__":
    sys.exit(main())
