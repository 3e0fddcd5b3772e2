#!/usr/bin/env -S /usr/bin/python3
"""Times PyTorch's own post-training int8 (FX graph mode) of a preactivation BiT, the peer of
`bitc compile --precision int8`.

    torch_int8.py MODEL_DIR INPUT.f32 --height H --width W --calibration DIR [--calibration-count N]
                  --out LOGITS.f32 [--runs R] [--warmup K] [--threads 2] [--max-seconds S]

FX graph mode needs a graph without shape-dependent Python, so the model is rebuilt here from the
checkpoint as plain modules for one input size (nn.Conv2d with the weight standardization folded in,
nn.GroupNorm, nn.ReLU, explicit zero padding, max pool, mean, nn.Linear; docs/bit-model.md), checked
against test/reference's float forward, then quantized with PyTorch's default static post-training
recipe for its int8 engine (Debian's torch 1.13 has `onednn` and `qnnpack`, not `x86`/`fbgemm`):
`prepare_fx` + the calibration images preprocessed by test/reference/preprocess.py (the model's
preprocessor_config.json at H x W, the images in name order, the first N) + `convert_fx`.
Prints one line of JSON like torch_bench.py (median and minimum wall ms, median process CPU ms per
forward, batch 1) plus the float model's agreement with the reference.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference")
sys.path.insert(0, REFERENCE)
import bit_reference as ref  # noqa: E402
import preprocess  # noqa: E402
import run_reference  # noqa: E402
from torch_bench import time_calls  # noqa: E402


def conv(weight, stride, dilation):
    o, c, k, _ = weight.shape
    m = nn.Conv2d(c, o, k, stride=stride, dilation=dilation, bias=False)
    m.weight.data.copy_(weight)
    return m


def norm(groups, P, prefix):
    m = nn.GroupNorm(groups, P[prefix + ".weight"].numel(), eps=ref.GN_EPS)
    m.weight.data.copy_(P[prefix + ".weight"])
    m.bias.data.copy_(P[prefix + ".bias"])
    return m


class Pad(nn.Module):
    """Zero padding (top, bottom, left, right) fixed at construction."""

    def __init__(self, t, b, l, r):
        super().__init__()
        self.amounts = (l, r, t, b)

    def forward(self, x):
        return F.pad(x, self.amounts)


class PaddedConv(nn.Sequential):
    """The reference's ws_conv for an input of `size` (weights already standardized)."""

    def __init__(self, weight, stride, dilation, mode, size):
        t, b, l, r = ref.conv_padding(mode, weight.shape[-1], stride, dilation, *size)
        super().__init__(Pad(t, b, l, r), conv(weight, stride, dilation))
        k = weight.shape[-1]
        self.out_size = tuple((n + p - dilation * (k - 1) - 1) // stride + 1
                              for n, p in zip(size, (t + b, l + r)))


class PreactBlock(nn.Module):
    def __init__(self, cfg, P, p, layer, size):
        super().__init__()
        G, mode = cfg["num_groups"], ref.padding_mode(cfg)
        self.norm1, self.act1 = norm(G, P, p + "norm1"), nn.ReLU()
        self.down = PaddedConv(P[p + "downsample.conv.weight"], layer["stride"], 1, mode, size) \
            if layer["first"] else None
        self.conv1 = PaddedConv(P[p + "conv1.weight"], 1, 1, mode, size)
        self.norm2, self.act2 = norm(G, P, p + "norm2"), nn.ReLU()
        self.conv2 = PaddedConv(P[p + "conv2.weight"], layer["stride"], layer["dilation"], mode, size)
        self.norm3, self.act3 = norm(G, P, p + "norm3"), nn.ReLU()
        self.conv3 = PaddedConv(P[p + "conv3.weight"], 1, 1, mode, self.conv2.out_size)
        self.out_size = self.conv2.out_size

    def forward(self, x):
        pre = self.act1(self.norm1(x))
        shortcut = self.down(pre) if self.down is not None else x
        y = self.conv1(pre)
        y = self.conv2(self.act2(self.norm2(y)))
        y = self.conv3(self.act3(self.norm3(y)))
        return y + shortcut


