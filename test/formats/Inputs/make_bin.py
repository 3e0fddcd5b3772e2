#!/usr/bin/env -S /usr/bin/python3
"""Rewrite a safetensors checkpoint directory as pytorch_model.bin in awkward layouts.

    make_bin.py SRC_DIR OUT_DIR --layout plain|views|sharded|deflated [--shards N]
    make_bin.py SRC_DIR OUT_DIR --case NAME         # a broken file, for the error tests

SRC_DIR comes from make_checkpoint.py (safetensors, --emit-test-io); OUT_DIR gets its config,
preprocessor config, input.f32 and expected.f32 (the reference logits of the same weights) and
the weights written by Debian's torch.save:
  plain     one pytorch_model.bin, every tensor contiguous with its own storage
  views     shared storages and non-contiguous tensors: every conv weight a permuted view of
            a contiguous [I, O, H, W] tensor, each group norm's weight and bias slices of one
            storage (storage offsets), the classifier weight the transpose of a [C, L] tensor,
            the classifier bias a strided view (stride 2) of a longer storage
  sharded   pytorch_model-0000i-of-0000N.bin + pytorch_model.bin.index.json (N = --shards)
  deflated  like plain, but the zip entries compressed (zipfile.ZIP_DEFLATED)
Error cases (--case) write one broken pytorch_model.bin:
  truncated           the file cut in half (no end of central directory)
  truncated-storage   the central directory intact, storage 0 cut after 16 bytes
  bad-opcode          data.pkl with an opcode torch.save never writes (INT, 'I')
  bad-memo            data.pkl reading a memo slot that was never stored
  deep-nesting        data.pkl nesting tuples 100 levels deep
  out-of-bounds       a tensor view reaching past the end of its storage
  storage-numel-mismatch  the views layout, the second tensor of a shared storage stating
                      one element more than the storage holds (libFuzzer's torch-pickle find)
  missing-storage     data.pkl naming a storage the archive does not hold
  double              a float64 tensor (DoubleStorage)
  not-a-dict          torch.save of a list of tensors
  crc                 one byte of a storage flipped (CRC-32 mismatch)
  bad-deflate         a deflated data.pkl whose stream is garbage
  legacy              torch.save(..., _use_new_zipfile_serialization=False)
  stored-method       an entry compressed with bzip2 (method 12)
"""
import argparse
import io
import json
import os
import pickletools
import shutil
import sys
import zipfile
import zlib
from collections import OrderedDict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reference"))
import safetensors_io  # noqa: E402


def load(src):
    return OrderedDict((k, torch.from_numpy(v.copy()))
                       for k, v in sorted(safetensors_io.load_dir(src).items()))


def copy_side_files(src, out):
    os.makedirs(out, exist_ok=True)
    for f in ("config.json", "preprocessor_config.json", "input.f32", "expected.f32", "io.json"):
        if os.path.exists(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), os.path.join(out, f))


def views(sd):
    """Same values, awkward storage: shared storages, offsets, permuted and strided views."""
    out = OrderedDict()
    groups = {}
    for name, t in sd.items():
        if t.dim() == 4:  # an [I, O, H, W] tensor viewed as OIHW: non-contiguous
            out[name] = t.permute(1, 0, 2, 3).contiguous().permute(1, 0, 2, 3)
            assert not out[name].is_contiguous()
        elif name == "classifier.1.weight":
            out[name] = t.t().contiguous().t()
            assert not out[name].is_contiguous()
        elif name == "classifier.1.bias":
            wide = torch.zeros(2 * t.numel() + 3)
            wide[3::2] = t
            out[name] = wide[3::2]
            assert out[name].stride() == (2,) and out[name].storage_offset() == 3
        elif name.endswith(".weight") or name.endswith(".bias"):
            groups.setdefault(name.rsplit(".", 1)[0], {})[name.rsplit(".", 1)[1]] = t
            out[name] = None  # filled below, keeping the order
        else:
            out[name] = t
    for prefix, parts in groups.items():
        w, b = parts["weight"], parts["bias"]
        both = torch.cat([b, w])  # one storage: bias at offset 0, weight at offset C
        out[prefix + ".bias"] = both[:b.numel()]
        out[prefix + ".weight"] = both[b.numel():]
        assert out[prefix + ".weight"].storage_offset() == b.numel()
    for name, t in sd.items():
        assert torch.equal(out[name], t), name
    return out


