#!/usr/bin/env -S /usr/bin/python3
"""Write a random BiT checkpoint in Hugging Face layout (test fixture).

    make_checkpoint.py --preset NAME --out DIR [--seed S] [--dtype f32|f16|bf16] [--shards N]
                       [--format safetensors|bin|npz [--npz-name F] [--no-config]]
                       [--no-preprocessor] [--labels L] [--image-size N]
                       [--config-json '{...}'] [--emit-test-io N]
                       [--kind classification|model|backbone] [--norm-gain G]
    make_checkpoint.py --list

DIR gets config.json (every BitConfig field spelled out, plus keys readers must ignore), the
weights (model.safetensors, or N shards + model.safetensors.index.json, or pytorch_model.bin) and
preprocessor_config.json. --emit-test-io N also writes input.f32 (N x C x H x W, uniform [-1, 1],
H x W = crop size), expected.f32 (reference logits computed in float64, stored as float32) and
io.json describing both.
Weights are random but keep every activation well scaled, so logits are O(1) and not tied.
--kind model writes a BitModel checkpoint (the same weights without `bit.` and the classifier),
--kind backbone a BitBackbone one (no classifier; out_features as the config says); --labels 0
writes a classifier config with num_labels 0 (an identity head: no classifier tensors).
Without a classifier, expected.f32 holds pooler_output.
--format npz writes Google's original layout instead (model.npz or --npz-name; run_reference then
uses WS eps 1e-10, and takes the architecture from the file name when --no-config omits config.json).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bit_reference as ref  # noqa: E402
import safetensors_io  # noqa: E402

TINY = {"embedding_size": 16, "hidden_sizes": [32, 64, 128, 256], "depths": [1, 1, 2, 1], "num_groups": 4}

# name -> (config overrides, image size (h, w), labels (count or list of names), description)
PRESETS = {
    "default-r50x1": ({}, (224, 224), 1000, "all BitConfig defaults = google/bit-50 shapes"),
    "tiny-preact": (dict(TINY), (64, 64), 10, "small pre-activation model"),
    "tiny-bottleneck": (dict(TINY, layer_type="bottleneck"), (64, 64), 10, "small bottleneck (ViT-hybrid style)"),
    "same-dynamic": (dict(TINY, global_padding="SAME", embedding_dynamic_padding=True), (60, 60), 10,
                     "TF SAME everywhere + dynamic pad before the stem pool; odd size -> asymmetric pads"),
    "same-lower": (dict(TINY, global_padding="same"), (61, 61), 10, "lower-case 'same', no pool padding"),
    "embed-dynpad": (dict(TINY, embedding_dynamic_padding=True), (60, 60), 10,
                     "default padding + dynamic pad before the pool"),
    "bottleneck-same": (dict(TINY, layer_type="bottleneck", global_padding="SAME", embedding_dynamic_padding=True),
                        (59, 59), 10, "bottleneck stem GN after a SAME conv"),
    "valid": (dict(TINY, global_padding="VALID"), (96, 96), 10,
              "global_padding VALID: cannot run (3x3 branch shrinks, shortcut does not); negative test"),
    "os16": (dict(TINY, output_stride=16), (64, 64), 10, "output_stride 16 (pre-activation: stride removed only)"),
    "os8": (dict(TINY, output_stride=8), (64, 64), 10, "output_stride 8 (pre-activation: strides removed only)"),
    "bottleneck-os16": (dict(TINY, layer_type="bottleneck", output_stride=16, depths=[1, 1, 1, 2]), (64, 64), 10,
                        "dilated conv2 in the bottleneck layers of the last stage"),
    "bottleneck-os8": (dict(TINY, layer_type="bottleneck", output_stride=8, depths=[1, 1, 2, 2]), (64, 64), 10,
                       "dilation 2 and 4 in the bottleneck layers"),
    "gelu": (dict(TINY, hidden_act="gelu"), (64, 64), 10, "erf GELU"),
    "gelu-new": (dict(TINY, hidden_act="gelu_new"), (64, 64), 10, "tanh GELU"),
    "selu": (dict(TINY, hidden_act="selu"), (64, 64), 10, "SELU"),
    # Two stages of one layer at 32x32: the smallest model with every fusion site of an activation
    # (stem, conv prologues, downsample, head); pick the activation with --config-json.
    "micro": (dict(TINY, depths=[1, 1], hidden_sizes=[32, 64]), (32, 32), 10, "two one-layer stages"),
    "micro-bottleneck": (dict(TINY, layer_type="bottleneck", depths=[1, 1], hidden_sizes=[32, 64]), (32, 32), 10,
                         "two one-layer bottleneck stages (apply-norm and add activations)"),
    "wide2": (dict(TINY, width_factor=2), (64, 64), 10, "width_factor 2 (embedding not widened)"),
    "groups8": (dict(TINY, num_groups=8), (64, 64), 10, "8 groups"),
    "r101-tiny": (dict(TINY, depths=[2, 3, 5, 2]), (64, 64), 10, "deeper stages, R101-like depth pattern"),
    "channels1": (dict(TINY, num_channels=1), (64, 64), 10, "single input channel"),
    "nonsquare": (dict(TINY), (48, 80), 10, "non-square input 48x80"),
    "labels-escape": (dict(TINY), (64, 64),
                      ["tench, Tinca tinca", 'say "cheese"', "back\\slash", "cr\u00e8me br\u00fbl\u00e9e",
                       "100% ??=trigraph", "tab\there", "\u732b"],
                      "label strings that need escaping in C / JSON"),
    "ws-eps": (dict(TINY), (64, 64), 10, "every 4th conv filter has variance ~1e-8: WS eps 1e-8 vs 1e-10 shows"),
    "tiny-r50x1-shape": (dict(embedding_size=64, hidden_sizes=[256, 512, 1024, 2048], depths=[1, 1, 1, 1]),
                         (64, 64), 10, "R50 widths, one layer per stage, small image"),
    # Big models (docs/big-models.md). timm's resnetv2_*x{N}_bit* stems have 64 * N channels; Hugging Face's
    # BitConfig uses embedding_size as given, so a converted checkpoint spells the widened stem out.
    "r101x1": (dict(depths=[3, 4, 23, 3]), (224, 224), 1000, "google/bit-101 shapes (BiT-M R101x1), 44.5M params"),
    "r50x3": (dict(embedding_size=192, width_factor=3), (224, 224), 1000,
              "google/bit-50x3 shapes (BiT-M R50x3), 217M params"),
    "r152x4": (dict(embedding_size=256, depths=[3, 8, 36, 3], width_factor=4), (224, 224), 1000,
               "BiT-M R152x4 shapes, 936M params (3.7 GB float32)"),
}


def label_names(spec):
    return list(spec) if isinstance(spec, list) else ["label_%d" % i for i in range(spec)]


def build_config(overrides, labels):
    cfg = dict(ref.CONFIG_DEFAULTS)
    cfg.update(overrides)
    n_stages = len(cfg["hidden_sizes"])
    # BitConfig serializes these backbone fields; they do not matter for classification.
    cfg["stage_names"] = ["stem"] + ["stage%d" % (i + 1) for i in range(n_stages)]
    # Aligned as Hugging Face saves them (the last stage when neither is given).
    if cfg.get("out_features") is None and cfg.get("out_indices") is None:
        cfg["out_features"] = ["stage%d" % n_stages]
        cfg["out_indices"] = [n_stages]
    elif cfg.get("out_features") is None:
        cfg["out_features"] = [cfg["stage_names"][i] for i in cfg["out_indices"]]
    out = {"architectures": ["BitForImageClassification"], "model_type": "bit"}
    out.update(cfg)
    out["id2label"] = {str(i): n for i, n in enumerate(labels)}
    out["label2id"] = {n: i for i, n in enumerate(labels)}
    out["num_labels"] = len(labels)
    return out


# presets whose conv filters partly have a tiny variance (~1e-8), so the WS eps visibly matters
TINY_VARIANCE_PRESETS = {"ws-eps"}


def random_params(cfg, seed, tiny_variance=False, norm_gain=1.0):
    """Well-scaled random weights (float32 numpy), deterministic in the seed; group-norm weights around
    norm_gain (a gain of 12 takes a unit-normal value above 0.5 past 6: clipped activations clip)."""
    rng = np.random.default_rng(seed)
    P = {}
    for name, shape in ref.param_shapes(cfg).items():
        if name == "classifier.1.weight":
            P[name] = rng.standard_normal(shape) * (4.0 / np.sqrt(shape[1]))
        elif name == "classifier.1.bias":
            P[name] = 0.1 * rng.standard_normal(shape)
        elif len(shape) == 4:
            # per-output-channel scale and offset, so weight standardization changes the result
            scale = rng.uniform(0.2, 3.0, size=(shape[0], 1, 1, 1))
            offset = rng.standard_normal((shape[0], 1, 1, 1))
            if tiny_variance:  # every 4th filter: std 1e-4, no offset (exact in float32)
                scale[::4], offset[::4] = 1e-4, 0.0
            P[name] = rng.standard_normal(shape) * scale + offset
        elif name.endswith(".weight"):
            P[name] = norm_gain * (1.0 + 0.1 * rng.standard_normal(shape))
        else:
            P[name] = 0.1 * rng.standard_normal(shape)
        P[name] = P[name].astype(np.float32)
    return P


def preprocessor_config(h, w, channels):
    mean = [0.5] * (3 if channels == 3 else channels)
    return {
        "do_convert_rgb": channels == 3,
        "do_center_crop": True,
        "crop_size": {"height": h, "width": w},
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": mean,
        "image_std": list(mean),
        "image_processor_type": "BitImageProcessor",
        "resample": 2,
        "rescale_factor": 1 / 255,
        "size": {"shortest_edge": max(h, w)},
    }


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_checkpoint(out, config, params, dtype="f32", shards=1, fmt="safetensors", npz_name=None, with_config=True):
    os.makedirs(out, exist_ok=True)
    for stale in os.listdir(out):  # a rerun must not leave another weight layout behind
        if stale.startswith("model") and (stale.endswith(".safetensors") or stale.endswith(".json")) \
                or stale in ("pytorch_model.bin", "config.json", "input.f32", "expected.f32", "io.json") \
                or stale.endswith(".npz"):
            os.remove(os.path.join(out, stale))
    config = dict(config, torch_dtype={"f32": "float32", "f16": "float16", "bf16": "bfloat16"}[dtype],
                  transformers_version="4.36.0")
    if with_config:
        write_json(os.path.join(out, "config.json"), config)
    st = safetensors_io.DTYPE_NAMES[dtype]
    if fmt == "npz":
        import npz_io
        npz_io.save(params, os.path.join(out, npz_name or "model.npz"))
    elif fmt == "bin":
        import torch
        from collections import OrderedDict
        tdt = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}[dtype]
        torch.save(OrderedDict((k, torch.from_numpy(params[k]).to(tdt)) for k in params),
                   os.path.join(out, "pytorch_model.bin"))
    elif shards > 1:
        safetensors_io.save_sharded(params, out, shards, st)
    else:
        safetensors_io.save_file(params, os.path.join(out, "model.safetensors"), st)


def emit_test_io(out, batch, seed, h, w):
    import run_reference
    cfg, P, _ = run_reference.load_model(out, double=True)
    x = np.random.default_rng(seed + 1000).uniform(-1, 1, (batch, cfg["num_channels"], h, w)).astype(np.float32)
    x.astype("<f4").tofile(os.path.join(out, "input.f32"))
    y = run_reference.run_outputs(cfg, P, x, True, ["logits" if cfg["classifier"] else "pooler_output"])[0][1]
    y.astype("<f4").tofile(os.path.join(out, "expected.f32"))
    write_json(os.path.join(out, "io.json"), {"input": "input.f32", "input_shape": list(x.shape),
                                              "expected": "expected.f32", "expected_shape": list(y.shape),
                                              "top1": [int(i) for i in y.argmax(1)]})
    return y


def describe(name):
    over, (h, w), labels, text = PRESETS[name]
    cfg = ref.normalize_config(dict(over, num_labels=len(label_names(labels))))
    n = sum(int(np.prod(s)) for s in ref.param_shapes(cfg).values())
    try:
        sizes = ref.output_shapes(cfg, h, w)
    except ValueError:
        sizes = []
    widths = [cfg["embedding_size"]] + [L[0]["out"] for L in ref.stage_plan(cfg)]
    feats = " ".join("%dx%dx%d" % (c, a, b) for c, (a, b) in zip(widths, sizes))
    return "%-17s %dx%dx%d -> %d labels, %.2fM params, stem/stages %s: %s" % (
        name, cfg["num_channels"], h, w, cfg["num_labels"], n / 1e6, feats, text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS))
    ap.add_argument("--out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--format", choices=["safetensors", "bin", "npz"], default="safetensors",
                    help="npz: Google's original names and HWIO layout (pre-activation, default padding, float32)")
    ap.add_argument("--npz-name", help="npz file name, e.g. BiT-M-R50x1.npz (default model.npz)")
    ap.add_argument("--no-config", action="store_true", help="omit config.json (with --format npz: as Google ships it)")
    ap.add_argument("--no-preprocessor", action="store_true")
    ap.add_argument("--labels", type=int, help="number of labels (names label_0 ...)")
    ap.add_argument("--image-size", type=int, help="square crop size (and shortest_edge)")
    ap.add_argument("--config-json", default="{}", help="BitConfig overrides merged over the preset")
    ap.add_argument("--norm-gain", type=float, default=1.0,
                    help="group-norm weights around this instead of 1 (the same draws, scaled)")
    ap.add_argument("--emit-test-io", type=int, metavar="N", help="also write input.f32/expected.f32 for batch N")
    ap.add_argument("--list", action="store_true", help="list presets with their shapes")
    ap.add_argument("--kind", choices=["classification", "model", "backbone"], default="classification",
                    help="the Hugging Face class saved: BitForImageClassification, BitModel or BitBackbone")
    args = ap.parse_args(argv)

    if args.list:
        for name in PRESETS:
            print(describe(name))
        return 0
    if not args.preset or not args.out:
        ap.error("--preset and --out are required")
    over, (h, w), labels, _ = PRESETS[args.preset]
    over = dict(over)
    over.update(json.loads(args.config_json))
    if args.labels is not None:
        labels = args.labels
    if args.image_size:
        h = w = args.image_size
    config = build_config(over, label_names(labels))
    cfg = ref.normalize_config(config)
    if args.format == "npz" and (cfg["layer_type"] != "preactivation" or cfg["global_padding"] is not None
                                 or args.dtype != "f32"):
        ap.error("--format npz holds only float32 pre-activation models with default padding")
    params = random_params(cfg, args.seed, args.preset in TINY_VARIANCE_PRESETS, args.norm_gain)
    if args.kind != "classification":
        config["architectures"] = ["BitModel" if args.kind == "model" else "BitBackbone"]
        params = {k: v for k, v in params.items() if not k.startswith("classifier.")}
    if args.kind == "model":
        params = {k[len("bit."):]: v for k, v in params.items()}
    write_checkpoint(args.out, config, params, args.dtype, args.shards, args.format, args.npz_name,
                     not args.no_config)
    pp = os.path.join(args.out, "preprocessor_config.json")
    if args.no_preprocessor:
        if os.path.exists(pp):
            os.remove(pp)
    else:
        write_json(pp, preprocessor_config(h, w, cfg["num_channels"]))
    msg = "wrote %s (%s, %s, %d params)" % (args.out, args.preset, args.dtype,
                                            sum(a.size for a in params.values()))
    if args.emit_test_io:
        try:
            y = emit_test_io(args.out, args.emit_test_io, args.seed, h, w)
            msg += ", test io logits %s" % (list(y.shape),)
        except ValueError as e:
            msg += ", no test io: %s" % e
    print(msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
