#!/usr/bin/env -S /usr/bin/python3
"""Regenerate the seed corpora of the fuzz targets (fuzz/corpus/<target>/).

    fuzz/make_seeds.py [--out fuzz/corpus]

Seeds come from the test fixtures: test/reference/make_checkpoint.py writes a
tiny-preact checkpoint (safetensors, sharded, .npz) and the config files of a
few presets; each checkpoint is cut down to its small tensors (at most
MAX_ELEMENTS elements, a few KB per file) and re-encoded the ways the readers
must understand: F32/F16/BF16 safetensors, torch.save archives (contiguous,
views with storage offsets and strides, deflated) and their entries unzipped, .npz (stored, deflated,
Fortran order, float16, .npy versions 1-3), .npy arrays on their own, and
shard indexes followed by their shards (the format of FuzzShardIndex.cpp).
The output is deterministic; rerun after changing a fixture generator.
"""
import argparse
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAKE_CHECKPOINT = os.path.join(ROOT, "test", "reference", "make_checkpoint.py")
MAX_ELEMENTS = 128
SHARD_SEPARATOR = b"\n#shard\n"
ENTRY_SEPARATOR = b"\n#entry\n"


def make_checkpoint(out, preset, *extra):
    subprocess.run([sys.executable, MAKE_CHECKPOINT, "--preset", preset, "--out", out, *extra],
                   check=True, stdout=subprocess.DEVNULL)


def read_safetensors(path):
    blob = open(path, "rb").read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    tensors = OrderedDict()
    for name in sorted(header):
        if name == "__metadata__":
            continue
        e = header[name]
        b, end = e["data_offsets"]
        assert e["dtype"] == "F32"
        tensors[name] = np.frombuffer(data[b:end], "<f4").reshape(e["shape"]).copy()
    return tensors


