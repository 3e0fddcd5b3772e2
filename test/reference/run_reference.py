#!/usr/bin/env -S /usr/bin/python3
"""Run the PyTorch reference on a Hugging Face BiT model directory.

    run_reference.py MODEL_DIR --input x.f32 --output y.f32 [--batch N --height H --width W] [--double]
    run_reference.py MODEL_DIR --images a.png b.png [--output y.f32]      # BitImageProcessor first
    run_reference.py MODEL_DIR --input x.f32 --outputs stem,stage1,pooler_output --output y.f32

x.f32 is raw little-endian float32 NCHW; channels come from config.json. --height/--width default
to the preprocessor crop size, --batch to whatever the file size implies. MODEL_DIR may hold a
BitForImageClassification, BitModel (names without `bit.`) or BitBackbone checkpoint. y.f32 is
raw float32: every output of --outputs (Hugging Face names, default logits with a classifier,
else pooler_output) one after the other, each [N][C] or [N][C][H][W]; y.f32.json lists their
names and shapes (compare.py --layout). With logits, the top-1 label of every row is printed.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bit_reference as ref  # noqa: E402
import npz_io  # noqa: E402
import safetensors_io  # noqa: E402


def find_npz(model_dir):
    """Google-format weights, used only when there are no Hugging Face weights."""
    hf = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
    if any(os.path.exists(os.path.join(model_dir, f)) for f in hf):
        return None
    npz = sorted(f for f in os.listdir(model_dir) if f.endswith(".npz"))
    return os.path.join(model_dir, npz[0]) if npz else None


def load_model(model_dir, double=False, ws_eps=None):
    """(cfg, params, raw config.json dict) with params as torch tensors of the compute dtype.

    Hugging Face weights use WS eps 1e-8, Google .npz weights 1e-10 (unless ws_eps says otherwise);
    an .npz without config.json takes its architecture from the file name."""
    npz = find_npz(model_dir)
    config_path = os.path.join(model_dir, "config.json")
    if npz:
        arrays = npz_io.load(npz)
        if os.path.exists(config_path):
            with open(config_path) as f:
                raw = dict(json.load(f))
            raw.setdefault("ws_eps", npz_io.WS_EPS_GOOGLE)
        else:
            raw = npz_io.config_from_name(os.path.basename(npz), arrays["classifier.1.weight"].shape[0])
    else:
        with open(config_path) as f:
            raw = json.load(f)
        arrays = safetensors_io.load_dir(model_dir)
    if ws_eps is not None:
        raw = dict(raw, ws_eps=ws_eps)
    cfg = ref.normalize_config(raw)
    # BitModel's state dict is the `bit.` submodule of the classifier's.
    if "embedder.convolution.weight" in arrays:
        arrays = {"bit." + k: v for k, v in arrays.items()}
    classifier = "classifier.1.weight" in arrays or (raw.get("architectures") or [""])[0] == \
        "BitForImageClassification"
    if "num_labels" not in cfg:
        cfg["num_labels"] = arrays["classifier.1.weight"].shape[0] if classifier else 0
    cfg["classifier"] = classifier
    P = ref.to_torch_params(arrays, torch.float64 if double else torch.float32)
    extra = ref.check_params(cfg, P, classifier=classifier)
    if extra:
        print("warning: ignoring %d unexpected tensors (%s ...)" % (len(extra), extra[0]), file=sys.stderr)
    return cfg, P, raw


def labels_of(raw, n):
    id2label = raw.get("id2label") or {}
    return [id2label.get(str(i), str(i)) for i in range(n)]


def crop_size(model_dir):
    path = os.path.join(model_dir, "preprocessor_config.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        pc = json.load(f)
    c = pc.get("crop_size")
    if isinstance(c, dict) and pc.get("do_center_crop", True):
        return c["height"], c["width"]
    return None


def run(cfg, P, x, double=False):
    """The logits, float32."""
    return run_outputs(cfg, P, x, double)[0][1]


def run_outputs(cfg, P, x, double=False, outputs=("logits",)):
    """[(name, float32 array)] of the requested outputs."""
    dtype = torch.float64 if double else torch.float32
    with torch.no_grad():
        everything = ref.forward_outputs(cfg, P, torch.as_tensor(x).to(dtype))
    missing = [o for o in outputs if o not in everything]
    if missing:
        raise ValueError("no output %s (this model has %s)" % (", ".join(missing), ", ".join(everything)))
    return [(o, everything[o].to(torch.float32).numpy()) for o in outputs]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--input", help="raw float32 NCHW input")
    ap.add_argument("--images", nargs="+", help="image files, preprocessed per preprocessor_config.json")
    ap.add_argument("--output", help="raw float32 outputs (and OUTPUT.json: their names and shapes)")
    ap.add_argument("--outputs", help="comma-separated Hugging Face output names (default: logits with a "
                    "classifier, else pooler_output)")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--height", type=int)
    ap.add_argument("--width", type=int)
    ap.add_argument("--double", action="store_true", help="compute in float64")
    ap.add_argument("--ws-eps", type=float, help="weight standardization eps (default 1e-8, .npz 1e-10)")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    try:
        cfg, P, raw = load_model(args.model_dir, args.double, args.ws_eps)
    except (ValueError, OSError, KeyError) as e:
        print("run_reference: cannot load %s: %s" % (args.model_dir, e), file=sys.stderr)
        return 2
    C = cfg["num_channels"]
    if args.images:
        import preprocess
        pc = preprocess.load_config(os.path.join(args.model_dir, "preprocessor_config.json"))
        x = preprocess.preprocess_files(args.images, pc)
    elif args.input:
        hw = crop_size(args.model_dir)
        H = args.height or (hw and hw[0])
        W = args.width or (hw and hw[1])
        if not H or not W:
            print("run_reference: give --height and --width (no preprocessor crop size)", file=sys.stderr)
            return 2
        flat = np.fromfile(args.input, dtype="<f4")
        per = C * H * W
        N = args.batch or len(flat) // per
        if N < 1 or len(flat) != N * per:
            print("run_reference: %s holds %d floats, not %s x %d x %d x %d"
                  % (args.input, len(flat), N if args.batch else "N", C, H, W), file=sys.stderr)
            return 2
        x = flat.reshape(N, C, H, W)
    else:
        ap.error("need --input or --images")

    t0 = time.time()
    names = args.outputs.split(",") if args.outputs else ["logits" if cfg["classifier"] else "pooler_output"]
    try:
        results = run_outputs(cfg, P, x, args.double, names)
    except ValueError as e:
        print("run_reference: %s" % e, file=sys.stderr)
        return 3
    dt = time.time() - t0
    if args.output:
        with open(args.output, "wb") as f:
            for _, value in results:
                f.write(value.astype("<f4").tobytes())
        with open(args.output + ".json", "w") as f:
            json.dump({"outputs": [{"name": n, "shape": list(v.shape)} for n, v in results]}, f)
    logits = dict(results).get("logits")
    if not args.quiet and logits is not None and logits.shape[1] > 0 and cfg["num_labels"] > 0:
        names = labels_of(raw, cfg["num_labels"])
        for i, row in enumerate(logits):
            j = int(np.argmax(row))
            src = args.images[i] if args.images else "row %d" % i
            print("%s: top1=%d (%s) logit=%.5f" % (src, j, names[j], row[j]))
    if not args.quiet:
        print("shape %s -> %s, %.3f s (%s)" % (list(x.shape), ", ".join(
            "%s %s" % (n, list(v.shape)) for n, v in results), dt, "float64" if args.double else "float32"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
