"""Real tesseract on real (SROIE) and generated receipts, watermarks and recycled photos."""

from __future__ import annotations

import io
import json
import random
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from ocr import (
    ENGINES,
    EngineError,
    ImageTooLarge,
    NotAnImage,
    TruncatedImage,
    check_watermark,
    closest,
    engine_named,
    open_photo,
    phashes,
    quality,
    read_receipt,
    read_watermark,
)
from ocr.fields import normalise_merchant
from ocr.synth import make_photo
from ocr.watermark import parse_watermark
from tests.ocr.conftest import SROIE, key


@pytest.mark.parametrize(("name", "total", "day"), [("038", "13.10", "2018-03-11"), ("599", "42.40", "2018-05-19")])
def test_real_receipts(name: str, total: str, day: str) -> None:
    receipt = read_receipt((SROIE / "img" / f"{name}.jpg").read_bytes())
    assert receipt.total.value == total
    assert receipt.date.value == day
    assert 0 < receipt.total.confidence <= 1
    assert receipt.timings["total"] > 0


def test_generated_chinese_receipts(generated: Path) -> None:
    right = {"total": 0, "date": 0, "merchant": 0}
    names = sorted(p.stem for p in (generated / "img").iterdir())
    for name in names:
        truth = key(generated, name)
        receipt = read_receipt((generated / "img" / f"{name}.jpg").read_bytes())
        right["total"] += receipt.total.value == truth["total"]
        right["date"] += receipt.date.value == truth["iso_date"]
        right["merchant"] += normalise_merchant(receipt.merchant.value or "") == normalise_merchant(truth["company"])
    # some are stored sideways with an EXIF orientation tag; all are turned a little on a table
    assert any(key(generated, n)["exif_orientation"] == 6 for n in names)
    assert right["date"] == len(names)
    assert right["total"] >= len(names) - 1
    assert right["merchant"] >= len(names) - 1


@pytest.mark.parametrize("engine", ENGINES)
def test_watermarks_read_and_checked(generated: Path, engine: str) -> None:
    ours = sorted((generated / "photos").glob("*.jpg"))[0::2]  # even ones carry our band
    for path in ours:
        truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        mark = read_watermark(path.read_bytes(), engine=engine_named(engine))
        assert mark.taken_at is not None and mark.taken_at.startswith(truth["time"])
        when = datetime.fromisoformat(truth["time"])
        same = check_watermark(mark, store_name=truth["store"], expected=when)
        assert same.flags == []
        other_day = check_watermark(mark, store_name=truth["store"], expected=when.replace(day=when.day % 27 + 1))
        assert other_day.flags == ["watermark_time_mismatch"]
        other_store = check_watermark(mark, store_name="蓝天洗车行", expected=when)
        assert other_store.flags == ["watermark_store_mismatch"]


def test_a_clock_run_into_the_date_is_read_as_the_time() -> None:
    # PP-OCR reads "2026/02/18 14:14:00" as one word; the time is not the "14:00" at its end
    assert parse_watermark(["万家福烟酒店", "2026/02/1814:14:00", "GPS 30.86231, 104.84868 ±12m"]) == (
        "2026-02-18T14:14:00",
        "万家福烟酒店",
        (30.86231, 104.84868),
    )
    assert parse_watermark(["2026/01/15 09:04:00"])[0] == "2026-01-15T09:04:00"


def test_photo_without_watermark_is_flagged_missing() -> None:
    plain = Image.new("RGB", (1280, 960), (90, 120, 160))
    out = io.BytesIO()
    plain.save(out, "JPEG")
    mark = read_watermark(out.getvalue())
    assert mark.confidence == 0 and mark.taken_at is None
    check = check_watermark(mark, store_name="红旗超市", expected=datetime(2026, 3, 1, 10))
    assert check.flags == ["watermark_missing"]


def _jpeg(image: Image.Image, quality_: int) -> Image.Image:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality_)
    return Image.open(io.BytesIO(out.getvalue()))


def test_recycled_photo_is_detected_and_another_photo_of_the_store_is_not() -> None:
    first = make_photo(
        random.Random(5), style="fieldvisit", store="红旗超市", when=datetime(2026, 3, 1, 10), address=""
    )
    w, h = first.size
    recycled = _jpeg(first.crop((int(w * 0.05), int(h * 0.05), w, h)).resize((w // 2, h // 2)), 55)
    again = make_photo(
        random.Random(6), style="fieldvisit", store="红旗超市", when=datetime(2026, 3, 8, 10), address=""
    )
    original = phashes(first)
    assert closest(phashes(recycled), original) <= 5
    assert closest(phashes(again), original) > 5


def test_quality_scores() -> None:
    sharp = make_photo(random.Random(1), style="fieldvisit", store="红旗超市", when=datetime(2026, 3, 1), address="")
    assert not quality(sharp).blurred and not quality(sharp).dark
    # scored like the phone scores at capture (a 160 px wide copy): a shaken photo, not a soft one
    assert quality(sharp.filter(ImageFilter.GaussianBlur(16))).blurred
    dark = Image.eval(sharp, lambda v: v // 8)
    assert quality(dark).dark
    blank = Image.new("RGB", (800, 600), (255, 255, 255))
    assert quality(blank).blank


def test_bad_input() -> None:
    with pytest.raises(NotAnImage):
        read_receipt(b"")
    with pytest.raises(NotAnImage):
        read_receipt(b"%PDF-1.4 not a photo")
    good = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(good, "JPEG")
    with pytest.raises(TruncatedImage):
        read_receipt(good.getvalue()[: len(good.getvalue()) // 2])
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 megapixels, a few kB on disk
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(ImageTooLarge):
        read_receipt(bomb.getvalue())
    # a blank photo is not an error: nothing found, nothing claimed with confidence
    blank = read_receipt(good.getvalue())
    assert blank.total.value is None and blank.total.confidence == 0
    assert blank.merchant.confidence == 0


class BrokenEngine:
    def read(self, image: Image.Image, langs: str, psm: int) -> list:
        raise EngineError("tesseract failed: simulated crash")


def test_engine_failure_is_ours() -> None:
    with pytest.raises(EngineError):
        read_receipt((SROIE / "img" / "038.jpg").read_bytes(), engine=BrokenEngine())


def test_exif_orientation_is_applied() -> None:
    landscape = Image.new("RGB", (300, 200), "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    landscape.save(out, "JPEG", exif=exif.tobytes())
    assert open_photo(out.getvalue()).size == (200, 300)
