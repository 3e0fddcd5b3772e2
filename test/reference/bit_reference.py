#!/usr/bin/env -S /usr/bin/python3
"""Independent PyTorch reference of Hugging Face `BitModel` / `BitForImageClassification` inference.

Written from docs/bit-model.md (not from bitc's C++). Everything is functional:
`forward(cfg, params, x)` reads weights by their state-dict names (section 4) from a plain dict,
so the same code serves as the numerical oracle, as the training model for models/bit-digits,
and (through `BitModule`) for torch.onnx export.

All padding is made explicit with F.pad followed by an unpadded conv / pool, so that every
padding decision is visible in one place (`conv_padding`).

Interpretation notes (where docs/bit-model.md is terse):
- Pre-activation layers: "conv2 of this layer ignores dilation" is taken literally: conv2 is a
  3x3 conv with the layer's stride and dilation 1, for every layer, whatever output_stride is.
  Its default padding is therefore ((s-1) + 2) // 2 = 1. output_stride < 32 then only removes
  strides in pre-activation models.
- Bottleneck layers: the Hugging Face `BitStage` passes a separate "first dilation" to layer 0,
  `1 if dilation in (1, 2) else 2`, and the stage dilation to the later layers; conv2 uses that.
  The doc's `conv2_3x3(h, stride, dilation)` does not say so; we follow the checkpoint code (the
  doc says the real model wins). Set BOTTLENECK_FIRST_DILATION = False for the doc's literal reading.
- The head GN (`bit.norm`) and the classifier use the real last stage width
  make_div(hidden_sizes[-1] * width_factor), as the doc's [out_last] shapes say.
- Outputs (`forward_outputs`) follow Hugging Face's documented BitModel semantics:
  `hidden_states` = the embedder's output (after the stem max pool) then every stage's output,
  all before the final norm; `last_hidden_state` = the last stage's output after the final
  GN+act (pre-activation models; the bottleneck layer type has no final norm, an identity);
  `pooler_output` = its global average ([N, C]; Hugging Face keeps [N, C, 1, 1]);
  BitForImageClassification's `logits` = Flatten + Linear of it, or the identity (the pooled
  features) when num_labels is 0. BitBackbone's feature maps are `hidden_states[i]` for its
  out_features ("stem" = 0, "stageK" = K).
- global_padding "VALID" makes the 3x3 conv shrink the residual branch but not the shortcut, so
  no model can run with it; we raise a clear error at the residual add (as the real model would
  fail there too).
"""
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F

BOTTLENECK_FIRST_DILATION = True
GN_EPS = 1e-5
WS_EPS_HF = 1e-8

# Section 2: every BitConfig field with its default.
CONFIG_DEFAULTS = OrderedDict([
    ("num_channels", 3),
    ("embedding_size", 64),
    ("hidden_sizes", [256, 512, 1024, 2048]),
    ("depths", [3, 4, 6, 3]),
    ("layer_type", "preactivation"),
    ("hidden_act", "relu"),
    ("global_padding", None),
    ("num_groups", 32),
    ("drop_path_rate", 0.0),
    ("embedding_dynamic_padding", False),
    ("output_stride", 32),
    ("width_factor", 1),
    ("out_features", None),
    ("out_indices", None),
])

# hidden_act values (keys of Hugging Face's ACT2FN) and their formulas: docs/bit-model.md section 3.
ACTIVATIONS = ("relu", "gelu", "gelu_python", "gelu_new", "gelu_pytorch_tanh", "gelu_accurate", "gelu_fast",
               "gelu_10", "quick_gelu", "selu", "relu6", "relu2", "leaky_relu", "silu", "swish", "mish", "tanh",
               "sigmoid", "laplace", "linear")


def make_div(v, divisor=8):
    n = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if n < 0.9 * v:
        n += divisor
    return n


