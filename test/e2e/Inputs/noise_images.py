#!/usr/bin/env -S /usr/bin/python3
"""Calibration images for the int8 tests: COUNT binary PPM files of uniform random 8-bit RGB noise
(after rescale 1/255 and mean/std 0.5 the pixels are uniform in [-1, 1], like make_input.py's
tensors), named noise-00.ppm, noise-01.ppm, ...

    noise_images.py --count N --width W --height H --seed S --out DIR
"""
import argparse
import os
import random
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.count):
        pixels = bytes(rng.randrange(256) for _ in range(3 * args.width * args.height))
        with open(os.path.join(args.out, "noise-%02d.ppm" % i), "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (args.width, args.height) + pixels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