def safetensors_bytes(tensors, dtype="F32", metadata=None):
    header, data = OrderedDict(), b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, a in tensors.items():
        if dtype == "F32":
            raw = a.astype("<f4").tobytes()
        elif dtype == "F16":
            raw = a.astype("<f2").tobytes()
        else:  # BF16: the upper half of each float32
            raw = (a.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # data section 8-byte aligned, as the writers do
    return struct.pack("<Q", len(text)) + text + data


def torch_bytes(state, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    torch.save(state, buf)
    if compression == zipfile.ZIP_STORED:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, \
            zipfile.ZipFile(out, "w", compression=compression) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = compression
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def torch_views(tensors):
    """The same values as views: transposes, slices of one storage, strides."""
    state = OrderedDict()
    names = list(tensors)
    pool = torch.zeros(sum(a.size for a in tensors.values()) * 2)
    offset = 0
    for i, name in enumerate(names):
        t = torch.from_numpy(tensors[name])
        if t.dim() >= 2 and i % 3 == 0:
            state[name] = t.transpose(0, 1).contiguous().transpose(0, 1)
        elif i % 3 == 1:
            # a storage offset and every stride doubled
            strides = [2 * s for s in t.contiguous().stride()]
            view = pool.as_strided(t.shape, strides, offset)
            view.copy_(t)
            state[name] = view
            offset += 2 * t.numel()
        else:
            state[name] = t.clone()
    return state


def npy_bytes(a, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, version=version, allow_pickle=False)
    return buf.getvalue()


def npz_bytes(arrays, compression=zipfile.ZIP_STORED, version=None, fortran=False, f16=False):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as z:
        for name, a in arrays.items():
            if f16:
                a = a.astype("<f2")
            if fortran and a.ndim >= 2:
                a = np.asfortranarray(a)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, npy_bytes(a, version))
    return out.getvalue()


def small(tensors, limit=MAX_ELEMENTS, count=None):
    picked = OrderedDict((k, v) for k, v in tensors.items() if v.size <= limit)
    if count is not None:
        picked = OrderedDict(list(picked.items())[:count])
    return picked


def write(out, target, name, blob):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "fuzz", "corpus"))
    args = ap.parse_args()
    torch.manual_seed(0)
    for target in ["safetensors", "config", "preprocessor", "pytorch-bin", "torch-pickle", "npz", "npz-entries", "npy",
                   "shard-index"]:
        shutil.rmtree(os.path.join(args.out, target), ignore_errors=True)

    with tempfile.TemporaryDirectory() as tmp:
        st = os.path.join(tmp, "st")
        make_checkpoint(st, "tiny-preact")
        tensors = read_safetensors(os.path.join(st, "model.safetensors"))
        few = small(tensors, count=6)

        # safetensors
        write(args.out, "safetensors", "f32", safetensors_bytes(few))
        write(args.out, "safetensors", "f16", safetensors_bytes(few, "F16"))
        write(args.out, "safetensors", "bf16", safetensors_bytes(few, "BF16"))
        write(args.out, "safetensors", "metadata",
              safetensors_bytes(small(tensors, count=2), metadata={"format": "pt"}))
        odd = OrderedDict([("empty", np.zeros((0, 3), np.float32)),
                           ("scalar", np.array(1.5, np.float32)),
                           ("misaligned", np.arange(3, dtype=np.float32))])
        blob = bytearray(safetensors_bytes(odd))
        write(args.out, "safetensors", "shapes", bytes(blob))

        # config.json and preprocessor_config.json of a few presets
        for preset in ["tiny-preact", "tiny-bottleneck", "same-dynamic", "os8", "wide2",
                       "labels-escape", "nonsquare", "channels1", "gelu-new"]:
            d = os.path.join(tmp, preset)
            make_checkpoint(d, preset, *([] if preset == "labels-escape" else ["--labels", "4"]))
            write(args.out, "config", preset, open(os.path.join(d, "config.json"), "rb").read())
            write(args.out, "preprocessor", preset,
                  open(os.path.join(d, "preprocessor_config.json"), "rb").read())
        write(args.out, "preprocessor", "scalars", json.dumps({
            "size": 72, "crop_size": 64, "image_mean": 0.5, "image_std": [0.25],
            "resample": 3, "rescale_factor": 0.5, "do_resize": None}).encode())

        # pytorch_model.bin
        state = OrderedDict((k, torch.from_numpy(v)) for k, v in small(tensors, count=4).items())
        write(args.out, "pytorch-bin", "plain", torch_bytes(state))
        write(args.out, "pytorch-bin", "deflated", torch_bytes(state, zipfile.ZIP_DEFLATED))
        write(args.out, "pytorch-bin", "views", torch_bytes(torch_views(small(tensors, count=4))))
        write(args.out, "pytorch-bin", "f16",
              torch_bytes(OrderedDict((k, v.half()) for k, v in state.items())))
        write(args.out, "pytorch-bin", "bf16",
              torch_bytes(OrderedDict((k, v.bfloat16()) for k, v in state.items())))

        # the same archives as entry lists (FuzzTorchPickle.cpp)
        for seed in ["plain", "views", "f16", "bf16"]:
            blob = open(os.path.join(args.out, "pytorch-bin", seed), "rb").read()
            with zipfile.ZipFile(io.BytesIO(blob)) as z:
                parts = [info.filename.encode() + b"\n" + z.read(info.filename)
                         for info in z.infolist()]
            write(args.out, "torch-pickle", seed, ENTRY_SEPARATOR.join(parts))

        # Google .npz and its .npy arrays
        npz = os.path.join(tmp, "npz")
        make_checkpoint(npz, "tiny-preact", "--format", "npz", "--npz-name", "BiT-M-R50x1.npz",
                        "--labels", "2")
        with np.load(os.path.join(npz, "BiT-M-R50x1.npz")) as z:
            arrays = OrderedDict((k, z[k]) for k in sorted(z.files))
        kernels = OrderedDict((k, v) for k, v in arrays.items() if v.ndim == 4 and v.size <= 1024)
        google = small(arrays, count=4)
        google.update(list(kernels.items())[:1])
        head = [k for k in arrays if k.startswith("resnet/head/")]
        for k in head:
            if arrays[k].size <= 4096:
                google[k] = arrays[k]
        write(args.out, "npz", "stored", npz_bytes(google))
        write(args.out, "npz", "deflated", npz_bytes(google, zipfile.ZIP_DEFLATED))
        write(args.out, "npz", "fortran", npz_bytes(google, fortran=True))
        write(args.out, "npz", "f16-v2", npz_bytes(google, version=(2, 0), f16=True))
        write(args.out, "npz", "v3", npz_bytes(small(google, count=2), version=(3, 0)))
        for seed in ["stored", "fortran", "f16-v2"]:
            blob = open(os.path.join(args.out, "npz", seed), "rb").read()
            with zipfile.ZipFile(io.BytesIO(blob)) as z:
                parts = [info.filename.encode() + b"\n" + z.read(info.filename)
                         for info in z.infolist()]
            write(args.out, "npz-entries", seed, ENTRY_SEPARATOR.join(parts))
        for i, (name, a) in enumerate(list(google.items())[:3]):
            write(args.out, "npy", "v1-%d" % i, npy_bytes(a))
        first = next(iter(kernels.values()))
        write(args.out, "npy", "fortran", npy_bytes(np.asfortranarray(first)))
        write(args.out, "npy", "f16-v2", npy_bytes(first.astype("<f2"), (2, 0)))
        write(args.out, "npy", "v3", npy_bytes(np.arange(6, dtype="<f4").reshape(2, 3), (3, 0)))
        write(args.out, "npy", "scalar", npy_bytes(np.array(2.0, "<f4")))

        # Shard indexes followed by their shards
        names = list(few)
        halves = [OrderedDict((k, few[k]) for k in names[:3]), OrderedDict((k, few[k]) for k in names[3:])]
        files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        index = {"metadata": {"total_size": sum(a.nbytes for a in few.values())},
                 "weight_map": {k: files[i] for i, h in enumerate(halves) for k in h}}
        write(args.out, "shard-index", "safetensors",
              SHARD_SEPARATOR.join([json.dumps(index, indent=1).encode()] +
                                   [safetensors_bytes(h) for h in halves]))
        files = ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"]
        index["weight_map"] = {k: files[i] for i, h in enumerate(halves) for k in h}
        write(args.out, "shard-index", "pytorch",
              SHARD_SEPARATOR.join([json.dumps(index, indent=1).encode()] +
                                   [torch_bytes(OrderedDict((k, torch.from_numpy(v)) for k, v in h.items()))
                                    for h in halves]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
