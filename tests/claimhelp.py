"""Photos for claim tests: a generated receipt photographed on a table, and a material photo with
our camera's watermark band (both through ``ocr.synth``, the same generator the benchmark uses)."""

from __future__ import annotations

import io
import random
from datetime import datetime
from typing import Any

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


def promoted_store(rep_api: Any, admin: Any, code: str, name: str, pool: str, cents: int) -> tuple[Any, Any]:
    """One of the rep's shops (a convenience store or supermarket) and a promotion, running this
    week, whose one budget pool of ``cents`` covers just that store: (the store, the promotion)."""
    from datetime import timedelta

    from sync import uuid7
    from tests import clock

    store = next(
        s
        for s in rep_api.get("/api/stores", params={"limit": 500}).json()["items"]
        if s["channel"] in ("convenience", "supermarket")
    )
    today = clock.today()
    made = admin.post(
        "/api/admin/promotions",
        json={
            "code": f"{code}-{uuid7()[-6:]}",
            "name": name,
            "starts_on": (today - timedelta(days=7)).isoformat(),
            "ends_on": (today + timedelta(days=7)).isoformat(),
            "pools": [{"name": pool, "amount_cents": cents, "store_ids": [store["id"]]}],
        },
    )
    assert made.status_code == 201, made.text
    return store, made.json()
