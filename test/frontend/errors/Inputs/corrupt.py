#!/usr/bin/env -S /usr/bin/python3
"""Write a tiny, valid BiT checkpoint directory, then break it on purpose.

    corrupt.py [--case NAME] [--layer-type preactivation|bottleneck] [--dtype F32|F16|BF16]
               [--set KEY=JSON]... [--unset KEY]... OUT_DIR
    corrupt.py --list

Standard library only (no numpy, no torch), so the frontend error tests do not depend on the
PyTorch reference. The checkpoint: embedding 8, hidden_sizes [16, 32], depths [1, 1], 2 groups,
3 labels, 32x32 crop; tensors in name order, back to back, header padded to 8 bytes.
--set/--unset edit config.json after the case is applied (values are JSON: --set depths='"3"').
"""
import argparse
import json
import os
import struct
import sys

CONFIG = {
    "architectures": ["BitForImageClassification"],
    "model_type": "bit",
    "num_channels": 3,
    "embedding_size": 8,
    "hidden_sizes": [16, 32],
    "depths": [1, 1],
    "layer_type": "preactivation",
    "hidden_act": "relu",
    "global_padding": None,
    "embedding_dynamic_padding": False,
    "num_groups": 2,
    "output_stride": 32,
    "width_factor": 1,
    "drop_path_rate": 0.0,
    "id2label": {"0": "cat", "1": "dog", "2": "bird"},
    "label2id": {"cat": 0, "dog": 1, "bird": 2},
    "torch_dtype": "float32",
    "transformers_version": "4.40.0",
}

PREPROCESSOR = {
    "do_resize": True, "size": {"shortest_edge": 32}, "resample": 2,
    "do_center_crop": True, "crop_size": {"height": 32, "width": 32},
    "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
    "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_convert_rgb": True,
    "image_processor_type": "BitImageProcessor",
}

ELEMENT_SIZE = {"F32": 4, "F16": 2, "BF16": 2}


def make_div(v, divisor=8):
    n = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return n + divisor if n < 0.9 * v else n


def expected_tensors(cfg):
    """(name, shape) of BitForImageClassification's state dict (docs/bit-model.md section 4)."""
    preact = cfg["layer_type"] == "preactivation"
    emb = cfg["embedding_size"]
    out = [("bit.embedder.convolution.weight", [emb, cfg["num_channels"], 7, 7])]
    if not preact:
        out += [("bit.embedder.norm.weight", [emb]), ("bit.embedder.norm.bias", [emb])]
    cin = emb
    for s, (depth, hidden) in enumerate(zip(cfg["depths"], cfg["hidden_sizes"])):
        width = make_div(hidden * cfg["width_factor"])
        mid = make_div(width * 0.25)
        for l in range(depth):
            p = "bit.encoder.stages.%d.layers.%d." % (s, l)
            lin = cin if l == 0 else width
            if l == 0:
                out.append((p + "downsample.conv.weight", [width, lin, 1, 1]))
                if not preact:
                    out += [(p + "downsample.norm.weight", [width]), (p + "downsample.norm.bias", [width])]
            norms = [lin, mid, mid] if preact else [mid, mid, width]
            convs = [[mid, lin, 1, 1], [mid, mid, 3, 3], [width, mid, 1, 1]]
            for i in range(3):
                out += [(p + "norm%d.weight" % (i + 1), [norms[i]]), (p + "norm%d.bias" % (i + 1), [norms[i]])]
                out.append((p + "conv%d.weight" % (i + 1), convs[i]))
        cin = width
    if preact:
        out += [("bit.norm.weight", [cin]), ("bit.norm.bias", [cin])]
    labels = len(cfg["id2label"])
    out += [("classifier.1.weight", [labels, cin]), ("classifier.1.bias", [labels])]
    return out


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def tensor_bytes(name, shape, dtype, seed):
    """Deterministic small values; norm weights near 1 so the model is well behaved."""
    n = numel(shape)
    state = (seed * 2654435761 + 12345) & 0xFFFFFFFF
    values = []
    for _ in range(n):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        values.append((state / 2**32 - 0.5) * 0.2)
    if name.endswith("norm.weight") or ".norm" in name and name.endswith(".weight"):
        values = [1.0 + v for v in values]
    if dtype == "F32":
        return struct.pack("<%df" % n, *values)
    if dtype == "F16":
        return struct.pack("<%de" % n, *values)
    # BF16: top half of the float32 bits, rounded to nearest even.
    out = bytearray()
    for v in values:
        u = struct.unpack("<I", struct.pack("<f", v))[0]
        u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        out += struct.pack("<H", u & 0xFFFF)
    return bytes(out)


