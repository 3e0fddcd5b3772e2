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
import torch.nn.functional as F
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "reference"))
import bit_reference as ref  # noqa: E402
import make_checkpoint  # noqa: E402
import preprocess  # noqa: E402
import run_reference  # noqa: E402

ARCH = {"embedding_size": 16, "hidden_sizes": [32, 64, 128], "depths": [1, 1, 1], "num_groups": 8,
        "layer_type": "preactivation", "hidden_act": "relu", "num_channels": 3}
IMAGE = 64  # sample PNG size; the model input is 32x32 after preprocessing
INPUT = 32
SEED = 0


def digit_image(pixels):
    """8x8 digits values 0..16 -> 64x64 RGB PIL image (white strokes on black)."""
    u8 = np.round(pixels.reshape(8, 8) * (255.0 / 16.0)).astype(np.uint8)
    return Image.fromarray(u8, "L").resize((IMAGE, IMAGE), Image.BILINEAR).convert("RGB")


def init_params(cfg, rng):
    P = {}
    for name, shape in ref.param_shapes(cfg).items():
        if len(shape) == 4:
            a = rng.standard_normal(shape)  # weight standardization fixes the scale
        elif name == "classifier.1.weight":
            a = rng.standard_normal(shape) / np.sqrt(shape[1])
        elif name.endswith(".weight"):
            a = np.ones(shape)
        else:
            a = np.zeros(shape)
        P[name] = torch.tensor(a, dtype=torch.float32, requires_grad=True)
    return P


def shift_batch(x, rng, max_shift=2):
    """Random translation by up to max_shift pixels, filling with the background value."""
    n, c, h, w = x.shape
    bg = float(x.min())
    padded = F.pad(x, (max_shift,) * 4, value=bg)
    out = torch.empty_like(x)
    for i in range(n):
        dy, dx = rng.integers(0, 2 * max_shift + 1, size=2)
        out[i] = padded[i, :, dy:dy + h, dx:dx + w]
    return out


def accuracy(cfg, P, x, y):
    with torch.no_grad():
        pred = ref.forward(cfg, P, torch.tensor(x)).argmax(1).numpy()
    return float((pred == y).mean()), pred


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
    opt = torch.optim.Adam(P.values(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.epochs * ((len(tr) + 63) // 64))
    Xtr, Ytr = torch.tensor(X[tr]), torch.tensor(Y[tr])
    for epoch in range(args.epochs):
        order = rng.permutation(len(tr))
        total = 0.0
        for b in range(0, len(order), 64):
            j = order[b:b + 64]
            loss = F.cross_entropy(ref.forward(cfg, P, shift_batch(Xtr[j], rng)), Ytr[j])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(j)
        if epoch % 5 == 4 or epoch == args.epochs - 1:
            acc, _ = accuracy(cfg, P, X[te], Y[te])
            print("epoch %2d  loss %.4f  held-out acc %.4f  (%.0f s)" % (epoch + 1, total / len(tr), acc,
                                                                          time.time() - t_start))
    train_time = time.time() - t_start

    weights = {k: v.detach().numpy().astype(np.float32) for k, v in P.items()}
    make_checkpoint.write_checkpoint(args.out, config, weights)
    make_checkpoint.write_json(os.path.join(args.out, "preprocessor_config.json"), pconf)

    # Everything below uses the checkpoint as written, through the reference's own loader.
    cfg2, P2, _ = run_reference.load_model(args.out)
    test_acc, _ = accuracy(cfg2, P2, X[te], Y[te])
    train_acc, _ = accuracy(cfg2, P2, X[tr], Y[tr])

    sdir = os.path.join(args.out, "samples")
    os.makedirs(sdir, exist_ok=True)
    for f in os.listdir(sdir):
        os.remove(os.path.join(sdir, f))
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
    xs = preprocess.preprocess_files([os.path.join(sdir, f) for f in files], preprocess.load_config(
        os.path.join(args.out, "preprocessor_config.json")))
    logits = run_reference.run(cfg2, P2, xs)
    pred = logits.argmax(1)
    with open(os.path.join(sdir, "expected.txt"), "w") as f:
        f.write("# file true_label predicted_label top1_logit (PyTorch reference, float32, BitImageProcessor)\n")
        for name, i, p, row in zip(files, picks, pred, logits):
            f.write("%s %d %d %.6f\n" % (name, Y[i], p, row[p]))
    sample_acc = float(np.mean(pred == Y[picks]))
    print("train images %d, held-out images %d" % (len(tr), len(te)))
    print("train accuracy %.4f" % train_acc)
    print("held-out accuracy %.4f (%d / %d)" % (test_acc, round(test_acc * len(te)), len(te)))
    print("sample accuracy %.2f (%d / %d)" % (sample_acc, int(np.sum(pred == Y[picks])), len(picks)))
    print("training time %.0f s, %d threads" % (train_time, args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
