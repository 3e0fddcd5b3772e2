#!/usr/bin/env -S /usr/bin/python3
"""Compare logits: raw float32 [N][labels] files; or every output of a model.

    compare.py actual.f32 expected.f32 --labels L [--rel-tol 1e-4]
    compare.py actual.f32 expected.f32 --layout expected.f32.json [--rel-tol 1e-4]

With --layout (written by run_reference.py --outputs), both files hold several outputs one after
the other, named and shaped as the JSON says; each is compared on its own, with its own tolerance
(logits as below, other outputs by max|diff| alone), one line per output `NAME: ...`.

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


def compare_outputs(actual, expected, layout, rel_tol):
    """[(ok, line)] per output of `layout` ([{"name", "shape"}])."""
    total = sum(int(np.prod(o["shape"])) for o in layout)
    if actual.size != total or expected.size != total:
        return [(False, "size mismatch: actual %d floats, expected %d, layout %d" % (actual.size, expected.size,
                                                                                     total))]
    results, at = [], 0
    for o in layout:
        n = int(np.prod(o["shape"]))
        a, e = actual[at:at + n], expected[at:at + n]
        at += n
        per_row = n // o["shape"][0]
        if o["name"] == "logits":
            ok, line = compare(a, e, per_row, rel_tol)
        else:
            # the same check without the argmax: feature maps and embeddings
            ok, line = compare(a.reshape(-1, 1), e.reshape(-1, 1), 1, rel_tol)
            line = line.replace(" top1=match", "")
        results.append((ok, "%s: %s" % (o["name"], line)))
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("actual")
    ap.add_argument("expected")
    ap.add_argument("--labels", type=int)
    ap.add_argument("--layout", help="expected.f32.json of run_reference.py --outputs")
    ap.add_argument("--rel-tol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    actual, expected = np.fromfile(args.actual, dtype="<f4"), np.fromfile(args.expected, dtype="<f4")
    if args.layout:
        import json
        with open(args.layout) as f:
            results = compare_outputs(actual, expected, json.load(f)["outputs"], args.rel_tol)
    elif args.labels:
        results = [compare(actual, expected, args.labels, args.rel_tol)]
    else:
        ap.error("need --labels or --layout")
    for _, line in results:
        print(line)
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
