"""Fetching the published small Vosk models, verifying them and installing them atomically.

``install(lang, root)`` downloads the archive (showing progress), checks its SHA-256 when one is
known or given, tests every member's CRC, refuses members that would land outside the target,
checks the Vosk layout, loads the model once, and only then swaps it into ``<root>/<lang>``: a
failed or corrupt download never replaces a working model.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from speech.errors import ArchiveRejected, DownloadError, ModelError
from speech.models import check_layout, open_model

BASE_URL = "https://alphacephei.com/vosk/models/"


@dataclass(frozen=True)
class Published:
    name: str
    sha256: str | None  # None: not published by Alpha Cephei; pass --sha256 to pin one


# The small models the product uses. The English archive's SHA-256 is the one recorded by other
# projects that pin it; Alpha Cephei publishes no checksum for the Mandarin one.
PUBLISHED = {
    "en": Published("vosk-model-small-en-us-0.15", "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"),
    "zh": Published("vosk-model-small-cn-0.22", None),
}
Progress = Callable[[int, int | None], None]  # bytes so far, total (None when unknown)


def source_for(lang: str, base_url: str = BASE_URL) -> tuple[str, str | None]:
    try:
        published = PUBLISHED[lang]
    except KeyError:
        raise DownloadError(f"No published model is known for {lang!r}; give its --url.") from None
    return base_url.rstrip("/") + f"/{published.name}.zip", published.sha256


def fetch(url: str, target: Path, progress: Progress | None = None, timeout: float = 60) -> str:
    """Download ``url`` to ``target``; returns the SHA-256 of what was written."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer, target.open("wb") as out:
            total = int(answer.headers.get("Content-Length") or 0) or None
            done = 0
            while chunk := answer.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DownloadError(f"Could not download {url}: {getattr(exc, 'reason', exc)}.") from None
    if total is not None and done != total:
        raise ArchiveRejected(f"The download of {url} stopped at {done:,} of {total:,} bytes.")
    return digest.hexdigest()


def unpack(archive: Path, into: Path) -> Path:
    """Extract a model archive safely; returns the directory holding am/ and conf/."""
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ArchiveRejected(f"The archive is corrupt: {bad} fails its CRC check.")
            for member in zf.infolist():
                path = PurePosixPath(member.filename)
                if path.is_absolute() or ".." in path.parts or (member.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ArchiveRejected(f"The archive has an unsafe member: {member.filename}.")
            zf.extractall(into)
    except zipfile.BadZipFile as exc:
        raise ArchiveRejected(f"The archive is not a valid zip file ({exc}).") from None
    except (EOFError, zipfile.LargeZipFile, OSError) as exc:
        raise ArchiveRejected(f"The archive cannot be read ({exc}).") from None
    candidates = [into, *sorted(p for p in into.iterdir() if p.is_dir())]
    for candidate in candidates:
        if not check_layout(candidate):
            return candidate
    raise ArchiveRejected("The archive is not a Vosk model (no am/final.mdl and conf/model.conf inside).")


def install(
    lang: str,
    root: Path,
    *,
    url: str | None = None,
    sha256: str | None = None,
    base_url: str = BASE_URL,
    progress: Progress | None = None,
    load: bool = True,
) -> dict[str, object]:
    """Download, verify and install the model for ``lang`` into ``root/lang``; returns what was done."""
    if url is None:
        url, known = source_for(lang, base_url)
        sha256 = sha256 or known
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{lang}-", dir=root) as tmp:
        work = Path(tmp)
        archive = work / "model.zip"
        got = fetch(url, archive, progress)
        if sha256 and got != sha256.lower():
            raise ArchiveRejected(f"The archive's SHA-256 is {got}, not the expected {sha256}; it was not installed.")
        model_dir = unpack(archive, work / "unpacked")
        archive.unlink()
        if load:  # a model Vosk cannot load must not replace one it can
            try:
                open_model(model_dir)
            except ModelError as exc:
                raise ArchiveRejected(exc.detail) from None
        info = {"lang": lang, "url": url, "sha256": got, "installed_at": datetime.now(UTC).isoformat()}
        (model_dir / "fieldvisit-source.json").write_text(json.dumps(info, indent=2))
        target = root / lang
        old = work / "previous"
        if target.exists():
            target.rename(old)
        model_dir.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    return {**info, "path": str(target)}
