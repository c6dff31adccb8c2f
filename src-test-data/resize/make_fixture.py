"""Makes the resize fixture: PIL bicubic resizes of the shorter side, as torchvision's Resize(int)
does to PIL images (torchvision.transforms.functional_pil.resize calls Image.resize with BICUBIC and
computes the longer side as int(size * long / short)). Run with /usr/bin/python3 (PIL 9.4); writes
input_*.png and expected_*_<size>.png beside this script."""
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def torchvision_size(w, h, size):
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_short, new_long) if w <= h else (new_long, new_short)


def make_input(h, w, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([
        127 + 120 * np.sin(x / 3.0 + y / 7.0),
        127 + 120 * np.cos(x / 5.0 - y / 2.5),
        (x * 255 // max(w - 1, 1)),
    ], axis=-1)
    noise = rng.integers(-40, 41, size=(h, w, 3))
    img = np.clip(base + noise, 0, 255).astype(np.uint8)
    img[h // 3: h // 3 + 4, :, :] = 255  # hard edges exercise the negative lobes and clipping
    img[:, w // 2: w // 2 + 3, :] = 0
    return Image.fromarray(img, "RGB")


CASES = {
    "landscape": ((43, 57), [16, 30, 43, 64]),
    "portrait": ((150, 97), [24, 61, 130]),
}

for name, ((h, w), sizes) in CASES.items():
    img = make_input(h, w, seed=len(name))
    img.save(os.path.join(HERE, f"input_{name}.png"))
    for s in sizes:
        out = img.resize(torchvision_size(w, h, s), Image.BICUBIC)
        out.save(os.path.join(HERE, f"expected_{name}_{s}.png"))
        print(name, (w, h), "->", out.size)
