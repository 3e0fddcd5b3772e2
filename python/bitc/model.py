"""bitc.Model: a shared library from `bitc compile --emit=shared`, called
through ctypes. ctypes releases the GIL for the length of every C call, so
threads calling one Model run in parallel (the C API is reentrant)."""

import ctypes
import json
import os

import numpy as np

from . import _elf

_INFO_SUFFIX = "_info_json"
_INFO_VERSION = 1
_INT_MAX = 2**31 - 1


class Error(Exception):
    """A bitc model failed: `code` is the C return code (None when the
    library could not be loaded), `message` the C error string."""

    def __init__(self, message, code=None):
        super().__init__(message if code is None else "%s (code %d)" % (message, code))
        self.code = code
        self.message = message


def _model_names(path):
    try:
        functions = _elf.exported_functions(path)
    except _elf.NotSharedLibrary as err:
        raise Error("%s: not a bitc model: %s" % (path, err)) from None
    return sorted(f[: -len(_INFO_SUFFIX)] for f in functions if f.endswith(_INFO_SUFFIX))


class Model:
    """A compiled BiT model.

    path: the .so of `bitc compile MODEL -o libNAME.so --emit=shared`;
    name: its --name, found in the library when it holds a single model."""

    def __init__(self, path, name=None):
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError("%s: no such file" % path)
        if os.path.isdir(path):
            raise IsADirectoryError("%s: is a directory, not a shared library" % path)
        names = _model_names(path)
        if name is None:
            if not names:
                raise Error("%s: not a bitc model: it exports no <name>%s function "
                            "(compile it with bitc compile --emit=shared)" % (path, _INFO_SUFFIX))
            if len(names) > 1:
                raise Error("%s: holds several models (%s): pass name=" % (path, ", ".join(names)))
            name = names[0]
        elif name not in names:
            raise Error("%s: has no model named '%s' (it has: %s)" % (path, name, ", ".join(names) or "none"))
        try:
            self._lib = ctypes.CDLL(os.path.abspath(path), mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError as err:
            raise Error("%s: cannot load: %s" % (path, err)) from None
        self.path, self.name = path, name
        self._bind()
        info = json.loads(self._fn("info_json")().decode())
        if info.get("bitc_model_info") != _INFO_VERSION:
            raise Error("%s: model description version %r, this package reads %d"
                        % (path, info.get("bitc_model_info"), _INFO_VERSION))
        self.info = info
        self.input_shape = tuple(info["input"])
        self.compiled_batch = info["compiled_batch"]
        self.outputs = [(o["name"], tuple(o["shape"])) for o in info["outputs"]]
        self.labels = [self._fn("label")(i).decode() for i in range(info["num_labels"])]
        self._check_output_names(info)
        self._has_embed = hasattr(self._lib, name + "_embed_rgb8")
        self._embed_size = next((int(np.prod(s)) for n, s in self.outputs if n == "pooler_output"), None)

    def _check_output_names(self, info):
        """Where the library names its outputs itself (<name>_output_name),
        they must be the ones its description sizes: buffers are allocated
        from the description."""
        if not hasattr(self._lib, self.name + "_output_name"):
            return
        output_name = self._fn("output_name")
        output_name.restype, output_name.argtypes = ctypes.c_char_p, [ctypes.c_int]
        names = []
        while len(names) < 1024:
            name = output_name(len(names))
            if name is None:
                break
            names.append(name.decode())
        described = [name for name, _ in self.outputs]
        if names != described:
            raise Error("%s: %s_info_json describes the outputs %s but the library has %s"
                        % (self.path, self.name, described, names))

    def _fn(self, suffix):
        return getattr(self._lib, self.name + "_" + suffix)

    def _bind(self):
        c_int, c_ptr, c_char_p = ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p
        signatures = {
            "info_json": (c_char_p, []),
            "label": (c_char_p, [c_int]),
            "error_string": (c_char_p, [c_int]),
            "set_num_threads": (None, [c_int]),
            "forward": (c_int, [c_ptr, c_int, c_ptr]),
            "classify_rgb8": (c_int, [c_ptr, c_int, c_int, c_int, c_ptr]),
            "preprocess_rgb8": (c_int, [c_ptr, c_int, c_int, c_int, c_ptr]),
        }
        optional = {
            "forward_outputs": (c_int, [c_ptr, c_int, c_ptr]),
            "embed_rgb8": (c_int, [c_ptr, c_int, c_int, c_int, c_ptr]),
        }
        for suffix, (restype, argtypes) in list(signatures.items()) + list(optional.items()):
            try:
                fn = self._fn(suffix)
            except AttributeError:
                if suffix in optional:
                    continue
                raise Error("%s: not a bitc model: it lacks %s_%s" % (self.path, self.name, suffix)) from None
            fn.restype, fn.argtypes = restype, argtypes

    def _check(self, rc):
        if rc != 0:
            raise Error(self._fn("error_string")(rc).decode(), rc)

    def __repr__(self):
        return "bitc.Model(%r, name=%r, input_shape=%r, outputs=%r)" % (
            self.path, self.name, self.input_shape, [n for n, _ in self.outputs])

    def set_num_threads(self, threads):
        """Worker threads of this library's Halide thread pool."""
        self._fn("set_num_threads")(int(threads))

    def forward(self, pixels):
        """pixels: float32 [N, C, H, W] (C-contiguous, preprocessed, any N >= 1).
        Returns float32 [N, ...] of the one output (the logits), or a dict of
        them by output name when the model has several outputs."""
        expected = "[N, %s]" % ", ".join(map(str, self.input_shape))
        _check_array("pixels", pixels, np.float32, 4, expected)
        if tuple(pixels.shape[1:]) != self.input_shape or pixels.shape[0] < 1:
            raise ValueError("pixels: expected shape %s with N >= 1, got %s"
                             % (expected, list(pixels.shape)))
        batch = pixels.shape[0]
        if batch > _INT_MAX:
            raise ValueError("pixels: at most %d images per call, got %d" % (_INT_MAX, batch))
        results = [np.empty((batch,) + shape, np.float32) for _, shape in self.outputs]
        if len(results) == 1:
            self._check(self._fn("forward")(pixels.ctypes.data, batch, results[0].ctypes.data))
            return results[0]
        pointers = (ctypes.c_void_p * len(results))(*[r.ctypes.data for r in results])
        self._check(self._fn("forward_outputs")(pixels.ctypes.data, batch, pointers))
        return {name: r for (name, _), r in zip(self.outputs, results)}

    def preprocess(self, image, layout=None):
        """The checkpoint's preprocessing of one image -> float32 [C, H, W].
        image: a PIL image, or a uint8 array [H, W, 3] (RGB; layout="bgr8"
        for OpenCV's BGR), [H, W, 4] (RGBA, or layout="bgra8") or [H, W]
        (gray); each gives what PIL's convert("RGB") of it would."""
        pixels, layout = _pixels(image, layout)
        out = np.empty(self.input_shape, np.float32)
        self._call_pixels("preprocess", layout, pixels, out)
        return out

    def classify(self, image, layout=None):
        """Preprocessing, then forward, on one image (as for preprocess): the
        first output of that image (the logits)."""
        pixels, layout = _pixels(image, layout)
        out = np.empty(self.outputs[0][1], np.float32)
        self._call_pixels("classify", layout, pixels, out)
        return out

    def embed(self, image, layout=None):
        """Preprocessing, then forward, on one image (as for preprocess): its
        pooled features (pooler_output), for models compiled with that output."""
        if not self._has_embed or self._embed_size is None:
            raise Error("%s: model '%s' has no pooler_output (compile it with the "
                        "pooler_output among its outputs to use embed)" % (self.path, self.name))
        pixels, layout = _pixels(image, layout)
        out = np.empty(self._embed_size, np.float32)
        self._call_pixels("embed", "rgb8", _as_rgb8(pixels, layout), out)
        return out

    def top_k(self, logits, k=5):
        """[(label, logit)] of the k largest logits of one image, best first."""
        order = np.argsort(-np.asarray(logits), kind="stable")[:k]
        return [(self.labels[i] if i < len(self.labels) else str(i), float(logits[i])) for i in order]

    def _call_pixels(self, kind, layout, pixels, out):
        suffix = "%s_%s" % (kind, layout)
        try:
            fn = self._fn(suffix)
        except AttributeError:
            raise Error("%s: has no %s_%s (compiled by a bitc without the %s pixel layout)"
                        % (self.path, self.name, suffix, layout)) from None
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
        height, width = pixels.shape[:2]
        self._check(fn(pixels.ctypes.data, width, height, pixels.strides[0], out.ctypes.data))


def _check_array(what, array, dtype, ndim, expected):
    if not isinstance(array, np.ndarray):
        raise ValueError("%s: expected a numpy.ndarray of %s %s, got %s"
                         % (what, np.dtype(dtype).name, expected, type(array).__name__))
    if array.dtype != dtype:
        raise ValueError("%s: expected dtype %s, got %s" % (what, np.dtype(dtype).name, array.dtype))
    if array.ndim != ndim:
        raise ValueError("%s: expected %d dimensions %s, got shape %s"
                         % (what, ndim, expected, list(array.shape)))
    if not array.flags.c_contiguous or not array.flags.aligned:
        raise ValueError("%s: expected a C-contiguous, aligned array "
                         "(numpy.ascontiguousarray), got strides %s" % (what, list(array.strides)))


_LAYOUT_CHANNELS = {"rgb8": 3, "bgr8": 3, "rgba8": 4, "bgra8": 4, "gray8": 1}
_PIL_LAYOUTS = {"RGB": "rgb8", "RGBA": "rgba8", "L": "gray8"}


def _pixels(image, layout):
    """(uint8 array [H, W, channels] or [H, W], its layout name), checked."""
    if layout is not None and layout not in _LAYOUT_CHANNELS:
        raise ValueError("layout: expected one of %s, got %r" % (", ".join(_LAYOUT_CHANNELS), layout))
    if not isinstance(image, np.ndarray) and hasattr(image, "convert") and hasattr(image, "mode"):
        if layout is not None:
            raise ValueError("layout: a PIL image brings its own (mode %s); pass layout only with arrays"
                             % image.mode)
        if image.mode not in _PIL_LAYOUTS:
            image = image.convert("RGB")
        layout = _PIL_LAYOUTS[image.mode]
        image = np.asarray(image)
    if not isinstance(image, np.ndarray):
        raise ValueError("image: expected a uint8 numpy.ndarray [H, W, 3] (RGB), [H, W, 4] (RGBA) or [H, W] "
                         "(gray), or a PIL image, got %s" % type(image).__name__)
    if image.dtype != np.uint8:
        raise ValueError("image: expected dtype uint8, got %s" % image.dtype)
    shapes = {1: "[H, W]", 3: "[H, W, 3]", 4: "[H, W, 4]"}
    channels = 1 if image.ndim == 2 else image.shape[2] if image.ndim == 3 else None
    if layout is None:
        if channels not in shapes:
            raise ValueError("image: expected shape [H, W, 3] (RGB), [H, W, 4] (RGBA) or [H, W] (gray), got %s"
                             % list(image.shape))
        layout = {1: "gray8", 3: "rgb8", 4: "rgba8"}[channels]
    elif channels != _LAYOUT_CHANNELS[layout] or (layout == "gray8" and image.ndim != 2):
        raise ValueError("image: layout %s expects shape %s, got %s"
                         % (layout, shapes[_LAYOUT_CHANNELS[layout]], list(image.shape)))
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError("image: expected at least 1x1 pixels, got %s" % list(image.shape))
    packed = image.strides[1] == channels and (image.ndim == 2 or image.strides[2] == 1)
    if not packed or image.strides[0] < 0:
        raise ValueError("image: expected packed pixels in rows of increasing address "
                         "(numpy.ascontiguousarray), got strides %s" % list(image.strides))
    if image.strides[0] > _INT_MAX:
        raise ValueError("image: rows of more than %d bytes" % _INT_MAX)
    return image, layout


def _as_rgb8(pixels, layout):
    """The RGB image PIL's convert("RGB") makes of `pixels`."""
    if layout == "rgb8":
        return pixels
    if layout == "gray8":
        return np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))
    order = [2, 1, 0] if layout.startswith("bgr") else [0, 1, 2]
    return np.ascontiguousarray(pixels[:, :, order])
