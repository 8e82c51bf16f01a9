"""Checks on evidence photos shared by claims and check-in review: the watermark read back and
compared with the store and time, light and sharpness, and whether the picture was used before
(perceptual hashes of every submitted photo, in ``photo_hash``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from ocr import SAME_PHOTO_BITS, check_watermark, closest, open_photo, phashes, quality, read_watermark
from server.claims.models import PhotoHash
from server.db import utcnow
from server.settings import Settings


def local_time(settings: Settings, iso: Any) -> datetime | None:
    """A phone's ISO time (``...Z`` or with an offset) as the business's local wall time."""
    if not isinstance(iso, str):
        return None
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None)


def inspect_photo(settings: Settings, store_name: str, data: bytes, taken: datetime | None) -> dict[str, Any]:
    """Watermark, sharpness and light of one photo, and its hashes (no database; slow: tesseract).
    Raises ``ocr.ImageError`` for bytes that are not a picture, ``ocr.EngineError`` when OCR fails."""
    photo = open_photo(data)
    q = quality(photo)
    mark = read_watermark(data)
    expected = taken or local_time(settings, utcnow().isoformat()) or utcnow()
    check = check_watermark(mark, store_name=store_name, expected=expected)
    flags = list(check.flags) + [name for name, bad in (("blurred", q.blurred), ("dark", q.dark)) if bad]
    return {
        "watermark": {"taken_at": mark.taken_at, "place": mark.place, "lines": mark.lines[:6]},
        "store_score": check.store_score,
        "hours_apart": check.hours_apart,
        "brightness": round(q.brightness),
        "sharpness": round(q.sharpness),
        "flags": flags,
        "hashes": phashes(photo),
    }


def recycled_of(session: Session, record_id: str, hashes: list[str]) -> dict[str, Any] | None:
    """The closest earlier photo of another record, when it is the same picture."""
    best: tuple[int, PhotoHash] | None = None
    for row in session.exec(select(PhotoHash).where(PhotoHash.record_id != record_id)):
        bits = closest(hashes, row.hashes)
        if bits <= SAME_PHOTO_BITS and (best is None or bits < best[0]):
            best = (bits, row)
    if best is None:
        return None
    return {"collection": best[1].collection, "record_id": best[1].record_id, "bits": best[0]}


def remember_hashes(
    session: Session, sha256: str, collection: str, record_id: str, store_id: str | None, hashes: list[str]
) -> None:
    """Keep a photo's hashes so a later record using the same picture is found (once per use)."""
    known = select(PhotoHash.id).where(PhotoHash.sha256 == sha256, PhotoHash.record_id == record_id)
    if session.exec(known).first() is None:
        session.add(
            PhotoHash(sha256=sha256, collection=collection, record_id=record_id, store_id=store_id, hashes=hashes)
        )
