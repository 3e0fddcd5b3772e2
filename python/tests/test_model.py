"""bitc.Model against the PyTorch reference (test/reference), its argument
checks, its errors, and threads."""

import concurrent.futures
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import bitc
from compare import compare
from conftest import ROOT, REFERENCE, reference_io

REL_TOL = 1e-4  # compare.py's default, what the e2e tests use


def test_metadata(tiny):
    model = bitc.Model(tiny.library)
    assert model.name == "tp"
    assert model.input_shape == (3, 64, 64)
    assert model.labels == ["label_%d" % i for i in range(10)]
    assert model.outputs == [("logits", (10,))]


def test_forward_matches_reference(tiny):
    x, expected = reference_io(tiny.checkpoint)
    model = bitc.Model(tiny.library)
    logits = model.forward(x)
    assert logits.shape == (3, 10) and logits.dtype == np.float32
    ok, message = compare(logits, expected, 10, REL_TOL)
    assert ok, message


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_forward_any_batch(tiny, batch):
    x, expected = reference_io(tiny.checkpoint)
    rows = np.arange(batch) % len(x)
    logits = bitc.Model(tiny.library).forward(np.ascontiguousarray(x[rows]))
    ok, message = compare(logits, expected[rows], 10, REL_TOL)
    assert ok, message


def test_classify_matches_reference(digits, tmp_path):
    """bitc's preprocessing + forward vs BitImageProcessor + the PyTorch model."""
    samples = os.path.join(digits.checkpoint, "samples")
    images = sorted(os.path.join(samples, f) for f in os.listdir(samples) if f.endswith(".png"))[:4]
    expected_file = tmp_path / "expected.f32"
    subprocess.run([sys.executable, os.path.join(REFERENCE, "run_reference.py"), digits.checkpoint,
                    "--images"] + images + ["--output", str(expected_file)],
                   check=True, stdout=subprocess.DEVNULL)
    expected = np.fromfile(expected_file, "<f4").reshape(len(images), 10)
    model = bitc.Model(digits.library)
    for path, row in zip(images, expected):
        image = Image.open(path)
        from_pil = model.classify(image)
        from_array = model.classify(np.asarray(image.convert("RGB")))
        np.testing.assert_array_equal(from_pil, from_array)
        ok, message = compare(from_pil, row, 10, REL_TOL)
        assert ok, "%s: %s" % (path, message)
        assert model.top_k(from_pil, 1)[0][0] == os.path.basename(path).split("-")[1]
        # classify == forward(preprocess)
        np.testing.assert_array_equal(model.forward(model.preprocess(image)[None])[0], from_pil)


def test_padded_rows(digits):
    """A view with padded rows (row stride > 3 * width) is accepted as is."""
    model = bitc.Model(digits.library)
    rgb = np.asarray(Image.open(os.path.join(digits.checkpoint, "samples", "digit-0-1579.png")).convert("RGB"))
    padded = np.zeros((rgb.shape[0], rgb.shape[1] + 5, 3), np.uint8)
    padded[:, : rgb.shape[1]] = rgb
    np.testing.assert_array_equal(model.classify(padded[:, : rgb.shape[1]]), model.classify(rgb))


@pytest.mark.parametrize("pixels, message", [
    (np.zeros((1, 3, 64, 64), np.float64), "pixels: expected dtype float32, got float64"),
    (np.zeros((3, 64, 64), np.float32), r"pixels: expected 4 dimensions [N, 3, 64, 64], got shape [3, 64, 64]"),
    (np.zeros((1, 3, 32, 32), np.float32), r"pixels: expected shape [N, 3, 64, 64] with N >= 1, got [1, 3, 32, 32]"),
    (np.zeros((0, 3, 64, 64), np.float32), r"pixels: expected shape [N, 3, 64, 64] with N >= 1, got [0, 3, 64, 64]"),
    (np.zeros((1, 3, 64, 128), np.float32)[..., ::2], "pixels: expected a C-contiguous, aligned array"),
    (np.asfortranarray(np.zeros((2, 3, 64, 64), np.float32)), "pixels: expected a C-contiguous, aligned array"),
    ([[0.0]], "pixels: expected a numpy.ndarray of float32 [N, 3, 64, 64], got list"),
])
def test_forward_argument_errors(tiny, pixels, message):
    with pytest.raises(ValueError) as err:
        bitc.Model(tiny.library).forward(pixels)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize("image, layout, message", [
    (np.zeros((8, 8, 3), np.float32), None, "image: expected dtype uint8, got float32"),
    (np.zeros((8, 8, 2), np.uint8), None,
     "image: expected shape [H, W, 3] (RGB), [H, W, 4] (RGBA) or [H, W] (gray), got [8, 8, 2]"),
    (np.zeros((8, 8, 4), np.uint8), "bgr8", "image: layout bgr8 expects shape [H, W, 3], got [8, 8, 4]"),
    (np.zeros((8, 8, 1), np.uint8), "gray8", "image: layout gray8 expects shape [H, W], got [8, 8, 1]"),
    (np.zeros((8, 8, 3), np.uint8), "yuv", "layout: expected one of rgb8, bgr8, rgba8, bgra8, gray8, got 'yuv'"),
    (Image.new("RGB", (8, 8)), "bgr8", "layout: a PIL image brings its own (mode RGB)"),
    (np.zeros((0, 8, 3), np.uint8), None, "image: expected at least 1x1 pixels, got [0, 8, 3]"),
    (np.zeros((8, 16, 3), np.uint8)[:, ::2], None, "image: expected packed pixels"),
    ("cat.png", None, "image: expected a uint8 numpy.ndarray [H, W, 3] (RGB), [H, W, 4] (RGBA) or [H, W] "
                      "(gray), or a PIL image, got str"),
])
def test_image_argument_errors(digits, image, layout, message):
    with pytest.raises(ValueError) as err:
        bitc.Model(digits.library).classify(image, layout=layout)
    assert str(err.value).startswith(message)


