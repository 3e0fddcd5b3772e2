"""Python bindings of bitc-compiled BiT classifiers.

    import bitc
    bitc.compile("models/bit-digits", "libdigits.so", name="digits")
    model = bitc.Model("libdigits.so")
    logits = model.classify(rgb)            # uint8 HxWx3 array or PIL image
    print(model.top_k(logits, 3))

Needs numpy; the model is a shared library from `bitc compile --emit=shared`
(no compiled extension, ctypes only)."""

from .compiler import compile
from .model import Error, Model

__all__ = ["Error", "Model", "compile"]