class StaticBit(nn.Module):
    """A preactivation BiT with relu for one input size, as plain modules."""

    def __init__(self, cfg, P, height, width):
        super().__init__()
        if cfg["layer_type"] != "preactivation" or cfg["hidden_act"] != "relu":
            raise SystemExit("torch_int8: only preactivation BiT with relu is rebuilt here")
        mode = ref.padding_mode(cfg)
        self.stem = PaddedConv(P["bit.embedder.convolution.weight"], 2, 1, mode, (height, width))
        size = self.stem.out_size
        pool_pad = (1, 1, 1, 1) if mode != "SAME" else (0, 0, 0, 0)
        size = (size[0] + pool_pad[0] + pool_pad[1], size[1] + pool_pad[2] + pool_pad[3])
        if cfg["embedding_dynamic_padding"]:
            t, b = ref.tf_same_pad(size[0], 3, 2, 1)
            l, r = ref.tf_same_pad(size[1], 3, 2, 1)
            pool_pad = (pool_pad[0] + t, pool_pad[1] + b, pool_pad[2] + l, pool_pad[3] + r)
            size = (size[0] + t + b, size[1] + l + r)
        self.pool_pad = Pad(*pool_pad)
        self.pool = nn.MaxPool2d(3, 2)
        size = ((size[0] - 3) // 2 + 1, (size[1] - 3) // 2 + 1)
        blocks = []
        for s, layers in enumerate(ref.stage_plan(cfg)):
            for l, layer in enumerate(layers):
                block = PreactBlock(cfg, P, "bit.encoder.stages.%d.layers.%d." % (s, l), layer, size)
                size = block.out_size
                blocks.append(block)
        self.blocks = nn.Sequential(*blocks)
        self.norm, self.act = norm(cfg["num_groups"], P, "bit.norm"), nn.ReLU()
        w = P["classifier.1.weight"]
        self.classifier = nn.Linear(w.shape[1], w.shape[0])
        self.classifier.weight.data.copy_(w)
        self.classifier.bias.data.copy_(P["classifier.1.bias"])

    def forward(self, x):
        h = self.pool(self.pool_pad(self.stem(x)))
        h = self.act(self.norm(self.blocks(h)))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def calibration_inputs(model_dir, folder, count, height, width):
    config = preprocess.load_config(os.path.join(model_dir, "preprocessor_config.json"))
    # The bench's input size, as `bitc compile --image-size` resolves it.
    if config.get("do_center_crop", True):
        config["size"] = {"shortest_edge": min(height, width)}
        config["crop_size"] = {"height": height, "width": width}
    else:
        config["size"] = {"height": height, "width": width}
    # bitc's rule: regular files in name order, hidden ones skipped.
    names = sorted(n for n in os.listdir(folder)
                   if not n.startswith(".") and os.path.isfile(os.path.join(folder, n)))[:count]
    if not names:
        raise SystemExit("torch_int8: %s: no images" % folder)
    return [torch.from_numpy(preprocess.preprocess_files([os.path.join(folder, n)], config)) for n in names]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("input")
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--calibration-count", type=int, default=100)
    ap.add_argument("--engine", default="onednn", choices=["onednn", "qnnpack"])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, default=float("inf"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.backends.quantized.engine = args.engine
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    cfg, P, _ = run_reference.load_model(args.model_dir)
    per = cfg["num_channels"] * args.height * args.width
    flat = np.fromfile(args.input, dtype="<f4", count=per)
    if flat.size != per:
        print("torch_int8: %s holds fewer than %d floats" % (args.input, per), file=sys.stderr)
        return 1
    x = torch.from_numpy(flat.reshape(1, cfg["num_channels"], args.height, args.width).copy())
    with torch.no_grad():
        cfg, P = ref.fold_weight_standardization(cfg, P)
        model = StaticBit(cfg, P, args.height, args.width).eval()
        reference = ref.forward(cfg, P, x)
        float_diff = (model(x) - reference).abs().max().item() / reference.abs().max().item()
    if float_diff > 1e-4:
        print("torch_int8: the rebuilt float model is off by %.2e (relative)" % float_diff, file=sys.stderr)
        return 1

    start = time.perf_counter()
    prepared = prepare_fx(model, get_default_qconfig_mapping(args.engine), example_inputs=(x,))
    with torch.no_grad():
        for image in calibration_inputs(args.model_dir, args.calibration, args.calibration_count,
                                        args.height, args.width):
            prepared(image)
    quantized = convert_fx(prepared)
    calibration_s = time.perf_counter() - start

    y, wall, cpu = time_calls(quantized, x, args.runs, args.warmup, args.max_seconds)
    y.numpy().astype("<f4").tofile(args.out)
    print(json.dumps({"engine": "pytorch-int8", "qengine": args.engine, "version": torch.__version__, "batch": 1,
                      "threads": args.threads, "runs": len(wall),
                      "median_ms": round(statistics.median(wall), 3), "min_ms": round(min(wall), 3),
                      "cpu_ms": round(statistics.median(cpu), 3),
                      "calibration_s": round(calibration_s, 1),
                      "float_rebuild_rel_diff": float("%.2e" % float_diff),
                      "top1_vs_float": int(y.argmax()) == int(reference.argmax())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
