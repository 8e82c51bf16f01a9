"""Watermarks: the band our camera burns in (store, ``2026/11/24 14:03:05``, GPS, rep) and the
common third-party watermark-camera layouts (a large ``14:03``, the date and weekday, a location
line). ``read_watermark`` finds the text; ``check_watermark`` compares it with the visit or claim.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from PIL import Image
from rapidfuzz import fuzz

from ocr.engine import Engine, Tesseract
from ocr.fields import parse_date
from ocr.images import open_photo

BAND_SHARE = 0.36  # watermarks sit in the bottom third
# (strip height, page segmentation): our band reads as a block (6); a watermark camera's large
# clock beside a small date reads best as sparse text (11).
ATTEMPTS = ((400, 6), (400, 11), (200, 11))
_TIME = re.compile(r"(?<!\d)([01]?\d|2[0-3])\s*[:：]\s*([0-5]\d)(?:\s*[:：]\s*([0-5]\d))?(?!\d)")
# PP-OCR reads our band's "2026/02/18 14:14:00" as one word, "2026/02/1814:14:00": a year-first
# date with a two-digit day, a clock straight after it.
_RUN_ON = re.compile(r"(\d{4}\s*[/.\-年]\s*\d{1,2}\s*[/.\-月]\s*\d{2})(?=\d{1,2}\s*[:：]\s*\d{2})")
_GPS = re.compile(r"(-?\d{1,3}\.\d{3,})\s*[,，]\s*(-?\d{1,3}\.\d{3,})")
_PLACE_WORDS = re.compile(r"地点|位置|地址|省|市|区|县|路|街|道|号|店|超市")
_WEEKDAY = re.compile(r"星期|周[一二三四五六日天]|MON|TUE|WED|THU|FRI|SAT|SUN")


@dataclass
class Watermark:
    lines: list[str]
    taken_at: str | None  # local wall time as printed, ISO (no zone: watermarks print local time)
    place: str | None
    gps: tuple[float, float] | None
    confidence: float  # 0 when nothing was read
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _bright_text(photo: Image.Image, share: float, height: int) -> Image.Image:
    """The bottom ``share`` of the photo, scaled to ``height``, white text made black on white."""
    w, h = photo.size
    strip = photo.crop((0, round(h * (1 - share)), w, h)).convert("L")
    factor = height / strip.height
    strip = strip.resize((round(w * factor), height), Image.Resampling.LANCZOS)
    g = np.asarray(strip)
    return Image.fromarray(np.where(g >= 200, 0, 255).astype(np.uint8))


def parse_watermark(lines: list[str]) -> tuple[str | None, str | None, tuple[float, float] | None]:
    """(time, place, gps) from a watermark's lines — pure."""
    lines = [_RUN_ON.sub(r"\1 ", line) for line in lines]
    text = " ".join(lines)
    day: date | None = parse_date(text, dayfirst=False)
    clock = None
    for line in lines:
        if parse_date(line, dayfirst=False) and _TIME.search(line):
            clock = _TIME.search(line.split(" ", 1)[-1])
            break
    clock = clock or _TIME.search(text)
    taken = None
    if day and clock:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        taken = datetime(day.year, day.month, day.day, hour, minute, second).isoformat()
    elif day:
        taken = day.isoformat()
    gps_match = _GPS.search(text)
    gps = (float(gps_match.group(1)), float(gps_match.group(2))) if gps_match else None
    place = None
    for line in lines:
        bare = line.strip()
        if len(bare) < 2 or _GPS.search(bare) or _WEEKDAY.search(bare.upper()) or parse_date(bare, dayfirst=False):
            continue
        if _TIME.fullmatch(bare):
            continue
        if sum(1 for ch in bare if ch.isalpha()) < 2:  # str.isalpha() counts Chinese characters
            continue
        if place is None or (_PLACE_WORDS.search(bare) and not _PLACE_WORDS.search(place)):
            place = re.sub(r"^(地点|位置|地址)\s*[:：]?\s*", "", bare)
    return taken, place, gps


def read_watermark(data: bytes, *, engine: Engine | None = None) -> Watermark:
    engine = engine or Tesseract()
    started = time.perf_counter()
    photo = open_photo(data)
    best: tuple[int, float, list[str], tuple[str | None, str | None, tuple[float, float] | None]]
    best = (0, 0.0, [], (None, None, None))
    # Our band's lines are small (h/32); a watermark camera's clock is large (h/9): read the
    # strip in a few ways, stop at a complete reading, else keep the one that found the most.
    for height, psm in ATTEMPTS:
        kept = [
            line
            for line in engine.read(_bright_text(photo, BAND_SHARE, height), "chi_sim+eng", psm)
            if line.conf >= 0.4
        ]
        conf = sum(line.conf for line in kept) / len(kept) if kept else 0.0
        texts = [line.text for line in kept]
        parsed = parse_watermark(texts)
        found = sum(x is not None for x in parsed[:2]) + (1 if parsed[0] and len(parsed[0]) > 10 else 0)
        best = max(best, (found, conf, texts, parsed), key=lambda reading: reading[:2])
        if found == 3 and conf > 0.8:
            break
    found, conf, texts, (taken, place, gps) = best
    return Watermark(
        lines=texts,
        taken_at=taken,
        place=place,
        gps=gps,
        confidence=round(conf * found / 3, 2),
        timings={"total": round(time.perf_counter() - started, 3)},
    )


@dataclass(frozen=True)
class WatermarkCheck:
    flags: list[str]  # watermark_missing, watermark_store_mismatch, watermark_time_mismatch
    store_score: float | None  # 0..100, how well the watermark's place matches the store's name
    hours_apart: float | None


def check_watermark(
    mark: Watermark, *, store_name: str, expected: datetime, tolerance: timedelta = timedelta(hours=3)
) -> WatermarkCheck:
    """Compare a watermark with what the visit or claim says: the same store (fuzzy, since the
    place line may carry the address too) and the same local day within ``tolerance``.
    ``expected`` is local wall time, like the watermark."""
    if mark.taken_at is None and mark.place is None:
        return WatermarkCheck(["watermark_missing"], None, None)
    flags = []
    score = None
    if mark.place is not None:
        score = max(fuzz.partial_ratio(store_name, mark.place), fuzz.ratio(store_name, mark.place))
        if score < 70:
            flags.append("watermark_store_mismatch")
    hours = None
    if mark.taken_at is not None:
        taken = datetime.fromisoformat(mark.taken_at)
        if len(mark.taken_at) == 10:  # a date without a time: only the day can be compared
            if taken.date() != expected.date():
                flags.append("watermark_time_mismatch")
        else:
            hours = abs((taken - expected.replace(tzinfo=None)).total_seconds()) / 3600
            if taken.date() != expected.date() or hours > tolerance.total_seconds() / 3600:
                flags.append("watermark_time_mismatch")
    return WatermarkCheck(flags, score, None if hours is None else round(hours, 2))
