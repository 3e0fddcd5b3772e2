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

    def preprocess(self, image):
        """The checkpoint's preprocessing of one RGB image -> float32 [C, H, W]."""
        rgb = _rgb8(image)
        pixels = np.empty(self.input_shape, np.float32)
        self._call_rgb8("preprocess_rgb8", rgb, pixels)
        return pixels

    def classify(self, image):
        """Preprocessing, then forward, on one image (uint8 HxWx3 RGB array or
        PIL image): the first output of that image (the logits)."""
        rgb = _rgb8(image)
        out = np.empty(self.outputs[0][1], np.float32)
        self._call_rgb8("classify_rgb8", rgb, out)
        return out

    def embed(self, image):
        """Preprocessing, then forward, on one image: its pooled features
        (pooler_output), for models compiled with that output."""
        if not self._has_embed or self._embed_size is None:
            raise Error("%s: model '%s' has no pooler_output (compile it with the "
                        "pooler_output among its outputs to use embed)" % (self.path, self.name))
        rgb = _rgb8(image)
        out = np.empty(self._embed_size, np.float32)
        self._call_rgb8("embed_rgb8", rgb, out)
        return out

    def top_k(self, logits, k=5):
        """[(label, logit)] of the k largest logits of one image, best first."""
        order = np.argsort(-np.asarray(logits), kind="stable")[:k]
        return [(self.labels[i] if i < len(self.labels) else str(i), float(logits[i])) for i in order]

    def _call_rgb8(self, suffix, rgb, out):
        height, width = rgb.shape[:2]
        self._check(self._fn(suffix)(rgb.ctypes.data, width, height, rgb.strides[0], out.ctypes.data))


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


def _rgb8(image):
    """A uint8 HxWx3 RGB array (rows may be padded; pixels must be packed)."""
    if not isinstance(image, np.ndarray) and hasattr(image, "convert") and hasattr(image, "mode"):
        image = np.asarray(image.convert("RGB") if image.mode != "RGB" else image)
    if not isinstance(image, np.ndarray):
        raise ValueError("image: expected a uint8 HxWx3 RGB numpy.ndarray or a PIL image, got %s"
                         % type(image).__name__)
    if image.dtype != np.uint8:
        raise ValueError("image: expected dtype uint8, got %s" % image.dtype)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("image: expected shape [H, W, 3] (RGB), got %s" % list(image.shape))
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError("image: expected at least 1x1 pixels, got %s" % list(image.shape))
    if image.strides[2] != 1 or image.strides[1] != 3 or image.strides[0] < 0:
        raise ValueError("image: expected packed RGB pixels in rows of increasing address "
                         "(numpy.ascontiguousarray), got strides %s" % list(image.strides))
    if image.strides[0] > _INT_MAX:
        raise ValueError("image: rows of more than %d bytes" % _INT_MAX)
    return image