def test_pixel_layouts(digits):
    """BGR, RGBA, BGRA and gray arrays, and PIL images of modes L, RGBA and P,
    classify as PIL's convert("RGB") of them does."""
    model = bitc.Model(digits.library)
    image = Image.open(os.path.join(digits.checkpoint, "samples", "digit-5-1617.png")).convert("RGB")
    rgb = np.asarray(image)
    alpha = np.random.default_rng(0).integers(0, 256, rgb.shape[:2] + (1,), dtype=np.uint8)
    expected = model.classify(rgb)
    np.testing.assert_array_equal(model.classify(np.ascontiguousarray(rgb[:, :, ::-1]), layout="bgr8"), expected)
    np.testing.assert_array_equal(model.classify(np.concatenate([rgb, alpha], 2)), expected)
    np.testing.assert_array_equal(
        model.classify(np.concatenate([rgb[:, :, ::-1], alpha], 2), layout="bgra8"), expected)
    np.testing.assert_array_equal(model.classify(Image.fromarray(np.concatenate([rgb, alpha], 2), "RGBA")),
                                  expected)
    gray = image.convert("L")
    from_gray = model.classify(np.asarray(gray))
    np.testing.assert_array_equal(from_gray, model.classify(np.asarray(gray.convert("RGB"))))
    np.testing.assert_array_equal(model.classify(gray), from_gray)
    palette = image.convert("P")
    np.testing.assert_array_equal(model.classify(palette), model.classify(palette.convert("RGB")))
    np.testing.assert_array_equal(model.preprocess(np.asarray(gray)), model.preprocess(gray.convert("RGB")))


def test_c_error_code(digits):
    """A non-zero return code of the C API raises bitc.Error with its string."""
    with pytest.raises(bitc.Error) as err:
        bitc.Model(digits.library).classify(np.zeros((1, 32769, 3), np.uint8))
    assert err.value.code == -9
    assert "32768" in err.value.message
    assert str(err.value).endswith("(code -9)")


def test_embed_needs_pooler_output(tiny):
    with pytest.raises(bitc.Error, match="has no pooler_output"):
        bitc.Model(tiny.library).embed(np.zeros((8, 8, 3), np.uint8))


def test_load_errors(tiny, tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such.so: no such file"):
        bitc.Model(tmp_path / "no-such.so")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        bitc.Model(tmp_path)
    text = tmp_path / "text.so"
    text.write_text("not a library\n")
    with pytest.raises(bitc.Error, match="text.so: not a bitc model: not an ELF file"):
        bitc.Model(text)
    # A shared library that is not a bitc model: libm.
    import ctypes.util
    libm = ctypes.util.find_library("m")
    libm_path = next(os.path.join(d, libm) for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                                     "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu")
                     if os.path.exists(os.path.join(d, libm)))
    with pytest.raises(bitc.Error, match="not a bitc model: it exports no <name>_info_json function"):
        bitc.Model(libm_path)
    with pytest.raises(bitc.Error, match="has no model named 'other' \\(it has: tp\\)"):
        bitc.Model(tiny.library, name="other")


def test_threads_share_one_model(tiny):
    """Several Python threads call one Model at once (ctypes drops the GIL;
    the C API is reentrant): every result equals the sequential one."""
    x, _ = reference_io(tiny.checkpoint)
    model = bitc.Model(tiny.library)
    model.set_num_threads(1)
    inputs = [np.ascontiguousarray(x[[i % 3, (i + 1) % 3]]) for i in range(8)]
    sequential = [model.forward(p) for p in inputs]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(model.forward, inputs))
    for s, p in zip(sequential, parallel):
        np.testing.assert_array_equal(s, p)
    model.set_num_threads(2)
    np.testing.assert_array_equal(model.forward(inputs[0]), sequential[0])


