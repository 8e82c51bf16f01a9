"""Photo checks: a perceptual hash to find a photo submitted before, and blur / darkness scores.

The hash is a DCT hash (pHash) of the picture above the watermark band — the part a recycled
photo shares with its first use even when another watermark was burned over it. It survives
re-compression, resizing and a crop of a few percent: ``closest(phashes(a), phashes(b))`` is the
fewest bits (of 64) that differ, either photo possibly a crop of the other; ``<= SAME_PHOTO_BITS``
is the same photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

HASH_SIDE = 32
SAME_PHOTO_BITS = 5  # measured: a recycled photo 0–2 bits, another photo of the same shop 8+
# The same thresholds the phone applies at capture (pwa/js/camera.js): a 160 px wide grey copy.
QUALITY_WIDTH = 160
DARK_BELOW = 40
BLURRED_BELOW = 30.0
BAND_SHARE = 0.2  # the bottom fifth, where watermarks sit, is left out of the hash


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    return m


_DCT = _dct_matrix(HASH_SIDE)


def phash(photo: Image.Image) -> str:
    """64-bit perceptual hash as 16 hex digits."""
    w, h = photo.size
    picture = photo.crop((0, 0, w, max(1, round(h * (1 - BAND_SHARE)))))
    grey = picture.convert("L").filter(ImageFilter.BoxBlur(1)).resize((HASH_SIDE, HASH_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey, dtype=np.float64)
    freq = _DCT @ pixels @ _DCT.T
    low = freq[:8, :8].ravel()[1:]  # the DC term says only how bright the photo is
    bits = low > np.median(low)
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value << 1:016x}"


# A recycled photo is often a crop of the first one: its hash is compared with the first
# photo's hash and with the hashes of the first photo cropped by 5 % from each side and corner.
CROPS = tuple((dx, dy) for dx in (-0.05, 0.0, 0.05) for dy in (-0.05, 0.0, 0.05))


def phashes(photo: Image.Image) -> list[str]:
    """The photo's hash first, then those of its 5 % crops (kept so later photos can be compared)."""
    w, h = photo.size
    out = []
    for dx, dy in CROPS:
        box = (max(0.0, dx) * w, max(0.0, dy) * h, w - max(0.0, -dx) * w, h - max(0.0, -dy) * h)
        out.append(phash(photo.crop(tuple(round(v) for v in box))))  # type: ignore[arg-type]
    centre = CROPS.index((0.0, 0.0))
    return [out[centre], *out[:centre], *out[centre + 1 :]]


def closest(new: list[str], old: list[str]) -> int:
    """Fewest differing bits between two photos, either one possibly a crop of the other."""
    return min(min(distance(new[0], h) for h in old), min(distance(old[0], h) for h in new))


def distance(a: str, b: str) -> int:
    """Bits that differ between two hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True)
class Quality:
    brightness: int  # mean luminance 0..255
    sharpness: int  # variance of the Laplacian of a 160 px wide grey copy
    dark: bool
    blurred: bool
    blank: bool  # nothing in the picture at all (a lens cap, a white wall)


def quality(photo: Image.Image) -> Quality:
    w, h = photo.size
    small = photo.convert("L").resize((QUALITY_WIDTH, max(1, round(h / w * QUALITY_WIDTH))), Image.Resampling.BILINEAR)
    g = np.asarray(small, dtype=np.float64)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    sharpness = float(lap.var()) if lap.size else 0.0
    brightness = float(g.mean())
    return Quality(
        brightness=round(brightness),
        sharpness=round(sharpness),
        dark=brightness < DARK_BELOW,
        blurred=sharpness < BLURRED_BELOW,
        blank=float(g.std()) < 3.0,
    )
