#!/usr/bin/env -S /usr/bin/python3
"""Train the bundled bit-fashion model: a small pre-activation BiT on Fashion-MNIST.

    /usr/bin/python3 models/bit-fashion/train.py [--epochs 4] [--threads 1]

Data: the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*-idx*-ubyte.gz),
60,000 training and 10,000 test images, 28x28 grayscale. Each image is the 28x28 RGB picture a user
would have (gray replicated), fed through the BitImageProcessor pipeline (28 -> 32, bilinear), so
training sees exactly what inference sees. Training (models/training.py): Adam, one-cycle, batch 64,
random shifts of up to 2 pixels and horizontal flips, seed 0. With one thread a rerun on the same
machine gives the same weights; other thread counts / CPUs may differ in the last bits.

Writes, next to this script: config.json, model.safetensors, preprocessor_config.json, labels.txt,
reference-accuracy.txt, calibration/train-<index>.png (the first 100 training images, for
`bitc compile --calibration`; --calibration-only rewrites just these), samples/<index>-<label>.png
(the first test image of each class) and samples/expected.txt, and
prints the accuracies recorded in README.md (PyTorch reference; evaluate.sh measures the compiled object).
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from training import (  # noqa: E402
    accuracy, init_params, make_checkpoint, preprocess, ref, reset_dir, run_reference, shift_batch, train,
    write_expected)

DATA = "/usr/share/datasets/fashion-mnist"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
ARCH = {"embedding_size": 16, "hidden_sizes": [32, 64, 128], "depths": [1, 1, 1], "num_groups": 8,
        "layer_type": "preactivation", "hidden_act": "relu", "num_channels": 3}
INPUT = 32
SEED = 0
CALIBRATION_COUNT = 100


def read_idx(path):
    """An idx file (gzipped): uint8 array of the shape in its header."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(kind):
    return read_idx(os.path.join(DATA, "%s-images-idx3-ubyte.gz" % kind)), \
        read_idx(os.path.join(DATA, "%s-labels-idx1-ubyte.gz" % kind)).astype(np.int64)


def picture(gray):
    return Image.fromarray(gray, "L").convert("RGB")


def shift_flip_batch(x, rng):
    x = shift_batch(x, rng)
    flip = torch.tensor(rng.random(len(x)) < 0.5)
    x[flip] = x[flip].flip(3)
    return x


def write_calibration(out, images, count=CALIBRATION_COUNT):
    """calibration/: the first `count` training images as PNG (bitc compile --calibration; never test images)."""
    cdir = os.path.join(out, "calibration")
    reset_dir(cdir)
    for i in range(count):
        picture(images[i]).save(os.path.join(cdir, "train-%05d.png" % i))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=0, help="use only the first N training images (timing)")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--calibration-only", action="store_true", help="only rewrite calibration/ (no training)")
    args = ap.parse_args(argv)
    if args.calibration_only:
        write_calibration(args.out, load_split("train")[0])
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    t_start = time.time()

    pconf = make_checkpoint.preprocessor_config(INPUT, INPUT, 3)
    pp = dict(preprocess.DEFAULTS, **pconf)
    (gtr, Ytr), (gte, Yte) = load_split("train"), load_split("t10k")
    if args.train_limit:
        gtr, Ytr = gtr[:args.train_limit], Ytr[:args.train_limit]
    Xtr = np.stack([preprocess.preprocess(picture(g), pp) for g in gtr])
    Xte = np.stack([preprocess.preprocess(picture(g), pp) for g in gte])
    print("preprocessed %d + %d images (%.0f s)" % (len(Xtr), len(Xte), time.time() - t_start), flush=True)

    config = make_checkpoint.build_config(ARCH, LABELS)
    cfg = ref.normalize_config(config)
    P = init_params(cfg, rng)
    train(cfg, P, torch.tensor(Xtr), torch.tensor(Ytr), args.epochs, rng,
          lambda: accuracy(cfg, P, Xte[:2000], Yte[:2000])[0], augment=shift_flip_batch, report_every=1)
    train_time = time.time() - t_start

    weights = {k: v.detach().numpy().astype(np.float32) for k, v in P.items()}
    make_checkpoint.write_checkpoint(args.out, config, weights)
    make_checkpoint.write_json(os.path.join(args.out, "preprocessor_config.json"), pconf)
    with open(os.path.join(args.out, "labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")

    # Everything below uses the checkpoint as written, through the reference's own loader.
    cfg2, P2, _ = run_reference.load_model(args.out)
    test_acc, _ = accuracy(cfg2, P2, Xte, Yte)
    train_acc, _ = accuracy(cfg2, P2, Xtr, Ytr)

    write_calibration(args.out, gtr)
    sdir = os.path.join(args.out, "samples")
    reset_dir(sdir)
    picks = [int(np.nonzero(Yte == c)[0][0]) for c in range(10)]
    files = []
    for i in picks:
        name = "%04d-%d.png" % (i, Yte[i])
        picture(gte[i]).save(os.path.join(sdir, name))
        files.append(name)
    pred = write_expected(args.out, sdir, files, Yte[picks], cfg2, P2)
    with open(os.path.join(args.out, "reference-accuracy.txt"), "w") as f:
        f.write("# correct test images of %d, PyTorch reference float32 (train.py; evaluate.sh: the compiled object)\n"
                % len(Xte))
        f.write("%d\n" % round(test_acc * len(Xte)))
    print("train images %d, test images %d" % (len(Xtr), len(Xte)))
    print("train accuracy %.4f" % train_acc)
    print("test accuracy %.4f (%d / %d)  (PyTorch reference, float32)" % (test_acc, round(test_acc * len(Xte)),
                                                                          len(Xte)))
    print("samples %d / %d correct" % (int(np.sum(pred == Yte[picks])), len(picks)))
    print("training time %.0f s, %d threads" % (train_time, args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
