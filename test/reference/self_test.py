#!/usr/bin/env -S /usr/bin/python3
"""Sanity checks of the reference against hand-computed values, explicit loops and torch built-ins.

    self_test.py [-v]        # exits 1 when any check fails; runs in a few seconds
"""
import itertools
import math
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bit_reference as ref  # noqa: E402
import make_checkpoint  # noqa: E402
import npz_io  # noqa: E402
import preprocess  # noqa: E402
import run_reference  # noqa: E402
import safetensors_io as st  # noqa: E402

FAILURES = []
VERBOSE = "-v" in sys.argv


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL", what)
    elif VERBOSE:
        print("ok  ", what)


def close(a, b, tol):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and float(np.max(np.abs(a - b), initial=0.0)) <= tol


def test_make_div():
    # by hand from the doc's formula
    for v, want in [(64, 64), (2048 * 0.25, 512), (8 * 0.25, 8), (20, 24), (12, 16), (11, 16), (100, 104), (3, 8)]:
        check(ref.make_div(v) == want, "make_div(%s) == %d (got %d)" % (v, want, ref.make_div(v)))


def test_padding():
    # (i, k, s, d) -> (before, after), from pad = max((ceil(i/s)-1)*s + (k-1)*d + 1 - i, 0) by hand
    table = [((224, 7, 2, 1), (2, 3)), ((225, 7, 2, 1), (3, 3)), ((112, 3, 2, 1), (0, 1)), ((113, 3, 2, 1), (1, 1)),
             ((7, 3, 1, 2), (2, 2)), ((5, 1, 2, 1), (0, 0)), ((6, 3, 2, 1), (0, 1)), ((1, 3, 2, 1), (1, 1)),
             ((10, 3, 1, 1), (1, 1)), ((9, 3, 1, 4), (4, 4)), ((32, 3, 2, 1), (0, 1)), ((4, 2, 1, 1), (0, 1))]
    for args, want in table:
        check(ref.tf_same_pad(*args) == want, "tf_same_pad%s == %s (got %s)" % (args, want, ref.tf_same_pad(*args)))
    # default symmetric padding ((s-1) + d*(k-1)) // 2
    for (k, s, d), p in [((7, 2, 1), 3), ((3, 1, 1), 1), ((3, 2, 1), 1), ((1, 2, 1), 0), ((3, 1, 2), 2), ((3, 1, 4), 4)]:
        check(ref.conv_padding("default", k, s, d, 9, 9) == (p, p, p, p), "default padding k%d s%d d%d == %d" % (k, s, d, p))
    # SAME with s == 1 and even d*(k-1) equals the static symmetric padding, for any size
    for i, k, d in itertools.product([5, 8, 13], [1, 3, 5], [1, 2]):
        p = ref.conv_padding("default", k, 1, d, i, i)
        check(ref.conv_padding("SAME", k, 1, d, i, i) == p, "SAME static case i%d k%d d%d" % (i, k, d))
    check(ref.conv_padding("VALID", 7, 2, 1, 30, 30) == (0, 0, 0, 0), "VALID pads nothing")


