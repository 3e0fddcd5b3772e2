#!/usr/bin/env -S /usr/bin/python3
"""Compare logits: raw float32 [N][labels] files.

    compare.py actual.f32 expected.f32 --labels L [--rel-tol 1e-4]

Passes when max|actual - expected| <= tol * max(1, max|expected|) and every row has the same
argmax. A differing argmax is accepted only as a tie: the expected logits of the two labels are
within the tolerance of each other (then float rounding may legitimately pick either).
Prints one line `max_abs_diff=... tol=... top1=match|tie` and exits 1 on failure.
"""
import argparse
import sys

import numpy as np


def compare(actual, expected, labels, rel_tol):
    """(ok, message)."""
    if actual.size != expected.size or expected.size % labels:
        return False, "size mismatch: actual %d floats, expected %d floats, labels %d" % (
            actual.size, expected.size, labels)
    a, e = actual.reshape(-1, labels).astype(np.float64), expected.reshape(-1, labels).astype(np.float64)
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        return False, "actual has a non-finite value at row %d label %d" % tuple(bad)
    diff = float(np.max(np.abs(a - e)))
    tol = rel_tol * max(1.0, float(np.max(np.abs(e))))
    top1 = "match"
    for r, (ra, re_) in enumerate(zip(a, e)):
        ia, ie = int(np.argmax(ra)), int(np.argmax(re_))
        if ia != ie:
            if re_[ie] - re_[ia] <= tol:
                top1 = "tie"
            else:
                return False, "max_abs_diff=%.3g tol=%.3g top1=MISMATCH row %d: actual label %d, expected %d " \
                              "(expected logits %.6g vs %.6g)" % (diff, tol, r, ia, ie, re_[ia], re_[ie])
    line = "max_abs_diff=%.3g tol=%.3g top1=%s" % (diff, tol, top1)
    if diff > tol:
        worst = np.unravel_index(np.argmax(np.abs(a - e)), a.shape)
        return False, line + " FAIL: worst at row %d label %d (actual %.7g, expected %.7g)" % (
            worst[0], worst[1], a[worst], e[worst])
    return True, line


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("actual")
    ap.add_argument("expected")
    ap.add_argument("--labels", type=int, required=True)
    ap.add_argument("--rel-tol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    ok, msg = compare(np.fromfile(args.actual, dtype="<f4"), np.fromfile(args.expected, dtype="<f4"),
                      args.labels, args.rel_tol)
    print(msg)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