def rezip(path, replace=None, compression=None):
    """Rewrite a torch.save zip, optionally replacing entries (name suffix -> bytes)."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in items:
            for suffix, new in (replace or {}).items():
                if info.filename.endswith(suffix):
                    data = new
            info.compress_type = compression if compression is not None else info.compress_type
            z.writestr(info, data)


def pickle_of(path):
    with zipfile.ZipFile(path) as z:
        name = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
        return z.read(name)


def write_case(case, sd, path):
    if case in ("truncated", "truncated-storage", "bad-opcode", "bad-memo", "deep-nesting",
                "out-of-bounds", "missing-storage", "crc", "bad-deflate", "stored-method"):
        torch.save(sd, path)
    if case == "truncated":
        data = open(path, "rb").read()
        open(path, "wb").write(data[:len(data) // 2])
    elif case == "truncated-storage":
        # Move the central directory (and the zip64 records torch writes after it) over the
        # tail of the last storage: every header still parses, but the storage's bytes run
        # past the point where the file now ends.
        data = open(path, "rb").read()
        eocd = data.rfind(b"PK\x05\x06")
        cd_size = int.from_bytes(data[eocd + 12:eocd + 16], "little")
        cd_off = int.from_bytes(data[eocd + 16:eocd + 20], "little")
        with zipfile.ZipFile(path) as z:
            big = [i for i in z.infolist() if i.filename.endswith("/data/0")][0]  # read first
        cut = big.header_offset + 30 + len(big.filename.encode()) + \
            int.from_bytes(data[big.header_offset + 28:big.header_offset + 30], "little") + 16
        assert big.file_size > len(data) - cd_off + 16
        shift = cd_off - cut
        tail = bytearray(data[cd_off + cd_size:])
        tail[-6:-2] = cut.to_bytes(4, "little")
        z64 = tail.find(b"PK\x06\x06")
        if z64 >= 0:
            tail[z64 + 48:z64 + 56] = cut.to_bytes(8, "little")
            loc = tail.find(b"PK\x06\x07")
            old = int.from_bytes(tail[loc + 8:loc + 16], "little")
            tail[loc + 8:loc + 16] = (old - shift).to_bytes(8, "little")
        open(path, "wb").write(data[:cut] + data[cd_off:cd_off + cd_size] + bytes(tail))
    elif case == "bad-opcode":
        pkl = pickle_of(path)
        assert pkl[:2] == b"\x80\x02"
        rezip(path, {"/data.pkl": pkl[:2] + b"I7\n0" + pkl[2:]})  # INT 7, POP
    elif case == "bad-memo":
        pkl = pickle_of(path)
        rezip(path, {"/data.pkl": pkl[:2] + b"h\xc8" + b"0" + pkl[2:]})  # BINGET 200, POP
    elif case == "deep-nesting":
        pkl = pickle_of(path)
        rezip(path, {"/data.pkl": pkl[:2] + b")" + b"\x85" * 100 + b"0" + pkl[2:]})
    elif case == "out-of-bounds":
        pkl = pickle_of(path)
        # The first tensor's storage offset (BININT1 0 right after BINPERSID) becomes 1.
        at = pkl.index(b"QK\x00")
        rezip(path, {"/data.pkl": pkl[:at] + b"QK\x01" + pkl[at + 3:]})
    elif case == "storage-numel-mismatch":
        torch.save(views(sd), path)
        pkl = pickle_of(path)
        # A repeated storage's persistent id is five memo reads (BINGET) and its element
        # count; the first one's count grows by one, as a BININT.
        ops = list(pickletools.genops(pkl))
        for i, (op, _, _) in enumerate(ops):
            if op.name == "BINPERSID" and all(o.name == "BINGET" for o, _, _ in ops[i - 7:i - 3]):
                numel_op, numel, at = ops[i - 3]
                assert numel_op.name in ("BININT1", "BININT2", "BININT")
                end = ops[i - 2][2]
                new = b"J" + (numel + 1).to_bytes(4, "little")
                rezip(path, {"/data.pkl": pkl[:at] + new + pkl[end:]})
                break
        else:
            raise SystemExit("no shared storage in the views layout")
    elif case == "missing-storage":
        pkl = pickle_of(path)
        at = pkl.index(b"X\x01\x00\x00\x000")  # storage key '0'
        rezip(path, {"/data.pkl": pkl[:at] + b"X\x01\x00\x00\x00Z" + pkl[at + 6:]})
    elif case == "double":
        sd = OrderedDict(sd)
        first = next(iter(sd))
        sd[first] = sd[first].double()
        torch.save(sd, path)
    elif case == "not-a-dict":
        torch.save(list(sd.values()), path)
    elif case == "crc":
        data = bytearray(open(path, "rb").read())
        with zipfile.ZipFile(path) as z:
            info = [i for i in z.infolist() if "/data/" in i.filename][0]
        start = info.header_offset + 30 + len(info.filename.encode()) + \
            int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
        data[start] ^= 0x40
        open(path, "wb").write(bytes(data))
    elif case == "bad-deflate":
        rezip(path, compression=zipfile.ZIP_DEFLATED)
        data = bytearray(open(path, "rb").read())
        with zipfile.ZipFile(path) as z:
            info = [i for i in z.infolist() if i.filename.endswith("/data.pkl")][0]
        start = info.header_offset + 30 + len(info.filename.encode()) + \
            int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
        data[start:start + 4] = b"\xff\xff\xff\xff"
        open(path, "wb").write(bytes(data))
    elif case == "legacy":
        torch.save(sd, path, _use_new_zipfile_serialization=False)
    elif case == "stored-method":
        rezip(path, compression=zipfile.ZIP_BZIP2)
    else:
        raise SystemExit("unknown case %s" % case)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--layout", choices=["plain", "views", "sharded", "deflated"], default="plain")
    ap.add_argument("--shards", type=int, default=3)
    ap.add_argument("--case")
    args = ap.parse_args()
    sd = load(args.src)
    copy_side_files(args.src, args.out)
    path = os.path.join(args.out, "pytorch_model.bin")
    if args.case:
        write_case(args.case, sd, path)
        return 0
    if args.layout == "plain":
        torch.save(sd, path)
    elif args.layout == "views":
        torch.save(views(sd), path)
    elif args.layout == "deflated":
        torch.save(sd, path)
        rezip(path, compression=zipfile.ZIP_DEFLATED)
    elif args.layout == "sharded":
        names = list(sd)
        n = max(1, min(args.shards, len(names)))
        weight_map = {}
        for i in range(n):
            fname = "pytorch_model-%05d-of-%05d.bin" % (i + 1, n)
            part = OrderedDict((k, sd[k]) for k in names[i::n])
            torch.save(part, os.path.join(args.out, fname))
            weight_map.update({k: fname for k in part})
        total = sum(t.numel() * t.element_size() for t in sd.values())
        with open(os.path.join(args.out, "pytorch_model.bin.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
