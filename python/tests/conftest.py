"""Shared fixtures: models compiled once per session with the bitc under
test ($BITC, else the repository's build/bin/bitc) into a temporary directory."""

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REFERENCE = os.path.join(ROOT, "test", "reference")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, REFERENCE)

import bitc  # noqa: E402


class Compiled:
    def __init__(self, checkpoint, library):
        self.checkpoint, self.library = checkpoint, library


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """tiny-preact (3x64x64, 10 labels) with 3 reference images, as libtp.so."""
    out = tmp_path_factory.mktemp("tiny")
    checkpoint = out / "m"
    subprocess.run([sys.executable, os.path.join(REFERENCE, "make_checkpoint.py"), "--preset",
                    "tiny-preact", "--out", str(checkpoint), "--emit-test-io", "3"],
                   check=True, stdout=subprocess.DEVNULL)
    library = bitc.compile(checkpoint, out / "libtp.so", name="tp", quiet=True)
    return Compiled(checkpoint, library)


@pytest.fixture(scope="session")
def digits(tmp_path_factory):
    """The bundled models/bit-digits, as libdigits.so."""
    out = tmp_path_factory.mktemp("digits")
    checkpoint = os.path.join(ROOT, "models", "bit-digits")
    return Compiled(checkpoint, bitc.compile(checkpoint, out / "libdigits.so", name="digits", quiet=True))


def reference_io(checkpoint):
    """(input [N, C, H, W], expected logits [N, L]) written by --emit-test-io."""
    import json
    io = json.load(open(os.path.join(checkpoint, "io.json")))
    x = np.fromfile(os.path.join(checkpoint, io["input"]), "<f4").reshape(io["input_shape"])
    y = np.fromfile(os.path.join(checkpoint, io["expected"]), "<f4").reshape(io["expected_shape"])
    return x, y
