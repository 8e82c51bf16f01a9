"""Smaller copies of photos for the review queue, made once with Pillow and kept on disk next to
the blobs (``<data_dir>/thumbs/<size>/``). A blob never changes (its name is its hash), so a
thumbnail never goes stale and is served as immutable."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from ocr import open_photo
from server.replication.service import blob_store
from server.settings import Settings

# s: the queue's list (small enough that a page of 20 costs ~100 KB); l: the photo on screen.
SIZES = {"s": (240, 55), "l": (1280, 78)}  # longest side in px, JPEG quality


def _path(settings: Settings, sha256: str, size: str) -> Path:
    return settings.data_dir / "thumbs" / size / sha256[:2] / f"{sha256}.jpg"


def _write(path: Path, photo: Image.Image, size: str) -> None:
    side, quality = SIZES[size]
    copy = photo.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(out.getvalue())
    os.replace(tmp, path)  # readers never see half a file


def make_thumbnails(settings: Settings, sha256: str, data: bytes) -> None:
    """Both sizes of one photo (raises ``ocr.ImageError`` when the bytes are not a picture)."""
    photo = open_photo(data)
    for size in SIZES:
        path = _path(settings, sha256, size)
        if not path.exists():
            _write(path, photo, size)


def thumbnail(settings: Settings, sha256: str, size: str) -> Path | None:
    """The thumbnail's file, made now if the job has not made it yet; None when the blob is missing."""
    path = _path(settings, sha256, size)
    if path.exists():
        return path
    blob = blob_store(settings).path(sha256)
    if blob is None:
        return None
    _write(path, open_photo(blob.read_bytes()), size)
    return path