def normalize_config(raw):
    """Merge a config.json dict over the defaults and validate what inference depends on."""
    cfg = dict(CONFIG_DEFAULTS)
    for k in CONFIG_DEFAULTS:
        if k in raw:
            cfg[k] = raw[k]
    if "id2label" in raw:
        cfg["num_labels"] = len(raw["id2label"])
    elif "num_labels" in raw:
        cfg["num_labels"] = int(raw["num_labels"])
    cfg["ws_eps"] = float(raw.get("ws_eps", WS_EPS_HF))  # not a BitConfig key; reference-only knob
    if cfg["layer_type"] not in ("preactivation", "bottleneck"):
        raise ValueError("unsupported layer_type %r" % cfg["layer_type"])
    if cfg["hidden_act"] not in ACTIVATIONS:
        raise ValueError("unsupported hidden_act %r" % cfg["hidden_act"])
    gp = cfg["global_padding"]
    if gp is not None and (not isinstance(gp, str) or gp.upper() not in ("SAME", "VALID")):
        raise ValueError("unsupported global_padding %r" % gp)
    if cfg["output_stride"] not in (8, 16, 32):
        raise ValueError("unsupported output_stride %r" % cfg["output_stride"])
    if len(cfg["hidden_sizes"]) != len(cfg["depths"]):
        raise ValueError("hidden_sizes and depths differ in length")
    return cfg


def padding_mode(cfg):
    gp = cfg["global_padding"]
    return "default" if gp is None else gp.upper()


# ---------------------------------------------------------------------------------------------
# Architecture plan: pure Python, shared by forward, parameter shapes and reports.

def stage_plan(cfg):
    """List of stages; each a list of layer dicts (in, mid, out, stride, conv2 dilation, first)."""
    wf = cfg["width_factor"]
    in_ch = cfg["embedding_size"]
    current_stride, dilation = 4, 1
    stages = []
    for i, (hidden, depth) in enumerate(zip(cfg["hidden_sizes"], cfg["depths"])):
        out = make_div(hidden * wf)
        stride = 1 if i == 0 else 2
        if current_stride >= cfg["output_stride"]:
            dilation *= stride
            stride = 1
        current_stride *= stride
        mid = make_div(out * 0.25)
        first_dilation = (1 if dilation in (1, 2) else 2) if BOTTLENECK_FIRST_DILATION else dilation
        layers = []
        for l in range(depth):
            if cfg["layer_type"] == "preactivation":
                d2 = 1  # "conv2 of this layer ignores dilation"
            else:
                d2 = first_dilation if l == 0 else dilation
            layers.append(dict(inp=in_ch if l == 0 else out, mid=mid, out=out,
                               stride=stride if l == 0 else 1, dilation=d2, first=(l == 0)))
        stages.append(layers)
        in_ch = out
    return stages


def last_width(cfg):
    return make_div(cfg["hidden_sizes"][-1] * cfg["width_factor"])


def param_shapes(cfg, classifier=True):
    """Section 4: exact state-dict names and shapes, in a stable order (BitForImageClassification's
    names; without `classifier`, or with num_labels 0, there is no classifier.1)."""
    bott = cfg["layer_type"] == "bottleneck"
    E, C = cfg["embedding_size"], cfg["num_channels"]
    shapes = OrderedDict()
    shapes["bit.embedder.convolution.weight"] = (E, C, 7, 7)
    if bott:
        shapes["bit.embedder.norm.weight"] = (E,)
        shapes["bit.embedder.norm.bias"] = (E,)
    for s, layers in enumerate(stage_plan(cfg)):
        for l, L in enumerate(layers):
            p = "bit.encoder.stages.%d.layers.%d." % (s, l)
            if L["first"]:
                shapes[p + "downsample.conv.weight"] = (L["out"], L["inp"], 1, 1)
                if bott:
                    shapes[p + "downsample.norm.weight"] = (L["out"],)
                    shapes[p + "downsample.norm.bias"] = (L["out"],)
            n1 = L["mid"] if bott else L["inp"]
            n3 = L["out"] if bott else L["mid"]
            shapes[p + "norm1.weight"] = (n1,)
            shapes[p + "norm1.bias"] = (n1,)
            shapes[p + "conv1.weight"] = (L["mid"], L["inp"], 1, 1)
            shapes[p + "norm2.weight"] = (L["mid"],)
            shapes[p + "norm2.bias"] = (L["mid"],)
            shapes[p + "conv2.weight"] = (L["mid"], L["mid"], 3, 3)
            shapes[p + "norm3.weight"] = (n3,)
            shapes[p + "norm3.bias"] = (n3,)
            shapes[p + "conv3.weight"] = (L["out"], L["mid"], 1, 1)
    if not bott:
        shapes["bit.norm.weight"] = (last_width(cfg),)
        shapes["bit.norm.bias"] = (last_width(cfg),)
    if classifier and cfg.get("num_labels", 1) > 0:
        shapes["classifier.1.weight"] = (cfg["num_labels"], last_width(cfg))
        shapes["classifier.1.bias"] = (cfg["num_labels"],)
    return shapes


