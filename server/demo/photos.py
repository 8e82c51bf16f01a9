"""Storefront photos for the demo's past check-ins: cheap to draw (a few ms each), the same
shop looking the same from visit to visit, each with our camera's watermark band."""

from __future__ import annotations

import io
import random
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw

from ocr.synth import font

W, H = 640, 480


@lru_cache(maxsize=64)
def _face(size: int):  # type: ignore[no-untyped-def]
    return font(size)


def storefront_photo(store_name: str, when: datetime, lat: float, lng: float, rep_name: str, seed: int) -> bytes:
    look = random.Random(store_name)
    rng = random.Random(seed)
    img = Image.new("RGB", (W, H), (look.randint(120, 200), look.randint(160, 220), 235))
    draw = ImageDraw.Draw(img)
    shift = rng.randint(-40, 40)
    draw.rectangle((0, 90, W, H), fill=(look.randint(90, 220), look.randint(80, 200), look.randint(60, 180)))
    draw.rectangle((0, 380, W, H), fill=(look.randint(60, 110),) * 3)
    sign = (look.randint(150, 230), look.randint(0, 60), look.randint(0, 60))
    draw.rectangle((40 + shift, 110, 600 + shift, 180), fill=sign)
    draw.text((60 + shift, 118), store_name[:10], font=_face(46), fill=(255, 240, 200))
    for i in range(look.randint(3, 5)):  # windows, with today's goods on the shelves
        x = 50 + shift + i * 100
        draw.rectangle((x, 210, x + 80, 350), fill=(look.randint(20, 80), look.randint(40, 90), look.randint(60, 120)))
        for j in range(3):
            draw.rectangle((x + 6, 222 + j * 40, x + 74, 240 + j * 40), fill=(rng.randint(60, 255),) * 3)
    for _ in range(rng.randint(0, 3)):  # passers-by
        x, y = rng.randint(0, W - 80), rng.randint(220, 330)
        draw.ellipse(
            (x, y, x + rng.randint(30, 80), y + rng.randint(60, 160)), fill=tuple(rng.randint(0, 255) for _ in range(3))
        )
    lines = [store_name, f"{when:%Y/%m/%d %H:%M:%S}", f"GPS {lat:.5f}, {lng:.5f} ±{rng.randint(5, 30)}m", rep_name]
    _band(img, lines)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=72)
    return out.getvalue()


def _band(img: Image.Image, lines: list[str]) -> None:
    """The same band as ``pwa/js/camera.js`` (and ``ocr.synth.burn_fieldvisit``), darkening only
    the band's strip instead of compositing the whole picture."""
    size = max(14, round(H / 32))
    top = H - round(size * (len(lines) + 0.8))
    strip = img.crop((0, top, W, H))
    img.paste(Image.blend(strip, Image.new("RGB", strip.size), 140 / 255), (0, top))
    draw = ImageDraw.Draw(img)
    face = _face(size)
    for i, line in enumerate(lines):
        draw.text((size * 0.6, top + size * (i + 1.1) - size * 0.85), line, font=face, fill=(255, 255, 255))