def loop_ws_conv(x, w, stride, dil, pads, eps):
    """Explicit loops in float64: standardize each output filter, then direct convolution."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    ws = np.zeros_like(w)
    for oc in range(o):
        vals = w[oc].ravel()
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / len(vals)
        ws[oc] = (w[oc] - mean) / math.sqrt(var + eps)
    t, b, l, r = pads
    oh = (h + t + b - dil * (kh - 1) - 1) // stride + 1
    ow = (wd + l + r - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for ni, oc, y, xx in itertools.product(range(n), range(o), range(oh), range(ow)):
        acc = 0.0
        for ic, ky, kx in itertools.product(range(c), range(kh), range(kw)):
            iy, ix = y * stride + ky * dil - t, xx * stride + kx * dil - l
            if 0 <= iy < h and 0 <= ix < wd:
                acc += x[ni, ic, iy, ix] * ws[oc, ic, ky, kx]
        out[ni, oc, y, xx] = acc
    return out


def test_ws_conv():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 2, 7, 6))
    for k, s, d, mode in [(3, 1, 1, "default"), (3, 2, 1, "SAME"), (3, 1, 2, "default"), (1, 2, 1, "default"),
                          (3, 2, 2, "SAME"), (3, 1, 1, "VALID"), (5, 2, 1, "SAME")]:
        w = rng.standard_normal((3, 2, k, k)) * rng.uniform(0.1, 5, (3, 1, 1, 1)) + rng.standard_normal((3, 1, 1, 1))
        pads = ref.conv_padding(mode, k, s, d, 7, 6)
        got = ref.ws_conv(torch.tensor(x), torch.tensor(w), s, d, mode, 1e-8).numpy()
        check(close(got, loop_ws_conv(x, w, s, d, pads, 1e-8), 1e-9), "ws_conv k%d s%d d%d %s vs loops" % (k, s, d, mode))
    # standardization really is per output channel with biased variance and eps inside the sqrt
    w = torch.tensor([[[[1.0, 3.0]]], [[[2.0, 2.0]]]], dtype=torch.float64)
    got = ref.standardize_weight(w, 1e-8)
    check(close(got[0], [[[-1 / math.sqrt(1 + 1e-8), 1 / math.sqrt(1 + 1e-8)]]], 1e-12), "WS of [1,3]")
    check(close(got[1], [[[0.0, 0.0]]], 0), "WS of a constant filter is 0 (eps avoids 0/0)")


def test_group_norm_and_activations():
    rng = np.random.default_rng(2)
    x = torch.tensor(rng.standard_normal((2, 12, 5, 3)) * 3 + 1)
    g, b = torch.tensor(rng.standard_normal(12)), torch.tensor(rng.standard_normal(12))
    for groups in (1, 3, 4, 12):
        check(close(ref.group_norm(x, groups, g, b), F.group_norm(x, groups, g, b, eps=1e-5), 1e-10),
              "group_norm G=%d vs F.group_norm" % groups)
    t = torch.linspace(-6, 6, 241, dtype=torch.float64)
    check(close(ref.activation(t, "relu"), F.relu(t), 0), "relu")
    check(close(ref.activation(t, "gelu"), F.gelu(t), 1e-12), "gelu vs F.gelu")
    check(close(ref.activation(t, "gelu_new"), F.gelu(t, approximate="tanh"), 1e-12), "gelu_new vs F.gelu tanh")
    check(close(ref.activation(t, "selu"), F.selu(t), 1e-12), "selu vs F.selu")
    check(not close(ref.activation(t, "gelu"), ref.activation(t, "gelu_new"), 1e-5), "gelu and gelu_new differ")
    # The other ACT2FN activations against torch's own modules; wide inputs reach the clips of relu6 and gelu_10.
    w = torch.linspace(-30, 30, 2401, dtype=torch.float64)
    builtins = {"relu6": F.relu6, "silu": F.silu, "swish": F.silu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                "leaky_relu": F.leaky_relu, "mish": F.mish, "linear": lambda v: v,
                "gelu_python": F.gelu, "gelu_pytorch_tanh": lambda v: F.gelu(v, approximate="tanh"),
                "gelu_accurate": lambda v: F.gelu(v, approximate="tanh"),
                "gelu_fast": lambda v: F.gelu(v, approximate="tanh"),  # constant rounded at 1e-11
                "gelu_10": lambda v: torch.clip(F.gelu(v), -10, 10),
                "quick_gelu": lambda v: v * torch.sigmoid(1.702 * v), "relu2": lambda v: torch.square(F.relu(v)),
                "laplace": lambda v: torch.distributions.Normal(torch.tensor(0.707107, dtype=torch.float64),
                                                                    torch.tensor(0.282095, dtype=torch.float64)).cdf(v)}
    for name, fn in builtins.items():
        check(close(ref.activation(w, name), fn(w), 1e-9), name + " vs torch")
    check(float(ref.activation(torch.tensor([7.0]), "relu6")) == 6.0, "relu6 clips at 6")
    check(float(ref.activation(torch.tensor([12.0]), "gelu_10")) == 10.0, "gelu_10 clips at 10")
    check(abs(float(ref.activation(torch.tensor([-1.0], dtype=torch.float64), "leaky_relu")) + 0.01) < 1e-15, "leaky_relu slope 0.01")


def builtin_forward(cfg, P, x):
    """Second implementation for default padding only: padding through conv2d's own argument,
    F.group_norm, F.max_pool2d, torch activations, a torch.std_mean based standardization."""
    acts = {"relu": F.relu, "gelu": F.gelu, "gelu_new": lambda v: F.gelu(v, approximate="tanh"), "selu": F.selu}
    act = acts[cfg["hidden_act"]]
    G = cfg["num_groups"]

    def conv(h, name, s=1, d=1):
        w = P[name]
        std, mean = torch.std_mean(w, dim=(1, 2, 3), keepdim=True, unbiased=False)
        k = w.shape[-1]
        return F.conv2d(h, (w - mean) / torch.sqrt(std ** 2 + 1e-8), stride=s, dilation=d,
                        padding=((s - 1) + d * (k - 1)) // 2)

    def gn(h, name, a=True):
        y = F.group_norm(h, G, P[name + ".weight"], P[name + ".bias"], eps=1e-5)
        return act(y) if a else y

    bott = cfg["layer_type"] == "bottleneck"
    h = F.pad(conv(x, "bit.embedder.convolution.weight", 2), (1, 1, 1, 1))
    if bott:
        h = gn(h, "bit.embedder.norm")
    h = F.max_pool2d(h, 3, 2)
    for s, layers in enumerate(ref.stage_plan(cfg)):
        for l, L in enumerate(layers):
            p = "bit.encoder.stages.%d.layers.%d." % (s, l)
            if bott:
                sc = gn(conv(h, p + "downsample.conv.weight", L["stride"]), p + "downsample.norm", False) if l == 0 else h
                y = gn(conv(h, p + "conv1.weight"), p + "norm1")
                y = gn(conv(y, p + "conv2.weight", L["stride"], L["dilation"]), p + "norm2")
                h = act(gn(conv(y, p + "conv3.weight"), p + "norm3", False) + sc)
            else:
                pre = gn(h, p + "norm1")
                sc = conv(pre, p + "downsample.conv.weight", L["stride"]) if l == 0 else h
                y = conv(gn(conv(pre, p + "conv1.weight"), p + "norm2"), p + "conv2.weight", L["stride"])
                h = conv(gn(y, p + "norm3"), p + "conv3.weight") + sc
    if not bott:
        h = gn(h, "bit.norm")
    return F.linear(h.mean((2, 3)), P["classifier.1.weight"], P["classifier.1.bias"])


def preset_model(name, seed=0):
    over, (h, w), labels, _ = make_checkpoint.PRESETS[name]
    cfg = ref.normalize_config(make_checkpoint.build_config(over, make_checkpoint.label_names(labels)))
    return cfg, make_checkpoint.random_params(cfg, seed), (h, w)


def test_models():
    rng = np.random.default_rng(3)
    for name in ["tiny-preact", "tiny-bottleneck", "bottleneck-os8", "gelu", "selu", "wide2"]:
        cfg, arrays, (h, w) = preset_model(name)
        P64 = ref.to_torch_params(arrays, torch.float64)
        x = rng.uniform(-1, 1, (2, cfg["num_channels"], h, w))
        with torch.no_grad():
            a = ref.forward(cfg, P64, torch.tensor(x)).numpy()
            b = builtin_forward(cfg, P64, torch.tensor(x)).numpy()
            c = ref.forward(cfg, ref.to_torch_params(arrays), torch.tensor(x, dtype=torch.float32)).numpy()
        check(close(a, b, 1e-9 * max(1, np.abs(a).max())), "%s: reference == built-in-op implementation" % name)
        check(close(a, c, 1e-4 * max(1, np.abs(a).max())),
              "%s: float32 vs float64 logits (max diff %.2g)" % (name, np.abs(a - c).max()))
        cfg_f, P_f = ref.fold_weight_standardization(cfg, P64)
        with torch.no_grad():
            check(close(ref.forward(cfg_f, P_f, torch.tensor(x)).numpy(), a, 1e-9 * max(1, np.abs(a).max())),
                  "%s: pre-standardized weights (export path) give the same logits" % name)
    # shapes and counts of the real google/bit-50 layout
    cfg = ref.normalize_config({"num_labels": 1000})
    n = sum(int(np.prod(s)) for s in ref.param_shapes(cfg).values())
    check(abs(n - 25.5e6) < 0.1e6, "R50x1 has 25.5M parameters (got %d)" % n)
    check(ref.output_shapes(cfg, 224, 224)[-1] == (7, 7), "R50x1 at 224 ends at 7x7")
    plan = [(L[0]["stride"], [x["dilation"] for x in L]) for L in
            ref.stage_plan(ref.normalize_config({"layer_type": "bottleneck", "output_stride": 8, "num_labels": 1}))]
    check(plan == [(1, [1, 1, 1]), (2, [1, 1, 1, 1]), (1, [1, 2, 2, 2, 2, 2]), (1, [2, 4, 4])],
          "bottleneck output_stride 8: strides and conv2 dilations %s" % plan)
    plan = [L[0]["stride"] for L in ref.stage_plan(ref.normalize_config({"output_stride": 16, "num_labels": 1}))]
    check(plan == [1, 2, 2, 1], "output_stride 16 strides %s" % plan)
    cfg, arrays, _ = preset_model("tiny-preact")
    P = ref.to_torch_params(arrays, torch.float64)
    cfg_v = dict(cfg, global_padding="VALID")
    try:
        ref.forward(cfg_v, P, torch.zeros(1, 3, 96, 96, dtype=torch.float64))
        check(False, "VALID must fail at the residual add")
    except ValueError as e:
        check("residual" in str(e), "VALID fails with a clear error")


def test_safetensors():
    tmp = tempfile.mkdtemp()
    try:
        special = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 1e-8, 3.4e38, np.inf, -np.inf, np.nan,
                            1.00390625, 1.01171875, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, 1e-40], dtype=np.float32)
        rng = np.random.default_rng(4)
        tensors = {"b.weight": rng.standard_normal((3, 5, 7)).astype(np.float32), "a": special,
                   "z.scalar": np.array(1.5, dtype=np.float32), "empty": np.zeros((0, 3), np.float32)}
        for dt, torch_dt in [("F32", torch.float32), ("F16", torch.float16), ("BF16", torch.bfloat16)]:
            path = os.path.join(tmp, "t_%s.safetensors" % dt)
            st.save_file(tensors, path, dt)
            header, start = st.read_header(path)
            names = [k for k in header if k != "__metadata__"]
            check(list(header) == sorted(header) and start % 8 == 0, "%s: header keys sorted, data 8-aligned" % dt)
            ends = sorted(header[k]["data_offsets"] for k in names)
            check(ends[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ends, ends[1:]))
                  and ends[-1][1] == os.path.getsize(path) - start, "%s: tensors contiguous, no holes" % dt)
            back = st.load_file(path)
            for k, v in tensors.items():
                want = torch.tensor(v).to(torch_dt).to(torch.float32).numpy()  # torch rounds to nearest even
                ok = back[k].dtype == np.float32 and back[k].shape == v.shape and \
                    np.array_equal(back[k], want, equal_nan=True)
                check(ok, "%s round trip of %s" % (dt, k))
        bits = st.f32_to_bf16_bits(np.array([1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, np.nan], np.float32))
        check(list(bits[:2]) == [0x3F80, 0x3F82] and (bits[2] & 0x7FC0) == 0x7FC0, "bf16 ties to even, NaN quiet")
        # sharded
        big = {"t%02d" % i: rng.standard_normal((i + 1, 10)).astype(np.float32) for i in range(20)}
        d = os.path.join(tmp, "sharded")
        os.makedirs(d)
        index = st.save_sharded(big, d, 3)
        files = sorted(set(index["weight_map"].values()))
        check(files == ["model-%05d-of-00003.safetensors" % i for i in (1, 2, 3)], "three shard files named HF-style")
        check(index["metadata"]["total_size"] == sum(a.nbytes for a in big.values()), "index total_size")
        back = st.load_dir(d)
        check(set(back) == set(big) and all(np.array_equal(back[k], big[k]) for k in big), "sharded round trip")
        for shards in (1, 2, 5, 20):
            dd = os.path.join(tmp, "s%d" % shards)
            os.makedirs(dd)
            idx = st.save_sharded(big, dd, shards)
            check(len(set(idx["weight_map"].values())) == shards, "%d shards all non-empty" % shards)
        # Google npz names and layouts
        cfg, arrays, _ = preset_model("tiny-preact")
        g = npz_io.to_google(arrays)
        check(g["resnet/block1/unit01/a/proj/standardized_conv2d/kernel"].shape == (1, 1, 16, 32)
              and g["resnet/head/conv2d/kernel"].shape == (1, 1, 256, 10)
              and g["resnet/root_block/standardized_conv2d/kernel"].shape == (7, 7, 3, 16)
              and "resnet/block4/unit01/c/group_norm/gamma" in g, "npz names and HWIO shapes")
        back = npz_io.from_google(g)
        check(set(back) == set(arrays) and all(np.array_equal(back[k], arrays[k]) for k in arrays), "npz round trip")
        check(npz_io.config_from_name("BiT-M-R101x3-ILSVRC2012.npz", 5)["depths"] == [3, 4, 23, 3], "npz name")
        # whole checkpoint through the CLI code paths, bf16, .bin and .npz
        for fmt, dtype, shards in [("safetensors", "bf16", 2), ("bin", "f32", 1), ("safetensors", "f16", 1),
                                   ("npz", "f32", 1)]:
            out = os.path.join(tmp, "ck_%s_%s" % (fmt, dtype))
            make_checkpoint.main(["--preset", "tiny-preact", "--out", out, "--dtype", dtype,
                                  "--shards", str(shards), "--format", fmt])
            cfg, P, _ = run_reference.load_model(out)
            ok = all(tuple(P[k].shape) == s for k, s in ref.param_shapes(cfg).items())
            check(ok, "checkpoint %s %s shards=%d loads with every tensor" % (fmt, dtype, shards))
    finally:
        shutil.rmtree(tmp)


def test_preprocess():
    check(preprocess.resize_size(100, 50, {"shortest_edge": 32}) == (64, 32), "resize 100x50 -> 64x32")
    check(preprocess.resize_size(50, 75, {"shortest_edge": 32}) == (32, 48), "resize 50x75 -> 32x48")
    check(preprocess.resize_size(33, 100, {"shortest_edge": 32}) == (32, 96), "resize 33x100 -> 32x96 (truncates)")
    check(preprocess.resize_size(40, 40, {"shortest_edge": 32}) == (32, 32), "resize square")
    a = np.arange(1, 26, dtype=np.uint8).reshape(5, 5, 1)
    c = preprocess.center_crop(a, 8, 8)
    check(c[2, 2, 0] == 1 and c[6, 6, 0] == 25 and c[1, 1, 0] == 0 and c[7, 7, 0] == 0, "crop pads small image centered")
    c = preprocess.center_crop(np.arange(7 * 6).reshape(7, 6, 1), 4, 4)
    check(c[0, 0, 0] == 1 * 6 + 1, "crop offsets (7-4)//2=1, (6-4)//2=1")
    cfg = dict(preprocess.DEFAULTS, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16},
               image_mean=[0.5] * 3, image_std=[0.5] * 3, resample=2)
    img = Image.new("RGB", (40, 20), (255, 0, 51))
    x = preprocess.preprocess(img, cfg)
    check(x.shape == (3, 16, 16) and close(x[:, 5, 5], [1.0, -1.0, (51 / 255 - 0.5) / 0.5], 1e-6), "solid image")
    img = Image.new("L", (20, 20), 128)
    check(preprocess.preprocess(img, cfg).shape == (3, 16, 16), "grayscale converted to RGB")


def main():
    torch.set_num_threads(1)
    for t in [test_make_div, test_padding, test_ws_conv, test_group_norm_and_activations, test_models,
              test_safetensors, test_preprocess]:
        t()
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("self_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
