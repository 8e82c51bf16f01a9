"""Photos for claim tests: a generated receipt photographed on a table, and a material photo with
our camera's watermark band (both through ``ocr.synth``, the same generator the benchmark uses)."""

from __future__ import annotations

import io
import random
from datetime import datetime

from PIL import Image

from ocr.synth import ReceiptTruth, draw_receipt, make_photo, photograph


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def receipt(seed: int, *, company: str | None = None, day: datetime | None = None) -> tuple[bytes, ReceiptTruth]:
    rng = random.Random(seed)
    paper, truth = draw_receipt(rng, company=company, day=day)
    data, _ = photograph(paper, rng)
    return data, truth


def material_photo(seed: int, store: str, when: datetime) -> Image.Image:
    """A storefront with a poster, our watermark band naming ``store`` at ``when`` (local time)."""
    return make_photo(random.Random(seed), style="fieldvisit", store=store, when=when, address="成都市锦江区红星路1号")