# ---------------------------------------------------------------------------------------------
# Primitives.

def tf_same_pad(i, k, s, d):
    """Section 3 TF SAME: total padding, split as (before, after) with the extra on the after side."""
    total = max((math.ceil(i / s) - 1) * s + (k - 1) * d + 1 - i, 0)
    return total // 2, total - total // 2


def conv_padding(mode, k, s, d, h, w):
    """Explicit (top, bottom, left, right) padding of a conv for input h x w."""
    if mode == "VALID":
        return 0, 0, 0, 0
    if mode == "SAME":
        t, b = tf_same_pad(h, k, s, d)
        l, r = tf_same_pad(w, k, s, d)
        return t, b, l, r
    p = ((s - 1) + d * (k - 1)) // 2
    return p, p, p, p


def standardize_weight(w, eps):
    o = w.shape[0]
    flat = w.reshape(o, -1)
    mean = flat.mean(dim=1, keepdim=True)
    var = ((flat - mean) ** 2).mean(dim=1, keepdim=True)  # biased
    return ((flat - mean) / torch.sqrt(var + eps)).reshape(w.shape)


def ws_conv(x, w, stride, dilation, mode, eps):
    k = w.shape[-1]
    t, b, l, r = conv_padding(mode, k, stride, dilation, x.shape[-2], x.shape[-1])
    if t or b or l or r:
        x = F.pad(x, (l, r, t, b))  # F.pad order: last dim first
    # eps None: the weights were standardized ahead of time (see fold_weight_standardization)
    return F.conv2d(x, w if eps is None else standardize_weight(w, eps), stride=stride, dilation=dilation)


def group_norm(x, groups, gamma, beta, eps=GN_EPS):
    n, c, h, w = x.shape
    if c % groups:
        raise ValueError("group norm: %d channels not divisible by %d groups" % (c, groups))
    g = x.reshape(n, groups, -1)
    mean = g.mean(dim=2, keepdim=True)
    var = ((g - mean) ** 2).mean(dim=2, keepdim=True)
    y = ((g - mean) / torch.sqrt(var + eps)).reshape(n, c, h, w)
    return y * gamma.reshape(1, c, 1, 1) + beta.reshape(1, c, 1, 1)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))


