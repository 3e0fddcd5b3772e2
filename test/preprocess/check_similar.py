#!/usr/bin/env -S /usr/bin/python3
"""Check examples/similar's output against embeddings computed by the PyTorch reference.

    check_similar.py similar.txt pooled.f32 --top K image...

pooled.f32 holds run_reference.py's pooler_output of the images, in the order given. The
neighbours of each image are recomputed (cosine similarity, most similar first) and compared with
what similar printed: the same neighbours in the same order (a swap is accepted only between
neighbours whose similarities are within the tolerance) and similarities within 1e-4.
"""
import argparse
import os
import sys

import numpy as np


def parse(path):
    """{image basename: [(similarity, neighbour basename)]}"""
    result, current = {}, None
    with open(path) as f:
        for line in f:
            if not line.startswith("  "):
                current = os.path.basename(line.strip())
                result[current] = []
            else:
                _, sim, name = line.split()
                result[current].append((float(sim), os.path.basename(name)))
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("similar")
    ap.add_argument("pooled")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    names = [os.path.basename(p) for p in args.images]
    e = np.fromfile(args.pooled, dtype="<f4").astype(np.float64).reshape(len(names), -1)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    sim = e @ e.T
    printed = parse(args.similar)
    if sorted(printed) != sorted(names):
        print("images differ: similar printed %s" % sorted(printed))
        return 1
    worst, count = 0.0, 0
    for i, name in enumerate(names):
        order = sorted((j for j in range(len(names)) if j != i), key=lambda j: -sim[i, j])[:args.top]
        for rank, (s, neighbour) in enumerate(printed[name]):
            j = names.index(neighbour)
            worst = max(worst, abs(s - sim[i, j]))
            expected = order[rank]
            if j != expected and abs(sim[i, j] - sim[i, expected]) > args.tol:
                print("%s: neighbour %d is %s (%.6f), expected %s (%.6f)"
                      % (name, rank + 1, neighbour, sim[i, j], names[expected], sim[i, expected]))
                return 1
            count += 1
    if worst > args.tol:
        print("similarities differ by up to %.3g" % worst)
        return 1
    print("%d images, %d neighbours: same order, similarities within %g (max diff %.2g)"
          % (len(names), count, args.tol, worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
