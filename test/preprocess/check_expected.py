#!/usr/bin/env -S /usr/bin/python3
"""Compare `classify` output with a samples/expected.txt (file, true label, PyTorch prediction,
PyTorch top-1 logit): same prediction, top-1 logit within 1e-3 * max(1, |ref|).

    check_expected.py classify-output.txt expected.txt
"""
import os
import sys


def parse_classify(path):
    top1, current = {}, None
    for line in open(path):
        if not line.startswith(" "):
            current = os.path.basename(line.split(" (")[0])
        elif line.split()[0] == "1.":
            fields = line.split()  # 1. P % logit L label
            top1[current] = (fields[-1], float(fields[4]))
    return top1


def main():
    got = parse_classify(sys.argv[1])
    n = correct = bad = 0
    for line in open(sys.argv[2]):
        if line.startswith("#") or not line.strip():
            continue
        name, true, pred, logit = line.split()
        n += 1
        if name not in got:
            print("%s: not classified" % name)
            bad += 1
            continue
        label, value = got[name]
        same = label == pred and abs(value - float(logit)) <= 1e-3 * max(1.0, abs(float(logit)))
        correct += label == true
        bad += not same
        print("%-24s true %s bitc %s pytorch %s logit %.5f vs %s %s"
              % (name, true, label, pred, value, logit, "same" if same else "DIFFERENT"))
    print("accuracy %d/%d, %d differ from PyTorch" % (correct, n, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
