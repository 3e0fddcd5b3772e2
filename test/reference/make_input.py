#!/usr/bin/env -S /usr/bin/python3
"""Random test input: raw little-endian float32 NCHW, uniform in [-1, 1] (the range of normalized pixels).

    make_input.py --batch N --channels C --height H --width W --seed S --out x.f32
"""
import argparse
import sys

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    shape = (args.batch, args.channels, args.height, args.width)
    x = np.random.default_rng(args.seed).uniform(-1.0, 1.0, shape).astype("<f4")
    x.tofile(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