def test_module_forwards_to_bitc(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    run = subprocess.run([sys.executable, "-m", "bitc", "compile", "--help"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.returncode == 0 and "usage: bitc compile MODEL_DIR -o OUT" in run.stdout
    run = subprocess.run([sys.executable, "-m", "bitc", "compile", str(tmp_path / "none"), "-o",
                          str(tmp_path / "x.so"), "--emit=shared"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.returncode == 1 and run.stderr.startswith("bitc: error: ")


def test_compile_error(tmp_path):
    with pytest.raises(bitc.Error) as err:
        bitc.compile(tmp_path / "none", tmp_path / "x.so")
    assert err.value.message.startswith("bitc: error: ") and err.value.code == 1
    assert not os.path.exists(tmp_path / "x.so")


def test_two_models_in_one_process(tiny, digits):
    """Each library keeps its kernels and Halide runtime to itself: two models
    (with their own thread pools) run side by side in one process."""
    x, expected = reference_io(tiny.checkpoint)
    first, second = bitc.Model(tiny.library), bitc.Model(digits.library)
    assert not hasattr(first._lib, "halide_default_do_par_for")
    first.set_num_threads(2)
    second.set_num_threads(1)
    ok, message = compare(first.forward(x), expected, 10, REL_TOL)
    assert ok, message
    assert second.forward(np.zeros((1,) + second.input_shape, np.float32)).shape == (1, 10)
    ok, message = compare(first.forward(x), expected, 10, REL_TOL)
    assert ok, message


FAKE_MODEL_C = r"""
#include <stddef.h>
const char *fake_info_json(void) {
  return "{\"bitc_model_info\": 1, \"name\": \"fake\", \"input\": [3, 8, 8], \"compiled_batch\": 1,"
         " \"num_labels\": 0, \"workspace_bytes\": 0, \"outputs\": [{\"name\": \"logits\", \"shape\": [4]}]}";
}
#ifdef COMPLETE
const char *fake_label(int i) { (void)i; return NULL; }
const char *fake_error_string(int code) { (void)code; return "fake"; }
void fake_set_num_threads(int n) { (void)n; }
int fake_forward(const float *p, int n, float *o) { (void)p; (void)n; (void)o; return 0; }
int fake_preprocess_rgb8(const void *r, int w, int h, int s, float *o) { (void)r; (void)w; (void)h; (void)s; (void)o; return 0; }
int fake_classify_rgb8(const void *r, int w, int h, int s, float *o) { (void)r; (void)w; (void)h; (void)s; (void)o; return 0; }
const char *fake_output_name(int k) { return k == 0 ? "pooler_output" : NULL; }
#endif
"""


@pytest.mark.parametrize("complete, message", [
    (False, "not a bitc model: it lacks fake_label"),
    (True, "fake_info_json describes the outputs ['logits'] but the library has ['pooler_output']"),
])
def test_inconsistent_libraries(tmp_path, complete, message):
    """A library with the discovery symbol but not the API, and one whose
    description disagrees with its own output names, are refused."""
    source = tmp_path / "fake.c"
    source.write_text(FAKE_MODEL_C)
    library = tmp_path / "libfake.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(library), str(source)] +
                   (["-DCOMPLETE"] if complete else []), check=True)
    with pytest.raises(bitc.Error, match=re.escape(message)):
        bitc.Model(library)


@pytest.mark.parametrize("releases", [True, False])
def test_calls_release_the_gil(tiny, releases):
    """With a switch interval of an hour, a thread gives up the GIL only when it
    blocks or calls C that releases it. The worker signals, then calls forward:
    through bitc.Model (ctypes.CDLL) the main thread runs during that call and
    finds it unfinished; through ctypes.PyDLL (the GIL held, the control) it
    runs only after the call is over. The call takes ~35 ms (512 images), long
    enough for the main thread to be scheduled on a loaded 2-core machine (64
    images, ~6 ms, failed once while other tests ran)."""
    import ctypes
    import threading

    images = 512
    model = bitc.Model(tiny.library)
    model.set_num_threads(1)
    x = np.zeros((images,) + model.input_shape, np.float32)
    y = np.empty((images, 10), np.float32)
    if releases:
        def forward():
            model.forward(x)
    else:
        held = ctypes.PyDLL(str(tiny.library)).tp_forward
        held.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]

        def forward():
            held(x.ctypes.data, images, y.ctypes.data)
    started, done = threading.Event(), threading.Event()

    def work():
        started.set()
        forward()
        done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(3600)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        unfinished = not done.is_set()
    finally:
        sys.setswitchinterval(interval)
    worker.join()
    assert unfinished == releases
