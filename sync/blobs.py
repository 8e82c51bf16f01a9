"""Content-addressed blobs (photos, recordings), uploaded resumably in chunks and verified by SHA-256.

A blob is named by the SHA-256 of its bytes, computed on the phone. Upload state lives on disk: a
``.part`` file whose length is how much has arrived, so a resumed upload continues where the last
whole write ended and at most the chunk in flight is sent again. The part is hashed once complete;
bytes that do not match their name are discarded with ``BlobHashMismatch``.

A caller may pass ``check``: it sees the verified bytes (a path) before they become the blob, and
whatever it raises discards them — bytes refused (a truncated photo, a file that is no audio) are
never, even for a moment, a complete blob.

``BlobStore`` is the small interface a server uses; ``DiskBlobStore`` keeps files under a folder
(``ab/cd/<sha256>``); ``sync.s3blobs.S3BlobStore`` keeps them in S3-compatible object storage.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from sync.errors import BlobHashMismatch, BlobOffsetMismatch, BlobTooLarge, MalformedBatch

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Looks at verified bytes before they are stored; raising refuses them (the part is deleted).
BlobCheck = Callable[[Path], None]


# What a phone uploads, told by its first bytes (never by what the uploader says it is).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\x1a\x45\xdf\xa3", "audio/webm"),  # EBML: WebM/Matroska recordings
    (0, b"OggS", "audio/ogg"),
)
SNIFF_BYTES = 16


def sniff_type(head: bytes) -> str | None:
    """The blob type of bytes that start with ``head`` (at least 12 bytes), or None when it is none
    of the photos and recordings phones make: JPEG, PNG, WebP, WebM, Ogg, MP4/M4A audio, WAV."""
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"mp42", b"isom", b"iso5", b"iso6", b"mp41", b"dash"):
        return "audio/mp4"  # Safari's MediaRecorder writes audio in MP4
    return None


def named_blobs(value: object) -> set[str]:
    """Every blob name (a SHA-256) anywhere in a record's fields, nested lists and objects included."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str) and SHA256_RE.match(item):
            found.add(item)
    return found


def check_sha256(value: str) -> str:
    if not SHA256_RE.match(value):
        raise MalformedBatch("a blob name is 64 lowercase hexadecimal characters (its SHA-256)")
    return value


@dataclass(frozen=True)
class BlobStatus:
    sha256: str
    state: Literal["complete", "partial", "missing"]
    received: int  # bytes stored so far (the full size when complete)


class BlobStore(Protocol):
    def status(self, sha256: str, owner: str = "") -> BlobStatus:
        """Complete if the blob is stored; else what ``owner``'s own upload of it has received."""

    def part_status(self, sha256: str, owner: str = "") -> BlobStatus:
        """What ``owner``'s own upload has received, whether or not the blob is stored."""

    def append(
        self,
        sha256: str,
        offset: int,
        data: bytes,
        *,
        total: int,
        owner: str = "",
        reuse_complete: bool = True,
        check: BlobCheck | None = None,
    ) -> BlobStatus:
        """Store ``data`` at ``offset`` of ``owner``'s upload; once ``total`` bytes are there, verify,
        ``check`` and complete. Each owner's partial upload is their own. ``reuse_complete=False``
        makes an owner send (and the store verify) every byte even when the blob is already stored."""

    def head(self, sha256: str, owner: str = "", size: int = SNIFF_BYTES) -> bytes:
        """The first bytes of the blob, or of ``owner``'s partial upload of it."""

    def open(self, sha256: str) -> Iterator[bytes]: ...

    def path(self, sha256: str) -> Path | None:
        """A local file of the blob (for readers that need one: thumbnails, OCR), or None."""

    def delete_partial(self, sha256: str, owner: str = "") -> None: ...

    def delete(self, sha256: str) -> None: ...


def offset_mismatch(received: int) -> BlobOffsetMismatch:
    """The answer to a chunk that does not go on where the upload stands (409, ``extra.received``)."""
    return BlobOffsetMismatch(
        f"the server has {received} bytes of this blob; send from there", extra={"received": received}
    )