def activation(x, name):
    if name == "relu":
        return torch.clamp(x, min=0)
    if name in ("gelu", "gelu_python"):  # exact, erf based
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_accurate"):  # tanh approximation
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "gelu_fast":  # the same approximation, its constant rounded to 10 digits
        return 0.5 * x * (1.0 + torch.tanh(0.7978845608 * x * (1.0 + 0.044715 * x * x)))
    if name == "gelu_10":
        return torch.clamp(activation(x, "gelu"), -10.0, 10.0)
    if name == "quick_gelu":
        return x * _sigmoid(1.702 * x)
    if name == "selu":
        return SELU_SCALE * torch.where(x > 0, x, SELU_ALPHA * (torch.exp(torch.clamp(x, max=0)) - 1))
    if name == "relu6":
        return torch.clamp(x, 0.0, 6.0)
    if name == "relu2":
        return torch.clamp(x, min=0) ** 2
    if name == "leaky_relu":
        return torch.where(x >= 0, x, 0.01 * x)
    if name in ("silu", "swish"):
        return x * _sigmoid(x)
    if name == "mish":  # x tanh(softplus(x)), softplus(x) = log(1 + exp(x))
        return x * torch.tanh(torch.where(x > 20, x, torch.log1p(torch.exp(torch.clamp(x, max=20)))))
    if name == "tanh":
        return torch.tanh(x)
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "laplace":  # the normal CDF with mu 0.707107, sigma 0.282095
        return 0.5 * (1.0 + torch.erf((x - 0.707107) / (0.282095 * math.sqrt(2.0))))
    if name == "linear":
        return x
    raise ValueError(name)


# ---------------------------------------------------------------------------------------------
# The model.

def forward(cfg, P, x, return_features=False):
    """Logits [N, num_labels] for NCHW input x; P maps section-4 names to tensors of x's dtype."""
    out = forward_outputs(cfg, P, x)
    return (out["logits"], out["pooler_output"]) if return_features else out["logits"]


def forward_outputs(cfg, P, x):
    """Every output by its Hugging Face name (module docstring): "stem", "stage1".."stageN",
    "last_hidden_state", "pooler_output", and "logits" when P has a classifier (or num_labels
    is 0). P maps section-4 names (with the `bit.` prefix) to tensors of x's dtype."""
    out = OrderedDict()
    mode = padding_mode(cfg)
    eps = cfg["ws_eps"]
    G = cfg["num_groups"]
    act_name = cfg["hidden_act"]
    bott = cfg["layer_type"] == "bottleneck"

    def gn(h, prefix, act=True):
        y = group_norm(h, G, P[prefix + ".weight"], P[prefix + ".bias"])
        return activation(y, act_name) if act else y

    if x.shape[1] != cfg["num_channels"]:
        raise ValueError("input has %d channels, model wants %d" % (x.shape[1], cfg["num_channels"]))

    # Stem.
    h = ws_conv(x, P["bit.embedder.convolution.weight"], 2, 1, mode, eps)
    if mode != "SAME":
        h = F.pad(h, (1, 1, 1, 1))  # zeros, before the pool: not the same as max-pool padding
    if bott:
        h = gn(h, "bit.embedder.norm")
    if cfg["embedding_dynamic_padding"]:
        t, b = tf_same_pad(h.shape[-2], 3, 2, 1)
        l, r = tf_same_pad(h.shape[-1], 3, 2, 1)
        h = F.pad(h, (l, r, t, b))
    h = F.max_pool2d(h, 3, 2)
    out["stem"] = h

    for s, layers in enumerate(stage_plan(cfg)):
        for l, L in enumerate(layers):
            p = "bit.encoder.stages.%d.layers.%d." % (s, l)
            if bott:
                shortcut = h
                if L["first"]:
                    shortcut = ws_conv(h, P[p + "downsample.conv.weight"], L["stride"], 1, mode, eps)
                    shortcut = gn(shortcut, p + "downsample.norm", act=False)
                y = gn(ws_conv(h, P[p + "conv1.weight"], 1, 1, mode, eps), p + "norm1")
                y = gn(ws_conv(y, P[p + "conv2.weight"], L["stride"], L["dilation"], mode, eps), p + "norm2")
                y = gn(ws_conv(y, P[p + "conv3.weight"], 1, 1, mode, eps), p + "norm3", act=False)
                h = activation(residual_add(y, shortcut, p, mode), act_name)
            else:
                pre = gn(h, p + "norm1")
                shortcut = h
                if L["first"]:
                    shortcut = ws_conv(pre, P[p + "downsample.conv.weight"], L["stride"], 1, mode, eps)
                y = ws_conv(pre, P[p + "conv1.weight"], 1, 1, mode, eps)
                y = ws_conv(gn(y, p + "norm2"), P[p + "conv2.weight"], L["stride"], L["dilation"], mode, eps)
                y = ws_conv(gn(y, p + "norm3"), P[p + "conv3.weight"], 1, 1, mode, eps)
                h = residual_add(y, shortcut, p, mode)
        out["stage%d" % (s + 1)] = h

    if not bott:
        h = gn(h, "bit.norm")
    out["last_hidden_state"] = h
    out["pooler_output"] = h.mean(dim=(2, 3))
    if "classifier.1.weight" in P:
        out["logits"] = out["pooler_output"] @ P["classifier.1.weight"].t() + P["classifier.1.bias"]
    elif cfg.get("num_labels") == 0:
        out["logits"] = out["pooler_output"]
    return out


