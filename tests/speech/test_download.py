"""The model download command against a local HTTP server serving a real model archive."""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from speech import ArchiveRejected, ModelStore, install, transcribe
from tests.audiohelp import korean_model


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good archive (the real Korean model in a top folder, as Alpha Cephei packs them) and bad ones."""
    root = tmp_path_factory.mktemp("archives")
    model = korean_model()
    good = root / "vosk-model-small-ko.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(model.rglob("*")):
            if path.is_file():
                zf.write(path, f"vosk-model-small-ko/{path.relative_to(model)}")
    data = good.read_bytes()
    (root / "truncated.zip").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    with zipfile.ZipFile(good) as zf:  # flip a byte inside the largest member's compressed data
        big = max(zf.infolist(), key=lambda i: i.compress_size)
    at = big.header_offset + 30 + len(big.filename.encode()) + len(big.extra) + big.compress_size // 2
    flipped[at] ^= 0xFF
    (root / "flipped.zip").write_bytes(bytes(flipped))
    with zipfile.ZipFile(root / "notamodel.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with zipfile.ZipFile(root / "escape.zip", "w") as zf:
        zf.writestr("../../evil.txt", "x")
    return root


@pytest.fixture(scope="module")
def server(archives: Path) -> Iterator[str]:
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(archives))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_verifies_unpacks_and_the_model_works(
    server: str, archives: Path, tmp_path: Path, source_wav: Path
) -> None:
    sha = hashlib.sha256((archives / "vosk-model-small-ko.zip").read_bytes()).hexdigest()
    seen: list[tuple[int, int | None]] = []
    done = install(
        "ko", tmp_path, url=f"{server}/vosk-model-small-ko.zip", sha256=sha, progress=lambda d, t: seen.append((d, t))
    )
    assert done["sha256"] == sha and Path(str(done["path"])) == tmp_path / "ko"
    assert seen and seen[-1][0] == seen[-1][1] == (archives / "vosk-model-small-ko.zip").stat().st_size
    assert (tmp_path / "ko" / "am" / "final.mdl").is_file()
    assert (tmp_path / "ko" / "fieldvisit-source.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["ko"]  # no temporary files left behind
    assert transcribe(source_wav, ModelStore(tmp_path), "ko").text


@pytest.mark.parametrize(
    ("name", "sha", "message"),
    [
        ("truncated.zip", None, "not a valid zip"),
        ("flipped.zip", None, "corrupt|cannot be read"),
        ("vosk-model-small-ko.zip", "0" * 64, "SHA-256"),
        ("notamodel.zip", None, "not a Vosk model"),
        ("escape.zip", None, "unsafe member"),
    ],
)
def test_a_bad_archive_is_refused_and_the_installed_model_kept(
    server: str, tmp_path: Path, name: str, sha: str | None, message: str
) -> None:
    (tmp_path / "ko" / "am").mkdir(parents=True)
    (tmp_path / "ko" / "am" / "final.mdl").write_bytes(b"the model that works")
    with pytest.raises(ArchiveRejected, match=message):
        install("ko", tmp_path, url=f"{server}/{name}", sha256=sha, load=False)
    assert (tmp_path / "ko" / "am" / "final.mdl").read_bytes() == b"the model that works"
    assert [p.name for p in tmp_path.iterdir()] == ["ko"]


def test_the_command_downloads_from_a_base_url_and_fails_clearly(server: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    bad = subprocess.run(
        [sys.executable, "-m", "speech", "download", "en", "--dir", str(tmp_path), "--base-url", server],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 1
    assert "Could not download" in bad.stderr and "vosk-model-small-en-us-0.15.zip" in bad.stderr
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "speech",
            "download",
            "ko",
            "--dir",
            str(tmp_path),
            "--url",
            f"{server}/vosk-model-small-ko.zip",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert "100%" in ok.stderr and "installed in" in ok.stderr
