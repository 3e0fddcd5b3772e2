#!/usr/bin/env -S /usr/bin/python3
"""Google's original BiT release format (docs/bit-model.md section 6): .npz with TF names, HWIO kernels.

Maps to and from the Hugging Face names of section 4. The architecture is implied by the file
name (BiT-M-R50x1.npz: depths [3,4,6,3], width 1), pre-activation, default padding, WS eps 1e-10.
"""
import re

import numpy as np

WS_EPS_GOOGLE = 1e-10
DEPTHS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}
_UNIT = re.compile(r"bit\.encoder\.stages\.(\d+)\.layers\.(\d+)\.(.+)$")
_PART = {"conv1.weight": "a/standardized_conv2d/kernel", "norm1.weight": "a/group_norm/gamma",
         "norm1.bias": "a/group_norm/beta", "conv2.weight": "b/standardized_conv2d/kernel",
         "norm2.weight": "b/group_norm/gamma", "norm2.bias": "b/group_norm/beta",
         "conv3.weight": "c/standardized_conv2d/kernel", "norm3.weight": "c/group_norm/gamma",
         "norm3.bias": "c/group_norm/beta", "downsample.conv.weight": "a/proj/standardized_conv2d/kernel"}
_TOP = {"bit.embedder.convolution.weight": "resnet/root_block/standardized_conv2d/kernel",
        "bit.norm.weight": "resnet/group_norm/gamma", "bit.norm.bias": "resnet/group_norm/beta",
        "classifier.1.weight": "resnet/head/conv2d/kernel", "classifier.1.bias": "resnet/head/conv2d/bias"}


def google_name(hf):
    if hf in _TOP:
        return _TOP[hf]
    m = _UNIT.match(hf)
    if not m or m.group(3) not in _PART:
        raise ValueError("%s has no name in Google's format (pre-activation models only)" % hf)
    return "resnet/block%d/unit%02d/%s" % (int(m.group(1)) + 1, int(m.group(2)) + 1, _PART[m.group(3)])


def to_google(P):
    """HF-named OIHW arrays -> Google-named HWIO arrays (classifier as a [1,1,C,L] 1x1 conv)."""
    out = {}
    for k, v in P.items():
        v = np.asarray(v, dtype=np.float32)
        if k == "classifier.1.weight":
            v = v.T.reshape(1, 1, v.shape[1], v.shape[0])
        elif v.ndim == 4:
            v = v.transpose(2, 3, 1, 0)  # OIHW -> HWIO
        out[google_name(k)] = np.ascontiguousarray(v)
    return out


def from_google(arrays):
    inverse = {}
    for k in arrays:
        for hf, g in _TOP.items():
            if g == k:
                inverse[k] = hf
        m = re.match(r"resnet/block(\d+)/unit(\d+)/(.+)$", k)
        if m:
            part = {g: h for h, g in _PART.items()}.get(m.group(3))
            if part:
                inverse[k] = "bit.encoder.stages.%d.layers.%d.%s" % (int(m.group(1)) - 1, int(m.group(2)) - 1, part)
    P = {}
    for k, v in arrays.items():
        if k not in inverse:
            raise ValueError("unknown tensor %s" % k)
        v = np.asarray(v, dtype=np.float32)
        if inverse[k] == "classifier.1.weight":
            v = v.reshape(v.shape[-2], v.shape[-1]).T
        elif v.ndim == 4:
            v = v.transpose(3, 2, 0, 1)  # HWIO -> OIHW
        else:
            v = v.reshape(-1)
        P[inverse[k]] = np.ascontiguousarray(v)
    return P


def config_from_name(filename, num_labels):
    """BitConfig dict for e.g. BiT-M-R101x3.npz / BiT-M-R50x1-ILSVRC2012.npz."""
    m = re.search(r"R(\d+)x(\d+)", filename)
    if not m or int(m.group(1)) not in DEPTHS:
        raise ValueError("cannot tell the architecture from the file name %s" % filename)
    return {"depths": DEPTHS[int(m.group(1))], "width_factor": int(m.group(2)), "layer_type": "preactivation",
            "global_padding": None, "num_labels": num_labels, "ws_eps": WS_EPS_GOOGLE}


def save(P, path):
    np.savez(path, **to_google(P))


def load(path):
    with np.load(path) as z:
        return from_google({k: z[k] for k in z.files})
