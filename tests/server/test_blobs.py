"""Resumable, verified, content-addressed blob upload through the real API and disk."""

from __future__ import annotations

import hashlib
import os

from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import sign_in
from tests.factories import World

CHUNK = 64 * 1024


def _upload(
    client: TestClient, data: bytes, *, start: int = 0, stop_after: int | None = None, sha: str | None = None
) -> tuple[list[int], dict]:
    """Send chunks from ``start`` like the phone does; returns the offsets sent and the last answer."""
    sha = sha or hashlib.sha256(data).hexdigest()
    sent, answer, offset = [], {}, start
    while offset < len(data):
        if stop_after is not None and len(sent) == stop_after:
            break
        chunk = data[offset : offset + CHUNK]
        response = client.put(
            f"/api/blobs/{sha}",
            params={"offset": offset, "total": len(data)},
            content=chunk,
            headers={"x-blob-type": "audio/webm"},
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        sent.append(offset)
        offset = answer["received"]
    return sent, answer


def test_interrupted_upload_resumes_with_at_most_one_chunk_again(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    photo = os.urandom(300 * 1024)
    sha = hashlib.sha256(photo).hexdigest()
    assert app_client.get(f"/api/blobs/{sha}/status").json() == {"sha256": sha, "state": "missing", "received": 0}
    first, answer = _upload(app_client, photo, stop_after=3)  # the connection drops at about half
    assert answer["state"] == "partial"
    # The phone lost track of what arrived; it asks, and resumes from there.
    status = app_client.get(f"/api/blobs/{sha}/status").json()
    assert status == {"sha256": sha, "state": "partial", "received": 3 * CHUNK}
    resent, done = _upload(app_client, photo, start=status["received"])
    assert done["state"] == "complete" and done["received"] == len(photo)
    all_sent = first + resent
    assert len(all_sent) - len(set(all_sent)) <= 1  # no chunk went twice here (at most one may)
    assert app_client.get(f"/api/blobs/{sha}").content == photo
    # A second upload of the same photo sends no bytes: the status says it is there.
    assert app_client.get(f"/api/blobs/{sha}/status").json()["state"] == "complete"


def test_a_chunk_from_the_wrong_offset_is_refused(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    data = os.urandom(3 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    _upload(app_client, data, stop_after=1)
    response = app_client.put(
        f"/api/blobs/{sha}", params={"offset": 2 * CHUNK, "total": len(data)}, content=data[2 * CHUNK :]
    )
    assert response.status_code == 409
    assert response.json()["code"] == "offset_mismatch" and response.json()["extra"]["received"] == CHUNK


def test_wrong_hash_is_rejected_clearly_and_nothing_kept(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    data = os.urandom(100_000)
    wrong = hashlib.sha256(b"something else").hexdigest()
    response = app_client.put(f"/api/blobs/{wrong}", params={"offset": 0, "total": len(data)}, content=data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "hash_mismatch" and hashlib.sha256(data).hexdigest() in body["detail"]
    assert app_client.get(f"/api/blobs/{wrong}/status").json()["state"] == "missing"
    assert app_client.get(f"/api/blobs/{wrong}").status_code == 404


def test_bad_names_and_sizes_are_clear_errors(settings: Settings, clean_db: None, world: World) -> None:
    small = settings.model_copy(update={"blob_chunk_bytes": 1000, "max_blob_bytes": 5000})
    with TestClient(app=create_app(small, run_migrations=False)) as client:
        sign_in(client, world.east.reps[0].username)
        sha = hashlib.sha256(b"x" * 2000).hexdigest()
        big_chunk = client.put(f"/api/blobs/{sha}", params={"offset": 0, "total": 2000}, content=b"x" * 2000)
        assert big_chunk.status_code == 413
        too_big = client.put(f"/api/blobs/{sha}", params={"offset": 0, "total": 6000}, content=b"x" * 10)
        assert too_big.status_code == 413
        assert client.get("/api/blobs/not-a-hash/status").json()["code"] == "malformed_batch"
        assert client.put(f"/api/blobs/{sha}", params={"offset": 0, "total": 2000}, content=b"").status_code == 400


def test_blobs_are_private_to_the_uploaders_side(app_client: TestClient, world: World) -> None:
    data = os.urandom(5000)
    sha = hashlib.sha256(data).hexdigest()
    sign_in(app_client, world.east.reps[0].username)
    _upload(app_client, data)
    for user, visible in (
        (world.east.supervisor, True),
        (world.admin, True),
        (world.finance, True),
        (world.east.reps[1], False),
        (world.west.supervisor, False),
    ):
        sign_in(app_client, user.username)
        assert (app_client.get(f"/api/blobs/{sha}").status_code == 200) is visible, user.username


def test_wrong_hash_found_after_several_chunks(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    data = os.urandom(3 * CHUNK + 10)
    wrong = hashlib.sha256(data[:-1]).hexdigest()
    offsets = []
    for offset in range(0, len(data), CHUNK):
        response = app_client.put(
            f"/api/blobs/{wrong}", params={"offset": offset, "total": len(data)}, content=data[offset : offset + CHUNK]
        )
        offsets.append(offset)
    assert response.status_code == 422 and response.json()["code"] == "hash_mismatch"
    assert len(offsets) == 4
    assert app_client.get(f"/api/blobs/{wrong}/status").json() == {"sha256": wrong, "state": "missing", "received": 0}


def _jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _png_bomb(side: int = 30000) -> bytes:
    """A few hundred bytes that claim to be a 30000 × 30000 picture."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )


def _put_photo(client: TestClient, data: bytes):  # type: ignore[no-untyped-def]
    sha = hashlib.sha256(data).hexdigest()
    return sha, client.put(
        f"/api/blobs/{sha}",
        params={"offset": 0, "total": len(data)},
        content=data,
        headers={"x-blob-type": "image/jpeg"},
    )


def test_bad_photos_are_refused_clearly_and_the_record_stays(app_client: TestClient, world: World) -> None:
    from sync import uuid7
    from tests.synchelp import Phone

    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    good = _jpeg()
    cases = {
        "not_an_image": b"%PDF-1.7 this is a document, not a photo" * 10,
        "truncated_image": good[: len(good) // 2],
        "image_too_large": _png_bomb(),
    }
    # A note names the photos before they arrive (a record may come before its blobs).
    phone, note = Phone(), uuid7()
    hashes = [hashlib.sha256(d).hexdigest() for d in cases.values()]
    app_client.post(
        "/api/sync/push",
        json=phone.batch(
            phone.op(
                "note.create",
                note,
                {"store_id": world.east.stores[rep.username][0].id, "text": "photos", "recordings": hashes},
            )
        ),
    )
    for code, data in cases.items():
        sha, response = _put_photo(app_client, data)
        assert response.status_code == 422, (code, response.text)
        assert response.json()["code"] == code and "photo was refused" in response.json()["detail"]
        # the bytes are not kept; the hash is remembered as refused, so the phone stops offering it
        status = app_client.get(f"/api/blobs/{sha}/status").json()
        assert status["state"] == "refused" and status["code"] == code and status["received"] == 0
    sha, ok = _put_photo(app_client, good)
    assert ok.status_code == 200 and ok.json()["state"] == "complete"
    assert app_client.get(f"/api/sync/records/note/{note}").json()["fields"]["recordings"] == hashes


def test_a_photo_over_the_size_limit_is_refused(settings: Settings, clean_db: None, world: World) -> None:
    small = settings.model_copy(update={"max_photo_bytes": 2000})
    with TestClient(app=create_app(small, run_migrations=False)) as client:
        sign_in(client, world.east.reps[0].username)
        _, response = _put_photo(client, _jpeg((800, 600)))
        assert response.status_code == 413 and "A photo is at most 2,000 bytes" in response.json()["detail"]
