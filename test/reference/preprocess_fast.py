#!/usr/bin/env -S /usr/bin/python3
"""BitImageProcessorFast (Hugging Face's torchvision processor) with torchvision itself.

    preprocess_fast.py preprocessor_config.json img.png [...] --out x.f32   # NCHW float32

Written from Hugging Face's BaseImageProcessorFast (image_processing_utils_fast.py) and
torchvision's documented functions; Hugging Face's own class is not in Debian. Steps, on the
uint8 CHW tensor of the RGB image (F.pil_to_tensor):
  - resize: to the same size as BitImageProcessor (short side -> shortest_edge, long side
    int(s * long / short), or {height, width}) with F.resize(interpolation, antialias=True),
    `resample` mapped by pil_torch_interpolation_mapping: 2 -> BILINEAR, 3 -> BICUBIC. The
    other filters fail there with torchvision 0.14: antialias=True is refused for NEAREST
    (0), and LANCZOS (1), BOX (4) and HAMMING (5) have no tensor implementation at all; this
    raises the same ValueError. On a uint8 tensor torchvision 0.14 interpolates in float32,
    clamps (bicubic), rounds half to even and casts back to uint8.
  - F.center_crop (zero padding where the image is smaller);
  - rescale and normalize fused: mean and std become torch.tensor(mean) * (1 / rescale_factor)
    (float32) and F.normalize runs on the float32 tensor; rescale alone is `x * factor`,
    normalize alone F.normalize of the float32 tensor.
"""
import sys

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F

import preprocess as pil_reference

# resample -> torchvision mode (the ones with a tensor implementation)
MODES = {2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC}


def preprocess(img, cfg):
    """PIL image -> float32 CHW array, as BitImageProcessorFast computes it."""
    if cfg["do_convert_rgb"]:
        img = img.convert("RGB")
    x = F.pil_to_tensor(img)
    if cfg["do_resize"]:
        if cfg["resample"] not in MODES:
            raise ValueError("resample %d: torchvision 0.14 cannot resize a tensor with it "
                             "(antialias=True)" % cfg["resample"])
        nh, nw = pil_reference.resize_size(img.height, img.width, cfg["size"])
        x = F.resize(x, [nh, nw], interpolation=MODES[cfg["resample"]], antialias=True)
    if cfg["do_center_crop"]:
        x = F.center_crop(x, [cfg["crop_size"]["height"], cfg["crop_size"]["width"]])
    mean, std = cfg["image_mean"], cfg["image_std"]
    mean = list(mean) if isinstance(mean, (list, tuple)) else [mean] * x.shape[0]
    std = list(std) if isinstance(std, (list, tuple)) else [std] * x.shape[0]
    if cfg["do_rescale"] and cfg["do_normalize"]:
        factor = 1.0 / cfg["rescale_factor"]
        x = F.normalize(x.to(torch.float32), torch.tensor(mean) * factor, torch.tensor(std) * factor)
    elif cfg["do_normalize"]:
        x = F.normalize(x.to(torch.float32), mean, std)
    elif cfg["do_rescale"]:
        x = x * cfg["rescale_factor"]
    return np.ascontiguousarray(x.to(torch.float32).numpy())


def main(argv=None):
    return pil_reference.main(argv, preprocess, __doc__)


if __name__ == "__main__":
    sys.exit(main())
