#!/usr/bin/env -S /usr/bin/python3
"""BitImageProcessor (docs/bit-model.md section 5) with PIL + numpy.

    preprocess.py preprocessor_config.json img.png [...] --out x.f32    # NCHW float32, images stacked

Order and rounding as in the Hugging Face implementation: convert to RGB -> PIL resize of the
8-bit image (so the result is uint8) -> center crop (zero pad if smaller) -> rescale in float64,
stored as float32 -> (x - mean) / std in float32 -> CHW.
"""
import argparse
import json
import sys

import numpy as np
from PIL import Image

# BitImageProcessor's own defaults (used for keys a preprocessor_config.json leaves out).
DEFAULTS = {
    "do_resize": True,
    "size": {"shortest_edge": 224},
    "resample": 3,
    "do_center_crop": True,
    "crop_size": {"height": 224, "width": 224},
    "do_rescale": True,
    "rescale_factor": 1 / 255,
    "do_normalize": True,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "do_convert_rgb": True,
}


def load_config(path):
    cfg = dict(DEFAULTS)
    with open(path) as f:
        cfg.update(json.load(f))
    return cfg


def resize_size(h, w, size):
    """(new_h, new_w): short side -> shortest_edge, long side truncated; or an explicit height/width."""
    if "shortest_edge" in size:
        s = size["shortest_edge"]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = s, int(s * long / short)
        return (new_long, new_short) if w <= h else (new_short, new_long)
    return size["height"], size["width"]


def center_crop(a, ch, cw):
    """HWC crop at top = (H - ch) // 2 (floor, also when negative), zero outside the image."""
    h, w = a.shape[:2]
    top, left = (h - ch) // 2, (w - cw) // 2
    out = np.zeros((ch, cw) + a.shape[2:], dtype=a.dtype)
    y0, y1 = max(0, -top), min(ch, h - top)
    x0, x1 = max(0, -left), min(cw, w - left)
    out[y0:y1, x0:x1] = a[y0 + top:y1 + top, x0 + left:x1 + left]
    return out


def preprocess(img, cfg):
    """PIL image -> float32 CHW array."""
    if cfg["do_convert_rgb"]:
        img = img.convert("RGB")
    if cfg["do_resize"]:
        nh, nw = resize_size(img.height, img.width, cfg["size"])
        img = img.resize((nw, nh), resample=cfg["resample"])
    a = np.asarray(img)
    if a.ndim == 2:
        a = a[:, :, None]
    if cfg["do_center_crop"]:
        a = center_crop(a, cfg["crop_size"]["height"], cfg["crop_size"]["width"])
    x = a.astype(np.float32)
    if cfg["do_rescale"]:
        x = (a.astype(np.float64) * cfg["rescale_factor"]).astype(np.float32)
    if cfg["do_normalize"]:
        mean = np.asarray(cfg["image_mean"], dtype=np.float32)
        std = np.asarray(cfg["image_std"], dtype=np.float32)
        x = (x - mean) / std
    return np.ascontiguousarray(x.transpose(2, 0, 1), dtype=np.float32)


def preprocess_files(paths, cfg):
    return np.stack([preprocess(Image.open(p), cfg) for p in paths])


def main(argv=None, preprocess_image=preprocess, description=__doc__):
    """The command line; `preprocess_image` (PIL image, config) -> CHW float32 array."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config", help="preprocessor_config.json (or a model directory)")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--out", required=True, help="raw little-endian float32 NCHW")
    args = ap.parse_args(argv)
    path = args.config
    if not path.endswith(".json"):
        path = path.rstrip("/") + "/preprocessor_config.json"
    cfg = load_config(path)
    x = np.stack([preprocess_image(Image.open(p), cfg) for p in args.images])
    x.astype("<f4").tofile(args.out)
    print("wrote %s shape %s" % (args.out, list(x.shape)))


if __name__ == "__main__":
    sys.exit(main())
