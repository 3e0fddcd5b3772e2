#!/usr/bin/env -S /usr/bin/python3
"""Export the reference model of a checkpoint directory to ONNX (for the ONNX Runtime benchmark peer).

    export_onnx.py MODEL_DIR --out model.onnx [--batch N] [--height H --width W] [--opset 13] [--dynamic-batch]

Conv weights are exported already standardized (the graph has no weight-standardization ops), as a
compiler would fold them; input `pixels` NCHW float32, output `logits` [N][labels].
"""
import argparse
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bit_reference as ref  # noqa: E402
import run_reference  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--height", type=int)
    ap.add_argument("--width", type=int)
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--dynamic-batch", action="store_true")
    args = ap.parse_args(argv)
    cfg, P, _ = run_reference.load_model(args.model_dir)
    hw = run_reference.crop_size(args.model_dir) or (None, None)
    h, w = args.height or hw[0], args.width or hw[1]
    if not h or not w:
        ap.error("give --height and --width (no preprocessor crop size)")
    with torch.no_grad():
        module = ref.BitModule(*ref.fold_weight_standardization(cfg, P)).eval()
    x = torch.zeros(args.batch, cfg["num_channels"], h, w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, x, args.out, input_names=["pixels"], output_names=["logits"],
                          opset_version=args.opset, do_constant_folding=True,
                          dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}} if args.dynamic_batch else None)
    print("wrote %s (input %s)" % (args.out, list(x.shape)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
