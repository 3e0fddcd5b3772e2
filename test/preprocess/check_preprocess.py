#!/usr/bin/env -S /usr/bin/python3
"""Compare bitc's preprocessing (a C driver) with PIL + numpy or torchvision, image by image.

    check_preprocess.py --driver DRIVER [--table] --config preprocessor_config.json
                        [--processor pil|fast] [--format rgb8|bgr8|rgba8|bgra8|gray8]
                        [--channels 1|3] [--tmp DIR] IMAGE...

IMAGE is a file PIL can open, `sklearn:china.jpg` / `sklearn:flower.jpg` (photographs that
Debian's python3-sklearn ships), or a synthetic image `noise:WxH`, `gradient:WxH`, `checker:WxH`
(seeded, so runs repeat); a `+P` suffix pads every row with P garbage bytes (row stride 3W+P).
DRIVER is test/preprocess/Inputs/preprocess_driver.c built against a compiled model, or
(--table) against runtime/Preprocess.c, in which case the bitc_preprocess table is passed on
the command line exactly as bitc builds it from the config.

The reference is the BitImageProcessor pipeline of test/reference/preprocess.py (PIL resize of
the 8-bit image, center crop with zero padding, rescale, normalize) or, with --processor fast,
BitImageProcessorFast's of test/reference/preprocess_fast.py (torchvision on uint8 tensors);
num_channels 1 converts to PIL's "L" first and uses the first mean/std. --format hands the
driver the image in another pixel layout (BGR, RGBA/BGRA with random alpha, or the image's
"L" as GRAY8); the reference is then PIL's Image.convert("RGB") of that image.
Differences are measured before normalization, in 1/255 units: |x - x_ref| * std /
rescale_factor. Limits: max <= 2, mean <= 0.5; with --exact every float must be identical.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import preprocess as ref  # noqa: E402

FORMATS = ("rgb8", "bgr8", "rgba8", "bgra8", "gray8")

FLAGS = {"do_resize": 1, "do_center_crop": 2, "do_rescale": 4, "do_normalize": 8}


def synthetic(kind, w, h, seed):
    rng = np.random.default_rng(seed)
    if kind == "noise":
        a = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    elif kind == "gradient":
        y, x = np.mgrid[0:h, 0:w]
        a = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1),
                      (x + y) * 255 // max(w + h - 2, 1)], axis=-1).astype(np.uint8)
    elif kind == "checker":
        y, x = np.mgrid[0:h, 0:w]
        a = np.repeat((((x // 3 + y // 3) % 2) * 255).astype(np.uint8)[:, :, None], 3, axis=2)
    else:
        raise SystemExit("unknown synthetic image kind: " + kind)
    return Image.fromarray(a, "RGB")


def load(spec, index):
    pad = 0
    if "+" in spec.rsplit("/", 1)[-1]:
        spec, p = spec.rsplit("+", 1)
        pad = int(p)
    kind, _, size = spec.partition(":")
    if size and kind in ("noise", "gradient", "checker"):
        w, h = (int(v) for v in size.split("x"))
        return synthetic(kind, w, h, index), pad, spec
    if kind == "sklearn":  # photographs python3-sklearn ships: china.jpg, flower.jpg
        # Found without importing sklearn (a second per call).
        import importlib.util
        sklearn_dir = importlib.util.find_spec("sklearn").submodule_search_locations[0]
        spec = os.path.join(sklearn_dir, "datasets", "images", size)
    return Image.open(spec).convert("RGB"), pad, os.path.basename(spec)


def table(cfg, channels, processor):
    """The bitc_preprocess table bitc emits for this config (no --image-size override)."""
    flags = sum(bit for key, bit in FLAGS.items() if cfg[key])
    size = cfg["size"]
    fixed = "shortest_edge" not in size
    flags |= 16 if fixed else 0
    if cfg["do_center_crop"]:
        h, w = cfg["crop_size"]["height"], cfg["crop_size"]["width"]
    else:
        h, w = (size["height"], size["width"]) if fixed else (0, 0)
    mean = cfg["image_mean"] if isinstance(cfg["image_mean"], list) else [cfg["image_mean"]] * 3
    std = cfg["image_std"] if isinstance(cfg["image_std"], list) else [cfg["image_std"]] * 3
    vals = [channels, h, w, flags, cfg["resample"], size.get("shortest_edge", 0),
            size.get("height", 0), size.get("width", 0),
            cfg["crop_size"]["height"], cfg["crop_size"]["width"]]
    return [str(v) for v in vals] + [repr(float(cfg["rescale_factor"]))] + \
        [repr(float(v)) for v in mean] + [repr(float(v)) for v in std] + \
        ["1" if processor == "fast" else "0"]


def in_format(img, fmt, seed):
    """(raw HxWxB uint8 bytes for the driver, the PIL image they stand for)."""
    if fmt == "gray8":
        gray = img.convert("L")
        return np.asarray(gray)[:, :, None], gray
    a = np.asarray(img, dtype=np.uint8)
    if fmt.startswith("bgr"):
        a = a[:, :, ::-1]
    if fmt.endswith("a8"):
        alpha = np.random.default_rng(seed).integers(0, 256, size=a.shape[:2] + (1,), dtype=np.uint8)
        a = np.concatenate([a, alpha], axis=2)
        rgba = np.concatenate([np.asarray(img, dtype=np.uint8), alpha], axis=2)
        return a, Image.fromarray(rgba, "RGBA")
    return a, img


def reference(img, cfg, channels, processor):
    img = img.convert("RGB")  # what every pixel format stands for
    if channels == 1:
        img = img.convert("L")
    c3 = dict(cfg)
    for key in ("image_mean", "image_std"):
        v = cfg[key] if isinstance(cfg[key], list) else [cfg[key]] * 3
        c3[key] = v[:channels]
    c3["do_convert_rgb"] = False
    if processor == "fast":
        import preprocess_fast
        return preprocess_fast.preprocess(img, c3)
    return ref.preprocess(img, c3)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--config", required=True)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--processor", choices=("pil", "fast"), default="pil")
    ap.add_argument("--format", choices=FORMATS, default="rgb8")
    ap.add_argument("--tmp", default=".")
    ap.add_argument("--max", type=float, default=2.0)
    ap.add_argument("--mean", type=float, default=0.5)
    ap.add_argument("--exact", action="store_true", help="fail unless every float is identical")
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()
    cfg = ref.load_config(args.config) if os.path.exists(args.config) else dict(ref.DEFAULTS)
    std = np.asarray(cfg["image_std"] if cfg["do_normalize"] else [1.0] * 3, dtype=np.float64)
    std = (std if std.size == 3 else np.repeat(std, 3))[:args.channels]
    unit = (cfg["rescale_factor"] if cfg["do_rescale"] else 1.0) * 255.0
    failures = 0
    worst = 0.0
    for i, spec in enumerate(args.images):
        img, pad, name = load(spec, i)
        w, h = img.size
        a, img = in_format(img, args.format, 2000 + i)
        row = a.shape[2] * w
        stride = row + pad
        raw = np.random.default_rng(1000 + i).integers(0, 256, size=(h, stride), dtype=np.uint8)
        raw[:, :row] = a.reshape(h, row)
        rgb_path = os.path.join(args.tmp, "img%d.raw" % i)
        out_path = os.path.join(args.tmp, "img%d.f32" % i)
        raw.tofile(rgb_path)
        cmd = [args.driver, args.format, str(w), str(h), str(stride), rgb_path, out_path]
        if args.table:
            cmd += table(cfg, args.channels, args.processor)
        subprocess.run(cmd, check=True)
        want = reference(img, cfg, args.channels, args.processor)
        got = np.fromfile(out_path, dtype="<f4")
        if got.size != want.size:
            print("%s: %d floats, expected %d" % (name, got.size, want.size))
            failures += 1
            continue
        got = got.reshape(want.shape)
        diff = np.abs(got.astype(np.float64) - want) * std[:, None, None] / unit * 255.0
        mx, mn = diff.max(), diff.mean()
        exact = np.mean(got == want) * 100
        ok = mx <= args.max + 1e-6 and mn <= args.mean and (not args.exact or exact == 100)
        worst = max(worst, mx)
        failures += not ok
        print("%-28s %5dx%-5d stride %5d -> %s: max %.3f/255 mean %.4f/255, %.2f%% identical floats%s"
              % (name, w, h, stride, "x".join(map(str, want.shape)), mx, mn, exact,
                 "" if ok else "  FAIL"))
    print("%d of %d images within max %g/255, mean %g/255 (worst max %.3f/255)"
          % (len(args.images) - failures, len(args.images), args.max, args.mean, worst))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
