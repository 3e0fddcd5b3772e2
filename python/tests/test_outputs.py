"""bitc.Model on a multi-output BitModel (no classifier): forward returns a
dict by output name, each output against the PyTorch reference; embed returns
pooler_output."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import bitc
from compare import compare_outputs
from conftest import REFERENCE, ROOT, reference_io

OUTPUTS = "stage2,pooler_output"


@pytest.fixture(scope="module")
def bitmodel(tmp_path_factory):
    """tiny-preact saved as BitModel, outputs stage2 ([64, 8, 8]) then pooler_output ([256])."""
    out = tmp_path_factory.mktemp("bitmodel")
    checkpoint = out / "m"
    subprocess.run([sys.executable, os.path.join(REFERENCE, "make_checkpoint.py"), "--preset", "tiny-preact",
                    "--kind", "model", "--out", str(checkpoint), "--emit-test-io", "3"],
                   check=True, stdout=subprocess.DEVNULL)
    library = bitc.compile(checkpoint, out / "libbm.so", name="bm", outputs=OUTPUTS, quiet=True)
    reference = out / "reference.f32"
    subprocess.run([sys.executable, os.path.join(REFERENCE, "run_reference.py"), str(checkpoint), "--input",
                    str(checkpoint / "input.f32"), "--double", "--quiet", "--outputs", OUTPUTS, "--output",
                    str(reference)], check=True, stdout=subprocess.DEVNULL)
    return checkpoint, library, reference


def test_forward_returns_every_output(bitmodel):
    checkpoint, library, reference = bitmodel
    model = bitc.Model(library)
    assert model.outputs == [("stage2", (64, 8, 8)), ("pooler_output", (256,))]
    assert model.labels == []
    x, _ = reference_io(checkpoint)
    results = model.forward(x)
    assert list(results) == ["stage2", "pooler_output"]
    assert results["stage2"].shape == (3, 64, 8, 8) and results["pooler_output"].shape == (3, 256)
    layout = json.load(open(str(reference) + ".json"))["outputs"]
    actual = np.concatenate([results[o["name"]].ravel() for o in layout])
    for ok, line in compare_outputs(actual, np.fromfile(reference, "<f4"), layout, 1e-4):
        assert ok, line


def test_embed_is_pooler_output(bitmodel):
    _, library, _ = bitmodel
    model = bitc.Model(library)
    image = Image.open(os.path.join(ROOT, "models", "bit-digits", "samples", "digit-3-0918.png"))
    embedding = model.embed(image)
    assert embedding.shape == (256,) and embedding.dtype == np.float32
    pooled = model.forward(model.preprocess(image)[None])["pooler_output"][0]
    np.testing.assert_allclose(embedding, pooled, rtol=0, atol=1e-6 * max(1.0, float(np.abs(pooled).max())))
    # Other layouts go through PIL's convert("RGB") semantics first.
    gray = image.convert("L")
    np.testing.assert_array_equal(model.embed(np.asarray(gray)), model.embed(gray.convert("RGB")))
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    np.testing.assert_array_equal(model.embed(bgr, layout="bgr8"), model.embed(image.convert("RGB")))