def header_and_data(tensors, dtype):
    """{name: entry} (insertion order = data order) and the data section."""
    header, data = {}, bytearray()
    for i, (name, shape) in enumerate(sorted(tensors)):
        b = tensor_bytes(name, shape, dtype, i)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    return header, bytes(data)


def encode_header(header, metadata=True):
    h = dict(header)
    if metadata:
        h = {"__metadata__": {"format": "pt"}, **h}
    text = json.dumps(h, separators=(",", ":")).encode()
    return text + b" " * ((-(8 + len(text))) % 8)


def safetensors(header_text, data):
    return struct.pack("<Q", len(header_text)) + header_text + data


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)


# ---------------------------------------------------------------------------------------------
# Cases. Each gets (out_dir, cfg, header, data, dtype) after the valid checkpoint and
# preprocessor config are planned, and writes whatever it wants. Returning normally means "write
# model.safetensors from header/data"; returning False means the case wrote the weights itself.
# ---------------------------------------------------------------------------------------------

CONV2 = "bit.encoder.stages.1.layers.0.conv2.weight"
CONV1 = "bit.encoder.stages.0.layers.0.conv1.weight"


def case_valid(out, cfg, header, data, dtype):
    pass


def case_missing_config(out, cfg, header, data, dtype):
    os.remove(os.path.join(out, "config.json"))