class Uploads:
    """What every store shares: a lock per blob (one process's threads; across processes the
    caller serialises), an owner's tag in the names of their partial upload, and the checks of a
    chunk before it is stored."""

    def __init__(self, *, max_blob_bytes: int) -> None:
        self.max_blob_bytes = max_blob_bytes
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, sha256: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sha256, threading.Lock())

    @staticmethod
    def _owner_tag(owner: str) -> str:
        return hashlib.sha256(owner.encode()).hexdigest()[:16] if owner else "any"

    def _admit(self, sha256: str, total: int) -> None:
        check_sha256(sha256)
        if total > self.max_blob_bytes:
            raise BlobTooLarge(f"a blob is at most {self.max_blob_bytes:,} bytes")
        if total < 1:
            raise MalformedBatch("an empty blob is not stored")

    @staticmethod
    def _fits(offset: int, received: int, size: int, total: int) -> None:
        """A chunk of ``size`` bytes at ``offset`` goes on where the upload has ``received`` to."""
        if offset != received:
            raise offset_mismatch(received)
        if offset + size > total:
            raise BlobTooLarge("the chunk goes past the blob's declared size")


class DiskBlobStore(Uploads):
    def __init__(self, root: Path, *, max_blob_bytes: int) -> None:
        super().__init__(max_blob_bytes=max_blob_bytes)
        self.root = root
        (root / "incoming").mkdir(parents=True, exist_ok=True)

    def _final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _part(self, sha256: str, owner: str = "") -> Path:
        return self.root / "incoming" / f"{sha256}.{self._owner_tag(owner)}.part"

    def status(self, sha256: str, owner: str = "") -> BlobStatus:
        check_sha256(sha256)
        final = self._final(sha256)
        if final.exists():
            return BlobStatus(sha256, "complete", final.stat().st_size)
        return self.part_status(sha256, owner)

    def part_status(self, sha256: str, owner: str = "") -> BlobStatus:
        """What ``owner``'s own upload has received, whether or not the blob is stored."""
        part = self._part(check_sha256(sha256), owner)
        if part.exists():
            return BlobStatus(sha256, "partial", part.stat().st_size)
        return BlobStatus(sha256, "missing", 0)

    def head(self, sha256: str, owner: str = "", size: int = SNIFF_BYTES) -> bytes:
        for path in (self._final(check_sha256(sha256)), self._part(sha256, owner)):
            try:
                with path.open("rb") as fh:
                    return fh.read(size)
            except FileNotFoundError:
                continue
        return b""

    def append(
        self,
        sha256: str,
        offset: int,
        data: bytes,
        *,
        total: int,
        owner: str = "",
        reuse_complete: bool = True,
        check: BlobCheck | None = None,
    ) -> BlobStatus:
        self._admit(sha256, total)
        with self._lock(sha256):
            current = self.status(sha256, owner) if reuse_complete else self.part_status(sha256, owner)
            if current.state == "complete":
                return current
            self._fits(offset, current.received, len(data), total)
            if offset == 0 and len(data) == total:
                return self._whole(sha256, data, owner, check)
            part = self._part(sha256, owner)
            with part.open("ab") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            received = offset + len(data)
            if received < total:
                return BlobStatus(sha256, "partial", received)
            return self._complete(sha256, part, check)

    def _whole(self, sha256: str, data: bytes, owner: str, check: BlobCheck | None) -> BlobStatus:
        """A blob in one chunk (most photos): verified in memory, written once, never read back."""
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise BlobHashMismatch(f"the uploaded bytes hash to {actual}, not {sha256}; the upload was discarded")
        part = self._part(sha256, owner)
        with part.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return self._move_in(sha256, part, check)

    def _complete(self, sha256: str, part: Path, check: BlobCheck | None) -> BlobStatus:
        digest = hashlib.sha256()
        with part.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            part.unlink(missing_ok=True)
            raise BlobHashMismatch(
                f"the uploaded bytes hash to {digest.hexdigest()}, not {sha256}; the upload was discarded"
            )
        return self._move_in(sha256, part, check)

    def _move_in(self, sha256: str, part: Path, check: BlobCheck | None = None) -> BlobStatus:
        """A verified part becomes the blob, atomically, once ``check`` has passed it."""
        if check is not None:
            try:
                check(part)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
        final = self._final(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, final)
        return BlobStatus(sha256, "complete", final.stat().st_size)

    def open(self, sha256: str) -> Iterator[bytes]:
        with self._final(check_sha256(sha256)).open("rb") as fh:
            yield from iter(lambda: fh.read(1 << 16), b"")

    def path(self, sha256: str) -> Path | None:
        final = self._final(check_sha256(sha256))
        return final if final.exists() else None

    def delete_partial(self, sha256: str, owner: str = "") -> None:
        self._part(check_sha256(sha256), owner).unlink(missing_ok=True)

    def delete(self, sha256: str) -> None:
        """Forget a blob (one the server refused after it arrived, e.g. not a usable photo)."""
        with self._lock(sha256):
            self._final(check_sha256(sha256)).unlink(missing_ok=True)
            for part in (self.root / "incoming").glob(f"{sha256}.*.part"):
                part.unlink(missing_ok=True)
