#!/usr/bin/env -S /usr/bin/python3
"""How far BitImageProcessor (PIL) and BitImageProcessorFast (torchvision) are apart.

    compare_processors.py [IMAGE...]     # default: the photographs python3-sklearn ships

For each resize setting, the two references of test/reference/ (which bitc reproduces bit for
bit) on the same images: per-pixel differences before normalization in 1/255 units (max,
mean, share of values that differ), for docs/preprocessing.md. Settings: bilinear and bicubic
shrinking (shortest edge 72, 224) and enlarging (448) without a crop (the filters alone), then
a crop whose offset the two round differently (a one-pixel shift) and one they agree on.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import preprocess as pil_reference  # noqa: E402
import preprocess_fast as fast_reference  # noqa: E402

# (what, resample, shortest edge, crop or None)
SETTINGS = [
    ("bilinear, shrink to 72, no crop", 2, 72, None),
    ("bicubic, shrink to 72, no crop", 3, 72, None),
    ("bilinear, shrink to 224, no crop", 2, 224, None),
    ("bicubic, shrink to 224, no crop", 3, 224, None),
    ("bilinear, enlarge to 448, no crop", 2, 448, None),
    ("bicubic, enlarge to 448, no crop", 3, 448, None),
    ("bicubic, 224, crop 224 (offset 55 vs 56)", 3, 224, 224),
    ("bicubic, 224, crop 223 (offset 56 both)", 3, 224, 223),
]


def main():
    images = sys.argv[1:]
    if not images:
        import sklearn.datasets
        base = os.path.join(os.path.dirname(sklearn.datasets.__file__), "images")
        images = [os.path.join(base, n) for n in ("china.jpg", "flower.jpg")]
    from PIL import Image
    print("| setting | max | mean | values that differ |")
    print("|---|---|---|---|")
    for name, resample, edge, crop in SETTINGS:
        cfg = dict(pil_reference.DEFAULTS, resample=resample, size={"shortest_edge": edge},
                   crop_size={"height": crop or 1, "width": crop or 1}, do_center_crop=bool(crop),
                   do_normalize=False)
        diffs = []
        for path in images:
            img = Image.open(path).convert("RGB")
            a = pil_reference.preprocess(img, cfg).astype(np.float64)
            b = fast_reference.preprocess(img, cfg).astype(np.float64)
            diffs.append(np.abs(a - b).ravel() * 255.0)
        d = np.concatenate(diffs)
        print("| %s | %.0f/255 | %.3f/255 | %.1f%% |" % (name, d.max(), d.mean(), 100.0 * np.mean(d > 0.5)))


if __name__ == "__main__":
    sys.exit(main())