def case_config_bad_json(out, cfg, header, data, dtype):
    text = json.dumps(cfg, indent=2)
    write(os.path.join(out, "config.json"), text[: len(text) // 2].encode())


def case_config_not_object(out, cfg, header, data, dtype):
    write(os.path.join(out, "config.json"), b'["BitConfig"]\n')


def case_config_duplicate_key(out, cfg, header, data, dtype):
    text = json.dumps(cfg, indent=2)
    text = text.replace('"depths": [', '"depths": [1, 1],\n  "depths": [', 1)
    write(os.path.join(out, "config.json"), text.encode())


def case_config_duplicate_label(out, cfg, header, data, dtype):
    text = json.dumps(cfg, indent=2).replace('"0": "cat",', '"0": "cat",\n    "0": "kitten",', 1)
    write(os.path.join(out, "config.json"), text.encode())


def case_config_deep(out, cfg, header, data, dtype):
    text = json.dumps(cfg)[:-1] + ', "x": ' + "[" * 100000 + "]" * 100000 + "}"
    write(os.path.join(out, "config.json"), text.encode())


def case_preprocessor_bad(out, cfg, header, data, dtype):
    p = dict(PREPROCESSOR, resample="bilinear")
    write_json(os.path.join(out, "preprocessor_config.json"), p)


def case_short_file(out, cfg, header, data, dtype):
    write(os.path.join(out, "model.safetensors"), b"\x10\x00\x00")
    return False


def case_truncated_header(out, cfg, header, data, dtype):
    full = safetensors(encode_header(header), data)
    write(os.path.join(out, "model.safetensors"), full[: 8 + 100])
    return False


def case_truncated_data(out, cfg, header, data, dtype):
    full = safetensors(encode_header(header), data)
    write(os.path.join(out, "model.safetensors"), full[:-10])
    return False


def case_header_length_zero(out, cfg, header, data, dtype):
    write(os.path.join(out, "model.safetensors"), struct.pack("<Q", 0) + encode_header(header) + data)
    return False


def case_header_length_huge(out, cfg, header, data, dtype):
    write(os.path.join(out, "model.safetensors"), struct.pack("<Q", 1 << 63) + encode_header(header) + data)
    return False


def case_header_length_max(out, cfg, header, data, dtype):
    write(os.path.join(out, "model.safetensors"), struct.pack("<Q", 2**64 - 1) + encode_header(header) + data)
    return False


def case_header_bad_json(out, cfg, header, data, dtype):
    text = encode_header(header)
    broken = text.replace(b'"dtype":', b'"dtype"=', 1)
    write(os.path.join(out, "model.safetensors"), safetensors(broken, data))
    return False


def case_header_not_object(out, cfg, header, data, dtype):
    text = json.dumps(list(header)).encode()
    write(os.path.join(out, "model.safetensors"), safetensors(text, data))
    return False


def case_header_deep(out, cfg, header, data, dtype):
    text = b"[" * 1000000
    write(os.path.join(out, "model.safetensors"), safetensors(text, data))
    return False


def case_duplicate_tensor(out, cfg, header, data, dtype):
    text = encode_header(header).rstrip()
    entry = json.dumps(header[CONV1], separators=(",", ":"))
    text = text[:-1] + (',"%s":%s}' % (CONV1, entry)).encode()
    write(os.path.join(out, "model.safetensors"), safetensors(text, data))
    return False


def case_offsets_out_of_range(out, cfg, header, data, dtype):
    last = max(header, key=lambda n: header[n]["data_offsets"][1])
    b, e = header[last]["data_offsets"]
    header[last]["data_offsets"] = [b + 64, e + 64]


def case_offsets_reversed(out, cfg, header, data, dtype):
    b, e = header[CONV2]["data_offsets"]
    header[CONV2]["data_offsets"] = [e, b]


def case_offsets_overlap(out, cfg, header, data, dtype):
    # conv2 of stage 1 ([8, 8, 3, 3]) made to start 8 bytes early.
    b, e = header[CONV2]["data_offsets"]
    header[CONV2]["data_offsets"] = [b - 8, e - 8]


def case_offsets_huge(out, cfg, header, data, dtype):
    header[CONV2]["data_offsets"] = [2**64 - 16, 2**64 - 1]


def case_unknown_dtype(out, cfg, header, data, dtype):
    header[CONV1]["dtype"] = "I64"


def case_negative_shape(out, cfg, header, data, dtype):
    header[CONV1]["shape"] = [-8, 8, 1, 1]


def case_numel_overflow(out, cfg, header, data, dtype):
    header[CONV1]["shape"] = [2**32, 2**32, 1, 1]


def case_byte_length_mismatch(out, cfg, header, data, dtype):
    header[CONV1]["shape"] = [8, 8, 1, 2]


def case_wrong_shape(out, cfg, header, data, dtype):
    # Same number of bytes, different layout: only the schema can tell.
    header[CONV2]["shape"] = [8, 8, 9, 1]


def case_missing_and_unexpected(out, cfg, header, data, dtype):
    header["bit.encoder.stages.0.layers.0.conv_1.weight"] = header.pop(CONV1)
    del header["bit.norm.bias"]


def case_wrong_layer_type(out, cfg, header, data, dtype):
    cfg["layer_type"] = "bottleneck"


def case_metadata_not_strings(out, cfg, header, data, dtype):
    text = encode_header(header).replace(b'{"format":"pt"}', b'{"format":1234}', 1)
    write(os.path.join(out, "model.safetensors"), safetensors(text, data))
    return False


def case_empty_file(out, cfg, header, data, dtype):
    write(os.path.join(out, "model.safetensors"), b"")
    return False


def case_length_only(out, cfg, header, data, dtype):
    # Cut right after the 8-byte header length.
    full = safetensors(encode_header(header), data)
    write(os.path.join(out, "model.safetensors"), full[:8])
    return False


def case_header_only(out, cfg, header, data, dtype):
    # Cut right after the JSON header: no tensor data at all.
    text = encode_header(header)
    write(os.path.join(out, "model.safetensors"), safetensors(text, b""))
    return False


def case_truncated_mid_data(out, cfg, header, data, dtype):
    # Cut in the middle of the data section: every later tensor is gone.
    write(os.path.join(out, "model.safetensors"), safetensors(encode_header(header), data[: len(data) // 2]))
    return False


def case_misaligned(out, cfg, header, data, dtype):
    # The header padded to 8k+1 bytes: every tensor starts at an odd file
    # offset (valid safetensors; the data must be copied, not viewed).
    text = encode_header(header) + b" "
    write(os.path.join(out, "model.safetensors"), safetensors(text, data))
    return False


def case_entry_duplicate_key(out, cfg, header, data, dtype):
    text = encode_header(header)
    entry = json.dumps(header[CONV1], separators=(",", ":")).encode()
    doubled = entry.replace(b'"dtype":', b'"dtype":"F16","dtype":', 1)
    write(os.path.join(out, "model.safetensors"), safetensors(text.replace(entry, doubled, 1), data))
    return False


def case_metadata_duplicate_key(out, cfg, header, data, dtype):
    text = encode_header(header).replace(b'{"format":"pt"}', b'{"format":"pt","format":"np"}', 1)
    write(os.path.join(out, "model.safetensors"), safetensors(text, data))
    return False


def case_made_up_dtype(out, cfg, header, data, dtype):
    header[CONV1]["dtype"] = "F33"


def case_dtype_not_string(out, cfg, header, data, dtype):
    header[CONV1]["dtype"] = 32


def case_entry_not_object(out, cfg, header, data, dtype):
    header[CONV1] = [header[CONV1]["dtype"], header[CONV1]["shape"]]


def case_entry_missing_dtype(out, cfg, header, data, dtype):
    del header[CONV1]["dtype"]


def case_entry_missing_shape(out, cfg, header, data, dtype):
    del header[CONV1]["shape"]


def case_entry_missing_offsets(out, cfg, header, data, dtype):
    del header[CONV1]["data_offsets"]


def case_offsets_negative(out, cfg, header, data, dtype):
    b, e = header[CONV1]["data_offsets"]
    header[CONV1]["data_offsets"] = [-256, e - b - 256]


def case_offsets_three(out, cfg, header, data, dtype):
    header[CONV1]["data_offsets"] = header[CONV1]["data_offsets"] + [0]


def set_values(header, data, name, values):
    """Overwrites the first elements of tensor `name` (F32 only)."""
    b, _ = header[name]["data_offsets"]
    raw = bytearray(data)
    raw[b:b + 4 * len(values)] = struct.pack("<%df" % len(values), *values)
    return bytes(raw)


def case_nonfinite(out, cfg, header, data, dtype):
    # conv1: a NaN at index 0 and an infinity; classifier bias: -inf at 2.
    data = set_values(header, data, CONV1, [float("nan"), 0.5, float("inf")])
    data = set_values(header, data, "classifier.1.bias", [0.0, 0.0, float("-inf")])
    write(os.path.join(out, "model.safetensors"), safetensors(encode_header(header), data))
    return False


def case_config_empty(out, cfg, header, data, dtype):
    write(os.path.join(out, "config.json"), b"")


def case_config_is_directory(out, cfg, header, data, dtype):
    os.remove(os.path.join(out, "config.json"))
    os.mkdir(os.path.join(out, "config.json"))


def case_weights_are_directory(out, cfg, header, data, dtype):
    os.mkdir(os.path.join(out, "model.safetensors"))
    return False


def case_preprocessor_is_directory(out, cfg, header, data, dtype):
    os.remove(os.path.join(out, "preprocessor_config.json"))
    os.mkdir(os.path.join(out, "preprocessor_config.json"))


def case_weights_dangling_link(out, cfg, header, data, dtype):
    # A Hugging Face cache snapshot whose blob was deleted.
    os.symlink("../blobs/0123abcd", os.path.join(out, "model.safetensors"))
    return False


def case_preprocessor_dangling_link(out, cfg, header, data, dtype):
    os.remove(os.path.join(out, "preprocessor_config.json"))
    os.symlink("../blobs/4567ef", os.path.join(out, "preprocessor_config.json"))


def write_shards(out, header, data, count=2):
    names = list(header)  # data order
    per = (len(names) + count - 1) // count
    weight_map = {}
    for k in range(count):
        chunk = names[k * per:(k + 1) * per]
        shard = "model-%05d-of-%05d.safetensors" % (k + 1, count)
        h, d = {}, bytearray()
        for n in chunk:
            b, e = header[n]["data_offsets"]
            h[n] = dict(header[n], data_offsets=[len(d), len(d) + e - b])
            d += data[b:e]
            weight_map[n] = shard
        write(os.path.join(out, shard), safetensors(encode_header(h), bytes(d)))
    index = {"metadata": {"total_size": len(data)}, "weight_map": weight_map}
    write_json(os.path.join(out, "model.safetensors.index.json"), index)
    return index


def case_sharded(out, cfg, header, data, dtype):
    write_shards(out, header, data)
    return False


def case_sharded_missing_shard(out, cfg, header, data, dtype):
    write_shards(out, header, data)
    os.remove(os.path.join(out, "model-00002-of-00002.safetensors"))
    return False


def case_sharded_wrong_map(out, cfg, header, data, dtype):
    index = write_shards(out, header, data)
    index["weight_map"]["classifier.1.bias"] = "model-00001-of-00002.safetensors"
    write_json(os.path.join(out, "model.safetensors.index.json"), index)
    return False


def case_sharded_truncated_shard(out, cfg, header, data, dtype):
    write_shards(out, header, data)
    path = os.path.join(out, "model-00002-of-00002.safetensors")
    with open(path, "rb") as f:
        shard = f.read()
    write(path, shard[:-4])
    return False


def case_sharded_index_bad_json(out, cfg, header, data, dtype):
    write_shards(out, header, data)
    write(os.path.join(out, "model.safetensors.index.json"), b'{"weight_map": {')
    return False


def case_sharded_bad_index(out, cfg, header, data, dtype):
    write_shards(out, header, data)
    write_json(os.path.join(out, "model.safetensors.index.json"), {"weight_map": ["model-00001-of-00002"]})
    return False


def case_pytorch_bin_only(out, cfg, header, data, dtype):
    write(os.path.join(out, "pytorch_model.bin"), b"PK\x03\x04")
    return False


def case_no_weights(out, cfg, header, data, dtype):
    return False


CASES = {name[len("case_"):].replace("_", "-"): fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?")
    ap.add_argument("--case", default="valid", choices=sorted(CASES))
    ap.add_argument("--layer-type", default="preactivation")
    ap.add_argument("--dtype", default="F32", choices=sorted(ELEMENT_SIZE))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    ap.add_argument("--unset", action="append", default=[], metavar="KEY")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        print("\n".join(sorted(CASES)))
        return 0
    if not args.out:
        ap.error("OUT_DIR is required")

    os.makedirs(args.out, exist_ok=True)
    cfg = json.loads(json.dumps(CONFIG))
    cfg["layer_type"] = args.layer_type
    header, data = header_and_data(expected_tensors(cfg), args.dtype)
    write_json(os.path.join(args.out, "config.json"), cfg)
    write_json(os.path.join(args.out, "preprocessor_config.json"), PREPROCESSOR)

    if CASES[args.case](args.out, cfg, header, data, args.dtype) is not False:
        write(os.path.join(args.out, "model.safetensors"), safetensors(encode_header(header), data))

    if args.set or args.unset or args.case == "wrong-layer-type":
        path = os.path.join(args.out, "config.json")
        for item in args.set:
            key, _, value = item.partition("=")
            cfg[key] = json.loads(value)
        for key in args.unset:
            cfg.pop(key, None)
        write_json(path, cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
