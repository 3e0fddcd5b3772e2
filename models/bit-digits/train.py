#!/usr/bin/env -S /usr/bin/python3
"""Train the bundled bit-digits model: a small pre-activation BiT on scikit-learn's 8x8 digits.

    /usr/bin/python3 models/bit-digits/train.py [--epochs 40] [--threads 1]

The model is the reference implementation itself (test/reference/bit_reference.py): its weights
are a dict of leaf tensors under the Hugging Face names, trained with Adam. Every digit is turned
into the 64x64 RGB image a user would have (8-bit, bilinear upscaling) and then fed through the
BitImageProcessor pipeline (test/reference/preprocess.py, 64 -> 32), so training sees exactly what
inference sees. Seeds are fixed (numpy, torch); with one thread a rerun on the same machine gives
the same weights, other thread counts / CPUs may differ in the last bits.

Writes, next to this script: config.json, model.safetensors, preprocessor_config.json,
samples/digit-<label>-<index>[-wide|-tall].png (one held-out 64x64 image per class plus two
non-square ones), samples/expected.txt, and
prints the accuracies recorded in README.md.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from training import (  # noqa: E402
    accuracy, init_params, make_checkpoint, preprocess, ref, reset_dir, run_reference, train, write_expected)

ARCH = {"embedding_size": 16, "hidden_sizes": [32, 64, 128], "depths": [1, 1, 1], "num_groups": 8,
        "layer_type": "preactivation", "hidden_act": "relu", "num_channels": 3}
IMAGE = 64  # sample PNG size; the model input is 32x32 after preprocessing
INPUT = 32
SEED = 0


def digit_image(pixels):
    """8x8 digits values 0..16 -> 64x64 RGB PIL image (white strokes on black)."""
    u8 = np.round(pixels.reshape(8, 8) * (255.0 / 16.0)).astype(np.uint8)
    return Image.fromarray(u8, "L").resize((IMAGE, IMAGE), Image.BILINEAR).convert("RGB")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    t_start = time.time()

    digits = load_digits()
    idx = np.arange(len(digits.target))
    tr, te = train_test_split(idx, test_size=0.25, random_state=SEED, stratify=digits.target)
    pconf = make_checkpoint.preprocessor_config(INPUT, INPUT, 3)
    pp = dict(preprocess.DEFAULTS, **pconf)
    images = [digit_image(p) for p in digits.images]
    X = np.stack([preprocess.preprocess(im, pp) for im in images])
    Y = digits.target.astype(np.int64)

    labels = [str(i) for i in range(10)]
    config = make_checkpoint.build_config(ARCH, labels)
    cfg = ref.normalize_config(config)
    P = init_params(cfg, rng)
    Xtr, Ytr = torch.tensor(X[tr]), torch.tensor(Y[tr])
    train(cfg, P, Xtr, Ytr, args.epochs, rng, lambda: accuracy(cfg, P, X[te], Y[te])[0])
    train_time = time.time() - t_start

    weights = {k: v.detach().numpy().astype(np.float32) for k, v in P.items()}
    make_checkpoint.write_checkpoint(args.out, config, weights)
    make_checkpoint.write_json(os.path.join(args.out, "preprocessor_config.json"), pconf)

    # Everything below uses the checkpoint as written, through the reference's own loader.
    cfg2, P2, _ = run_reference.load_model(args.out)
    test_acc, _ = accuracy(cfg2, P2, X[te], Y[te])
    train_acc, _ = accuracy(cfg2, P2, X[tr], Y[tr])

    sdir = os.path.join(args.out, "samples")
    reset_dir(sdir)
    picks = [int(next(i for i in te if Y[i] == d)) for d in range(10)]
    files = []
    for i in picks:
        name = "digit-%d-%04d.png" % (Y[i], i)
        images[i].save(os.path.join(sdir, name))
        files.append(name)
    # two non-square images (digit centered on a black canvas) exercise aspect-ratio resize + crop
    for d, (w, h), tag in [(3, (96, 64), "wide"), (7, (64, 80), "tall")]:
        i = int([k for k in te if Y[k] == d][1])
        canvas = Image.new("RGB", (w, h))
        canvas.paste(images[i], ((w - IMAGE) // 2, (h - IMAGE) // 2))
        name = "digit-%d-%04d-%s.png" % (d, i, tag)
        canvas.save(os.path.join(sdir, name))
        picks.append(i)
        files.append(name)
    pred = write_expected(args.out, sdir, files, Y[picks], cfg2, P2)
    sample_acc = float(np.mean(pred == Y[picks]))
    print("train images %d, held-out images %d" % (len(tr), len(te)))
    print("train accuracy %.4f" % train_acc)
    print("held-out accuracy %.4f (%d / %d)" % (test_acc, round(test_acc * len(te)), len(te)))
    print("sample accuracy %.2f (%d / %d)" % (sample_acc, int(np.sum(pred == Y[picks])), len(picks)))
    print("training time %.0f s, %d threads" % (train_time, args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
