"""What the training scripts of the bundled models share (models/*/train.py).

The model is the reference implementation itself (test/reference/bit_reference.py): its weights are a
dict of leaf tensors under the Hugging Face names, trained with Adam and a one-cycle schedule on
images that went through the BitImageProcessor pipeline (test/reference/preprocess.py), so training
sees exactly what inference sees.
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
import bit_reference as ref  # noqa: E402,F401  (re-exported for the scripts)
import make_checkpoint  # noqa: E402,F401
import preprocess  # noqa: E402,F401
import run_reference  # noqa: E402,F401


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


def predict(cfg, P, x, batch=1000):
    with torch.no_grad():
        return np.concatenate([ref.forward(cfg, P, torch.tensor(x[b:b + batch])).argmax(1).numpy()
                               for b in range(0, len(x), batch)])


def accuracy(cfg, P, x, y):
    pred = predict(cfg, P, x)
    return float((pred == y).mean()), pred


def train(cfg, P, Xtr, Ytr, epochs, rng, evaluate, lr=3e-3, batch=64, augment=shift_batch, report_every=5):
    """Adam + one-cycle over (Xtr, Ytr) torch tensors; evaluate() -> held-out accuracy, printed."""
    t_start = time.time()
    opt = torch.optim.Adam(P.values(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * ((len(Xtr) + batch - 1) // batch))
    for epoch in range(epochs):
        order = rng.permutation(len(Xtr))
        total = 0.0
        for b in range(0, len(order), batch):
            j = order[b:b + batch]
            loss = F.cross_entropy(ref.forward(cfg, P, augment(Xtr[j], rng)), Ytr[j])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(j)
        if epoch % report_every == report_every - 1 or epoch == epochs - 1:
            print("epoch %2d  loss %.4f  held-out acc %.4f  (%.0f s)" % (epoch + 1, total / len(Xtr), evaluate(),
                                                                          time.time() - t_start), flush=True)
    return time.time() - t_start


def reset_dir(path):
    """Creates `path` or empties it (the samples folder is rewritten whole)."""
    os.makedirs(path, exist_ok=True)
    for f in os.listdir(path):
        os.remove(os.path.join(path, f))


def write_expected(model_dir, sdir, files, truth, cfg, P):
    """samples/expected.txt: each sample file (in sdir) through the model's preprocessing and the float32
    reference; returns the predicted labels."""
    xs = preprocess.preprocess_files([os.path.join(sdir, f) for f in files], preprocess.load_config(
        os.path.join(model_dir, "preprocessor_config.json")))
    logits = run_reference.run(cfg, P, xs)
    pred = logits.argmax(1)
    with open(os.path.join(sdir, "expected.txt"), "w") as f:
        f.write("# file true_label predicted_label top1_logit (PyTorch reference, float32, BitImageProcessor)\n")
        for name, t, p, row in zip(files, truth, pred, logits):
            f.write("%s %d %d %.6f\n" % (name, t, p, row[p]))
    return pred
