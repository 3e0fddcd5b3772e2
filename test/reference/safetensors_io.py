#!/usr/bin/env -S /usr/bin/python3
"""Minimal numpy safetensors writer/reader (F32, F16, BF16; F64 read too) and sharded checkpoints.

Format: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
then the tensors back to back. We sort names, pad the header with spaces so the data starts
8-byte aligned, and lay the tensors out contiguously in name order (the format forbids holes,
so individual offsets are only aligned to their element size).
"""
import json
import os
import struct

import numpy as np

_NP = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"), "F64": np.dtype("<f8")}
DTYPE_NAMES = {"f32": "F32", "f16": "F16", "bf16": "BF16"}


def f32_to_bf16_bits(a):
    """Top 16 bits of float32, rounded to nearest even; NaNs stay (quiet) NaNs."""
    u = np.ascontiguousarray(a, dtype="<f4").reshape(-1).view("<u4").astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(np.asarray(a, dtype=np.float32)).reshape(-1)
    rounded[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return rounded.reshape(np.shape(a))


def bf16_bits_to_f32(b):
    b = np.asarray(b, dtype="<u2")
    return (b.reshape(-1).astype("<u4") << 16).view("<f4").reshape(b.shape)


def encode(a, dtype):
    """float array -> (safetensors dtype name, little-endian bytes)."""
    a = np.asarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        with np.errstate(over="ignore"):  # out of range -> inf, as torch does
            return a.astype("<f2").tobytes()
    if dtype == "BF16":
        return f32_to_bf16_bits(a).tobytes()
    raise ValueError("unsupported dtype %s" % dtype)


def save_file(tensors, path, dtype="F32", metadata=None):
    """tensors: {name: float array}. All tensors are written with one dtype, one at a time (a multi-GB
    checkpoint is not held twice)."""
    item = {"F32": 4, "F16": 2, "BF16": 2}[dtype]
    header, offset = {}, 0
    for name in sorted(tensors):
        shape = list(np.shape(tensors[name]))
        size = item * int(np.prod(shape, dtype=np.int64))
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-(8 + len(text))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in sorted(tensors):
            f.write(encode(tensors[name], dtype))
    return offset


def read_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n).decode("utf-8")), 8 + n


def load_file(path):
    """{name: float32 array} (F64 stays float64); validates offsets and sizes."""
    header, start = read_header(path)
    size = os.path.getsize(path) - start
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=start, shape=(size,)) if size else np.zeros(0, np.uint8)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        if dt not in _NP:
            raise ValueError("%s: unsupported dtype %s" % (name, dt))
        b, e = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if not (0 <= b <= e <= size) or e - b != count * _NP[dt].itemsize:
            raise ValueError("%s: bad data_offsets %s for shape %s %s" % (name, [b, e], info["shape"], dt))
        a = np.frombuffer(raw[b:e].tobytes(), dtype=_NP[dt]).reshape(info["shape"])
        if dt == "BF16":
            a = bf16_bits_to_f32(a).reshape(info["shape"])
        elif dt == "F16":
            a = a.astype(np.float32)
        out[name] = np.array(a)
    return out


def save_sharded(tensors, directory, shards, dtype="F32"):
    """model-0000i-of-0000N.safetensors + model.safetensors.index.json, split by bytes in name order."""
    names = sorted(tensors)
    item = {"F32": 4, "F16": 2, "BF16": 2}[dtype]
    sizes = [int(np.asarray(tensors[n]).size) * item for n in names]
    total = sum(sizes)
    shards = max(1, min(shards, len(names)))
    groups, acc = [[]], 0
    for idx, (n, sz) in enumerate(zip(names, sizes)):
        if groups[-1] and len(groups) < shards:
            # next shard once this one holds its share of bytes, or when every remaining
            # tensor is needed to keep the remaining shards non-empty
            if acc >= total * len(groups) / shards or len(names) - idx <= shards - len(groups):
                groups.append([])
        groups[-1].append(n)
        acc += sz
    weight_map = {}
    for i, g in enumerate(groups):
        fname = "model-%05d-of-%05d.safetensors" % (i + 1, shards)
        save_file({n: tensors[n] for n in g}, os.path.join(directory, fname), dtype)
        for n in g:
            weight_map[n] = fname
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")
    return index


def load_dir(directory):
    """Weights of a Hugging Face model directory: single file, sharded, or pytorch_model.bin."""
    single = os.path.join(directory, "model.safetensors")
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(single):
        return load_file(single)
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        out = {}
        for fname in sorted(set(weight_map.values())):
            part = load_file(os.path.join(directory, fname))
            for n, a in part.items():
                if weight_map.get(n) != fname:
                    raise ValueError("%s found in %s but the index says %s" % (n, fname, weight_map.get(n)))
                out[n] = a
        missing = set(weight_map) - set(out)
        if missing:
            raise ValueError("index lists tensors not in any shard: %s" % sorted(missing)[:5])
        return out
    binf = os.path.join(directory, "pytorch_model.bin")
    if os.path.exists(binf):
        import torch
        sd = torch.load(binf, map_location="cpu")
        return {k: v.float().numpy() for k, v in sd.items()}
    raise FileNotFoundError("no model.safetensors, model.safetensors.index.json or pytorch_model.bin in %s" % directory)
