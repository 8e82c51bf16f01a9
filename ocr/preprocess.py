"""Making a receipt photo readable: crop to the paper and then to the print, straighten it,
scale it so text lines are the height tesseract reads best, and flatten the lighting (tesseract
binarizes the result itself). Pure functions over Pillow images and numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

# Line height (px) the photo is scaled to: measured best for tesseract between 20 and 34 px.
TARGET_LINE_PX = 24
WORK_SIDE = 800  # analyses (paper, skew, line height) run on a copy this size


@dataclass(frozen=True)
class Prepared:
    image: Image.Image  # grey with flattened light, upright, cropped, scaled
    angle: float  # degrees the photo was rotated to straighten it
    scale: float


def otsu(values: np.ndarray) -> float:
    """Otsu's threshold of an 8-bit array."""
    hist = np.bincount(values.ravel().astype(np.uint8), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128.0
    levels = np.arange(256)
    weight0 = np.cumsum(hist)
    weight1 = total - weight0
    mean0 = np.cumsum(hist * levels)
    mean_total = mean0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_total * weight0 - mean0 * total) ** 2 / (weight0 * weight1)
    between[~np.isfinite(between)] = 0
    return float(np.argmax(between))


def flatten(gray: Image.Image) -> Image.Image:
    """Divide by the blurred background so shadows and uneven light do not become ink."""
    radius = max(8, min(gray.size) // 24)
    small = gray.reduce(4) if min(gray.size) > 400 else gray
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(radius / 4))
    background = background.resize(gray.size, Image.Resampling.BILINEAR)
    g = np.asarray(gray, dtype=np.float32)
    b = np.maximum(np.asarray(background, dtype=np.float32), 1.0)
    out = np.clip(g / b * 255.0, 0, 255)
    return Image.fromarray(out.astype(np.uint8))


def _span(profile: np.ndarray, floor: float) -> tuple[int, int] | None:
    """First and last index where ``profile`` exceeds ``floor``."""
    idx = np.nonzero(profile > floor)[0]
    if idx.size == 0:
        return None
    return int(idx[0]), int(idx[-1]) + 1


def paper_box(gray_small: np.ndarray) -> tuple[int, int, int, int] | None:
    """The bright sheet on a darker background, if the photo shows one (else None)."""
    h, w = gray_small.shape
    t = otsu(gray_small)
    bright = gray_small > t
    border = np.concatenate([bright[0], bright[-1], bright[:, 0], bright[:, -1]])
    if border.mean() > 0.5:  # the edges are already paper: a scan, or a photo filled by the receipt
        return None
    rows = _span(bright.mean(axis=1), 0.15)
    cols = _span(bright.mean(axis=0), 0.15)
    if rows is None or cols is None:
        return None
    top, bottom = rows
    left, right = cols
    if (bottom - top) * (right - left) < 0.05 * h * w:
        return None
    return left, top, right, bottom


def paper_mask(gray_small: np.ndarray) -> np.ndarray:
    """True over the sheet: in every row and column, from the first bright pixel to the last
    (so the print inside counts as paper and a turned sheet's table corners do not)."""
    bright = gray_small > otsu(gray_small)
    bright = np.asarray(Image.fromarray(bright.astype(np.uint8) * 255).filter(ImageFilter.MedianFilter(5))) > 0

    def fill(mask: np.ndarray) -> np.ndarray:
        any_ = mask.any(axis=1)
        first = np.where(any_, mask.argmax(axis=1), mask.shape[1])
        last = np.where(any_, mask.shape[1] - 1 - mask[:, ::-1].argmax(axis=1), -1)
        cols = np.arange(mask.shape[1])[None, :]
        return (cols >= first[:, None]) & (cols <= last[:, None])

    return fill(bright) & fill(bright.T).T


