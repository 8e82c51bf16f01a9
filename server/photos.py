"""Checks on evidence photos shared by claims and check-in review: the watermark read back and
compared with the store and time, the shop sign read and matched against the stores it could
show, light and sharpness, and whether the picture was used before (perceptual hashes of every
submitted photo, in ``photo_hash``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from ocr import (
    SAME_PHOTO_BITS,
    check_watermark,
    closest,
    engine_named,
    open_photo,
    phashes,
    quality,
    read_watermark,
)
from ocr.signs import check_sign, read_sign
from server.claims.models import PhotoHash
from server.db import utcnow
from server.settings import Settings
from server.stores.models import Store


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


def inspect_photo(
    settings: Settings,
    store_name: str,
    data: bytes,
    taken: datetime | None,
    *,
    store_id: str | None = None,
    candidates: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Watermark, shop sign, sharpness and light of one photo, and its hashes (no database; slow:
    OCR). With ``candidates`` (id, name of the stores it could show) the sign is read and a
    credible match to another store than ``store_id`` flags ``sign_mismatch``.
    Raises ``ocr.ImageError`` for bytes that are not a picture, ``ocr.EngineError`` when OCR fails."""
    photo = open_photo(data)
    q = quality(photo)
    mark = read_watermark(data, engine=engine_named(settings.ocr_watermark_engine))
    expected = taken or local_time(settings, utcnow().isoformat()) or utcnow()
    check = check_watermark(mark, store_name=store_name, expected=expected)
    flags = list(check.flags) + [name for name, bad in (("blurred", q.blurred), ("dark", q.dark)) if bad]
    out: dict[str, Any] = {
        "watermark": {"taken_at": mark.taken_at, "place": mark.place, "lines": mark.lines[:6]},
        "store_score": check.store_score,
        "hours_apart": check.hours_apart,
        "brightness": round(q.brightness),
        "sharpness": round(q.sharpness),
    }
    if settings.ocr_read_signs and candidates is not None and store_id is not None:
        sign = read_sign(data, engine=engine_named("rapidocr"))
        seen = check_sign(sign, (store_id, store_name), candidates)
        flags += seen.flags
        out["sign"] = {
            "texts": sign.texts[:4],
            "match": {"id": seen.best.id, "name": seen.best.name, "score": seen.best.score} if seen.best else None,
            "store_score": seen.expected_score,
        }
    return {**out, "flags": flags, "hashes": phashes(photo)}


NEAR_DEGREES = 0.01  # about 1 km: the stores a sign could show, around where the photo was taken
MAX_CANDIDATES = 400


def sign_candidates(
    session: Session, store: Store, rep_id: str | None, fix: tuple[float, float] | None = None
) -> list[tuple[str, str]]:
    """The stores a photo taken at ``store`` could show: the rep's own and those within about a
    kilometre of the fix (or of the store)."""
    near = fix or ((store.lat, store.lng) if store.lat is not None and store.lng is not None else None)
    where = [col(Store.id) == store.id]
    if rep_id:
        where.append(col(Store.rep_id) == rep_id)
    if near:
        lat, lng = near
        where.append(
            (col(Store.lat).between(lat - NEAR_DEGREES, lat + NEAR_DEGREES))
            & (col(Store.lng).between(lng - NEAR_DEGREES, lng + NEAR_DEGREES))
        )
    rows = session.exec(select(Store.id, Store.name).where(or_(*where)).limit(MAX_CANDIDATES))
    return [(sid, name) for sid, name in rows]


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
