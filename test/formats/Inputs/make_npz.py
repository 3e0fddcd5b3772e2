#!/usr/bin/env -S /usr/bin/python3
"""Rewrite a Google-layout .npz (from make_checkpoint.py --format npz) in other numpy encodings.

    make_npz.py IN.npz OUT.npz [--fortran] [--f16] [--version 1|2|3] [--compressed]
    make_npz.py IN.npz OUT.npz --case NAME        # a broken file, for the error tests

--fortran     every array of rank >= 2 stored column-major (fortran_order: True)
--f16         every array stored as float16 ('<f2'); the values are rounded, so compare with
              logits computed from OUT (run_reference.py reads the .npz with numpy)
--version V   .npy header version V.0 (numpy picks 1.0 unless told; 3.0 = utf8 header)
--compressed  zip entries deflated (numpy.savez_compressed)
Error cases: f64 (one array '<f8'), big-endian ('>f4'), truncated-array (an .npy cut short),
bad-header (header not a dict), unknown-name (an array with a name outside Google's scheme),
missing (the head bias left out), not-npy (an entry that is not .npy), not-zip (random bytes).
"""
import argparse
import io
import sys
import zipfile

import numpy as np


def npy_bytes(a, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, version=version, allow_pickle=False)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--fortran", action="store_true")
    ap.add_argument("--f16", action="store_true")
    ap.add_argument("--version", type=int, choices=[1, 2, 3])
    ap.add_argument("--compressed", action="store_true")
    ap.add_argument("--case")
    args = ap.parse_args()
    with np.load(args.src) as z:
        arrays = {k: z[k] for k in z.files}
    version = (args.version, 0) if args.version else None
    entries = {}
    for k, a in arrays.items():
        if args.f16:
            a = a.astype("<f2")
        if args.fortran and a.ndim >= 2:
            a = np.asfortranarray(a)
        entries[k + ".npy"] = npy_bytes(a, version)
    first = sorted(arrays)[0]
    case = args.case
    if case == "f64":
        entries[first + ".npy"] = npy_bytes(arrays[first].astype("<f8"))
    elif case == "big-endian":
        entries[first + ".npy"] = npy_bytes(arrays[first].astype(">f4"))
    elif case == "truncated-array":
        entries[first + ".npy"] = entries[first + ".npy"][:-10]
    elif case == "bad-header":
        b = bytearray(entries[first + ".npy"])
        b[10] = ord("[")
        entries[first + ".npy"] = bytes(b)
    elif case == "unknown-name":
        entries["resnet/extra/thing.npy"] = npy_bytes(np.zeros(3, np.float32))
    elif case == "missing":
        del entries["resnet/head/conv2d/bias.npy"]
    elif case == "not-npy":
        entries["README.txt"] = b"hello"
    elif case == "not-zip":
        open(args.out, "wb").write(b"\x93NUMPY not a zip archive at all" * 4)
        return 0
    elif case:
        raise SystemExit("unknown case %s" % case)
    method = zipfile.ZIP_DEFLATED if args.compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(args.out, "w", compression=method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