def ink_box(binary: np.ndarray) -> tuple[int, int, int, int] | None:
    """The part of a (text = True) binary image that holds the print, ignoring specks and edges."""
    rows = _span(binary.mean(axis=1), 0.004)
    cols = _span(binary.mean(axis=0), 0.004)
    if rows is None or cols is None:
        return None
    return cols[0], rows[0], cols[1], rows[1]


def skew_angle(binary: np.ndarray, limit: float = 6.0, step: float = 0.5) -> float:
    """The rotation (degrees) that makes text rows sharpest in the horizontal projection."""
    if binary.sum() == 0:
        return 0.0
    image = Image.fromarray((binary * 255).astype(np.uint8))
    best, best_score = 0.0, -1.0
    for angle in np.arange(-limit, limit + step / 2, step):
        rotated = np.asarray(image.rotate(float(angle), resample=Image.Resampling.NEAREST, expand=False))
        profile = rotated.sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best, best_score = float(angle), score
    return best


def line_height(binary: np.ndarray) -> float | None:
    """Median height of the runs of inked rows (text lines), in pixels."""
    rows = binary.mean(axis=1) > 0.01
    runs, length = [], 0
    for inked in rows:
        if inked:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    if length:
        runs.append(length)
    runs = [r for r in runs if r >= 3]
    if len(runs) < 2:
        return None
    return float(np.median(runs))


def _small(gray: Image.Image) -> tuple[Image.Image, float]:
    factor = min(1.0, WORK_SIDE / max(gray.size))
    if factor < 1.0:
        return gray.resize((max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))), factor
    return gray, 1.0


def binarize(gray: Image.Image) -> Image.Image:
    flat = np.asarray(flatten(gray))
    t = otsu(flat)
    # Paper dominates after flattening; cap the threshold so faint print on a clean sheet survives.
    return Image.fromarray(np.where(flat > min(t, 200), 255, 0).astype(np.uint8))


def prepare_receipt(photo: Image.Image) -> Prepared:
    gray = photo.convert("L")
    small, factor = _small(gray)
    arr = np.asarray(small)
    # 1. the sheet, when the photo shows it on a table
    box = paper_box(arr)
    if box is not None:
        left, top, right, bottom = (round(v / factor) for v in box)
        gray = gray.crop((left, top, right, bottom))
        small, factor = _small(gray)
        # the table still showing at a turned sheet's corners would read as ink: paint it white
        outside = Image.fromarray((~paper_mask(np.asarray(small))).astype(np.uint8) * 255)
        gray.paste(255, (0, 0), outside.resize(gray.size, Image.Resampling.NEAREST))
        small, factor = _small(gray)
    # 2. the skew, measured on the print of the small copy
    ink = np.asarray(binarize(small)) == 0
    angle = skew_angle(ink)
    if angle:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        small, factor = _small(gray)
        ink = np.asarray(binarize(small)) == 0
    # 3. crop to the print
    box = ink_box(ink)
    if box is not None:
        pad = 12
        left, top, right, bottom = box
        left, top = max(0, left - pad), max(0, top - pad)
        right, bottom = min(ink.shape[1], right + pad), min(ink.shape[0], bottom + pad)
        ink = ink[top:bottom, left:right]
        gray = gray.crop((round(left / factor), round(top / factor), round(right / factor), round(bottom / factor)))
    # 4. scale so lines are the height tesseract likes
    height = line_height(ink)
    scale = 1.0
    if height:
        scale = float(np.clip(TARGET_LINE_PX / (height / factor), 0.4, 4.0))
    if abs(scale - 1.0) > 0.1:
        gray = gray.resize(
            (max(1, round(gray.width * scale)), max(1, round(gray.height * scale))), Image.Resampling.LANCZOS
        )
    else:
        scale = 1.0
    # Tesseract binarizes by itself (Otsu); what it cannot do is undo shadows, so it gets grey
    # with the light flattened — measured better than our own threshold on the SROIE scans.
    return Prepared(flatten(gray), angle, scale)
