"""Content-addressed blobs (photos, recordings), uploaded resumably in chunks and verified by SHA-256.

A blob is named by the SHA-256 of its bytes, computed on the phone. Upload state lives on disk: a
``.part`` file whose length is how much has arrived, so a resumed upload continues where the last
whole write ended and at most the chunk in flight is sent again. The part is hashed once complete;
bytes that do not match their name are discarded with ``BlobHashMismatch``.

``BlobStore`` is the small interface a server uses; ``DiskBlobStore`` keeps files under a folder
(``ab/cd/<sha256>``). An S3-compatible store can implement the same five methods.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from sync.errors import BlobHashMismatch, BlobOffsetMismatch, BlobTooLarge, MalformedBatch

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


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
    def status(self, sha256: str) -> BlobStatus: ...

    def append(self, sha256: str, offset: int, data: bytes, *, total: int) -> BlobStatus:
        """Store ``data`` at ``offset``; once ``total`` bytes are there, verify and complete."""

    def open(self, sha256: str) -> Iterator[bytes]: ...

    def path(self, sha256: str) -> Path | None: ...

    def delete_partial(self, sha256: str) -> None: ...

    def delete(self, sha256: str) -> None: ...


class DiskBlobStore:
    def __init__(self, root: Path, *, max_blob_bytes: int) -> None:
        self.root = root
        self.max_blob_bytes = max_blob_bytes
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        (root / "incoming").mkdir(parents=True, exist_ok=True)

    def _final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _part(self, sha256: str) -> Path:
        return self.root / "incoming" / f"{sha256}.part"

    def _lock(self, sha256: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sha256, threading.Lock())

    def status(self, sha256: str) -> BlobStatus:
        check_sha256(sha256)
        final = self._final(sha256)
        if final.exists():
            return BlobStatus(sha256, "complete", final.stat().st_size)
        part = self._part(sha256)
        if part.exists():
            return BlobStatus(sha256, "partial", part.stat().st_size)
        return BlobStatus(sha256, "missing", 0)

    def append(self, sha256: str, offset: int, data: bytes, *, total: int) -> BlobStatus:
        check_sha256(sha256)
        if total > self.max_blob_bytes:
            raise BlobTooLarge(f"a blob is at most {self.max_blob_bytes:,} bytes")
        if total < 1:
            raise MalformedBatch("an empty blob is not stored")
        with self._lock(sha256):
            current = self.status(sha256)
            if current.state == "complete":
                return current
            if offset != current.received:
                raise BlobOffsetMismatch(
                    f"the server has {current.received} bytes of this blob; send from there",
                    extra={"received": current.received},
                )
            if offset + len(data) > total:
                raise BlobTooLarge("the chunk goes past the blob's declared size")
            if offset == 0 and len(data) == total:
                return self._whole(sha256, data)
            part = self._part(sha256)
            with part.open("ab") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            received = offset + len(data)
            if received < total:
                return BlobStatus(sha256, "partial", received)
            return self._complete(sha256, part)

    def _whole(self, sha256: str, data: bytes) -> BlobStatus:
        """A blob in one chunk (most photos): verified in memory, written once, never read back."""
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise BlobHashMismatch(f"the uploaded bytes hash to {actual}, not {sha256}; the upload was discarded")
        part = self._part(sha256)
        with part.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return self._move_in(sha256, part)

    def _complete(self, sha256: str, part: Path) -> BlobStatus:
        digest = hashlib.sha256()
        with part.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            part.unlink(missing_ok=True)
            raise BlobHashMismatch(
                f"the uploaded bytes hash to {digest.hexdigest()}, not {sha256}; the upload was discarded"
            )
        return self._move_in(sha256, part)

    def _move_in(self, sha256: str, part: Path) -> BlobStatus:
        """A verified part becomes the blob, atomically."""
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

    def delete_partial(self, sha256: str) -> None:
        self._part(check_sha256(sha256)).unlink(missing_ok=True)

    def delete(self, sha256: str) -> None:
        """Forget a blob (one the server refused after it arrived, e.g. not a usable photo)."""
        with self._lock(sha256):
            self._final(check_sha256(sha256)).unlink(missing_ok=True)
            self._part(sha256).unlink(missing_ok=True)