def residual_add(y, shortcut, where, mode):
    if y.shape != shortcut.shape:
        hint = " (global_padding VALID: unpadded 3x3 convs shrink the branch)" if mode == "VALID" else ""
        raise ValueError("%s: residual branch %s does not match shortcut %s%s"
                         % (where.rstrip("."), tuple(y.shape), tuple(shortcut.shape), hint))
    return y + shortcut


def output_shapes(cfg, h, w):
    """Spatial (h, w) after the stem and after each stage, by padding arithmetic alone."""
    mode = padding_mode(cfg)

    def conv_out(size, k, s, d):
        a, b, _, _ = conv_padding(mode, k, s, d, size, size)
        return (size + a + b - d * (k - 1) - 1) // s + 1

    def stem(size):
        size = conv_out(size, 7, 2, 1)
        if mode != "SAME":
            size += 2
        if cfg["embedding_dynamic_padding"]:
            size += sum(tf_same_pad(size, 3, 2, 1))
        return (size - 3) // 2 + 1

    sizes = [(stem(h), stem(w))]
    for layers in stage_plan(cfg):
        hh, ww = sizes[-1]
        for L in layers:
            hh, ww = conv_out(hh, 3, L["stride"], L["dilation"]), conv_out(ww, 3, L["stride"], L["dilation"])
        sizes.append((hh, ww))
    return sizes


# ---------------------------------------------------------------------------------------------
# Loading.

def check_params(cfg, P, strict=False, classifier=True):
    """Every section-4 name must be present with its exact shape."""
    want = param_shapes(cfg, classifier)
    missing = [k for k in want if k not in P]
    if missing:
        raise ValueError("missing tensors: %s%s" % (", ".join(missing[:5]), " ..." if len(missing) > 5 else ""))
    for k, shape in want.items():
        if tuple(P[k].shape) != tuple(shape):
            raise ValueError("%s has shape %s, expected %s" % (k, tuple(P[k].shape), shape))
    extra = [k for k in P if k not in want]
    if extra and strict:
        raise ValueError("unexpected tensors: %s" % ", ".join(extra[:5]))
    return extra


def to_torch_params(arrays, dtype=torch.float32):
    return {k: torch.as_tensor(v).to(dtype) for k, v in arrays.items()}


def fold_weight_standardization(cfg, P):
    """(cfg, params) with every conv weight standardized once, for export; forward skips WS then."""
    eps = cfg["ws_eps"]
    P = {k: (standardize_weight(v, eps) if v.dim() == 4 else v) for k, v in P.items()}
    return dict(cfg, ws_eps=None), P


class BitModule(torch.nn.Module):
    """nn.Module wrapper (for torch.onnx.export / optimizers); parameter names get '.' -> '__'."""

    def __init__(self, cfg, P):
        super().__init__()
        self.cfg = cfg
        for k, v in P.items():
            self.register_parameter(k.replace(".", "__"), torch.nn.Parameter(v.clone()))

    def state_dict_hf(self):
        return OrderedDict((k.replace("__", "."), v.detach()) for k, v in self.named_parameters())

    def forward(self, x):
        return forward(self.cfg, {k.replace("__", "."): v for k, v in self.named_parameters()}, x)
