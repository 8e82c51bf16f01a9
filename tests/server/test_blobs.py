"""Resumable, verified, content-addressed blob upload through the real API and disk."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings
from sync import uuid7
from tests.conftest import make_client, sign_in
from tests.factories import World

CHUNK = 64 * 1024
BYTES = {"content-type": "application/octet-stream"}


@pytest.fixture(params=["disk", "s3"])
def blob_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """Every test here runs on the disk store and on an S3-compatible one (moto on loopback)."""
    if request.param == "disk":
        return settings
    return request.getfixturevalue("s3_server").settings(settings, f"fv-{uuid7()[-12:]}")


@pytest.fixture
def app_client(blob_settings: Settings, clean_db: None) -> Iterator[TestClient]:
    with make_client(blob_settings) as client:
        yield client


def _recording(size: int) -> bytes:
    """A WAV recording of ``size`` bytes (an even number), noise at 16 kHz: the server tells a blob's
    type from its first bytes and refuses a recording whose sound does not decode."""
    import struct

    pcm = size - 44
    header = (
        b"RIFF" + struct.pack("<I", 36 + pcm) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    )
    return header + b"data" + struct.pack("<I", pcm) + os.urandom(pcm)


def _put(client: TestClient, sha: str, offset: int, total: int, data: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.put(
        f"/api/blobs/{sha}", params={"offset": offset, "total": total}, content=data, headers={**BYTES, **headers}
    )


def _bucket(blob_settings: Settings):  # type: ignore[no-untyped-def]
    """A client of the test's S3 bucket (moto on loopback), to look inside it."""
    from sync import s3_client

    return s3_client(
        endpoint_url=blob_settings.s3_endpoint_url, region="us-east-1", access_key_id="test", secret_access_key="test"
    )


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
        response = _put(client, sha, offset, len(data), chunk)
        assert response.status_code == 200, response.text
        answer = response.json()
        sent.append(offset)
        offset = answer["received"]
    return sent, answer


def test_interrupted_upload_resumes_with_at_most_one_chunk_again(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    photo = _recording(300 * 1024)
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


def test_an_upload_whose_bytes_all_arrived_is_finished_by_an_empty_last_chunk(
    app_client: TestClient, blob_settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stops after the last chunk is stored but before the blob is verified and moved
    in (injected: a process dying there cannot be timed otherwise). The phone is told `partial`
    with every byte received, never `complete`; an empty chunk at the end finishes it."""
    from sync.blobs import DiskBlobStore
    from sync.s3blobs import S3BlobStore

    sign_in(app_client, world.east.reps[0].username)
    data = _recording(3 * CHUNK)  # three chunks: two S3 parts, then the completion
    sha = hashlib.sha256(data).hexdigest()
    store_class = S3BlobStore if blob_settings.blob_store == "s3" else DiskBlobStore

    def power_lost(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("power lost")

    _upload(app_client, data, stop_after=2)
    with monkeypatch.context() as patch:
        patch.setattr(store_class, "_complete", power_lost)
        assert _put(app_client, sha, 2 * CHUNK, len(data), data[2 * CHUNK :]).status_code == 500
    status = app_client.get(f"/api/blobs/{sha}/status").json()
    assert status == {"sha256": sha, "state": "partial", "received": len(data)}
    assert app_client.get(f"/api/blobs/{sha}").status_code == 404  # not a blob until verified
    # an empty chunk anywhere but the end is still refused
    assert _put(app_client, sha, CHUNK, len(data), b"").status_code == 400
    done = _put(app_client, sha, len(data), len(data), b"")
    assert done.status_code == 200, done.text
    assert done.json() == {"sha256": sha, "state": "complete", "received": len(data)}
    assert app_client.get(f"/api/blobs/{sha}").content == data


def test_a_chunk_from_the_wrong_offset_is_refused(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    data = _recording(3 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    _upload(app_client, data, stop_after=1)
    response = _put(app_client, sha, 2 * CHUNK, len(data), data[2 * CHUNK :])
    assert response.status_code == 409
    assert response.json()["code"] == "offset_mismatch" and response.json()["extra"]["received"] == CHUNK
    # a chunk of an upload the server holds nothing of (never arrived, or cleared) says start over,
    # never that the bytes are of no known type (which a phone would take as final)
    other = _recording(3 * CHUNK)
    lost = _put(app_client, hashlib.sha256(other).hexdigest(), CHUNK, len(other), other[CHUNK : 2 * CHUNK])
    assert lost.status_code == 409, lost.text
    assert lost.json()["code"] == "offset_mismatch" and lost.json()["extra"]["received"] == 0


def test_wrong_hash_is_rejected_clearly_and_nothing_kept(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    data = _recording(100_000)
    wrong = hashlib.sha256(b"something else").hexdigest()
    response = _put(app_client, wrong, 0, len(data), data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "hash_mismatch" and hashlib.sha256(data).hexdigest() in body["detail"]
    assert app_client.get(f"/api/blobs/{wrong}/status").json()["state"] == "missing"
    assert app_client.get(f"/api/blobs/{wrong}").status_code == 404


def test_bad_names_and_sizes_are_clear_errors(blob_settings: Settings, clean_db: None, world: World) -> None:
    small = blob_settings.model_copy(update={"blob_chunk_bytes": 1000, "max_blob_bytes": 5000})
    with TestClient(app=create_app(small, run_migrations=False)) as client:
        sign_in(client, world.east.reps[0].username)
        data = _recording(2000)
        sha = hashlib.sha256(data).hexdigest()
        assert _put(client, sha, 0, 2000, data).status_code == 413
        assert _put(client, sha, 0, 6000, data[:10]).status_code == 413
        assert client.get("/api/blobs/not-a-hash/status").json()["code"] == "malformed_batch"
        assert _put(client, sha, 0, 2000, b"").status_code == 400


def test_a_blob_is_private_to_its_uploader_until_a_record_names_it(app_client: TestClient, world: World) -> None:
    from tests.synchelp import Phone

    rep = world.east.reps[0]
    data = _recording(5000)
    sha = hashlib.sha256(data).hexdigest()
    sign_in(app_client, rep.username)
    _upload(app_client, data)

    def readers() -> dict[str, bool]:
        out = {}
        for user in (rep, world.east.supervisor, world.admin, world.finance, world.east.reps[1], world.west.supervisor):
            sign_in(app_client, user.username)
            out[user.username] = app_client.get(f"/api/blobs/{sha}").status_code == 200
            status = app_client.get(f"/api/blobs/{sha}/status").json()
            assert (status["state"] == "complete") is out[user.username], (user.username, status)
        return out

    assert readers() == {
        rep.username: True,
        world.east.supervisor.username: False,
        world.admin.username: True,
        world.finance.username: False,
        world.east.reps[1].username: False,
        world.west.supervisor.username: False,
    }
    # A note of the rep's names it: whoever may see the note may see the recording.
    sign_in(app_client, rep.username)
    phone = Phone()
    store = world.east.stores[rep.username][0]
    note_id, recording_id = uuid7(), uuid7()
    recording = {"note_id": note_id, "store_id": store.id, "blob": sha, "lang": "ko", "mime": "audio/wav", "seconds": 1}
    pushed = app_client.post(
        "/api/sync/push",
        json=phone.batch(
            phone.op("note.create", note_id, {"store_id": store.id, "text": "t", "recordings": [recording_id]}),
            phone.op("recording.create", recording_id, recording),
        ),
    )
    assert [r["status"] for r in pushed.json()["results"]] == ["applied", "applied"], pushed.text
    assert readers() == {
        rep.username: True,
        world.east.supervisor.username: True,
        world.admin.username: True,
        world.finance.username: False,
        world.east.reps[1].username: False,
        world.west.supervisor.username: False,
    }
    sign_in(app_client, world.east.supervisor.username)
    assert app_client.get(f"/api/blobs/{sha}").headers["content-type"].startswith("audio/wav")


def test_wrong_hash_found_after_several_chunks(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    data = _recording(3 * CHUNK + 10)
    wrong = hashlib.sha256(data[:-1]).hexdigest()
    offsets = []
    for offset in range(0, len(data), CHUNK):
        response = _put(app_client, wrong, offset, len(data), data[offset : offset + CHUNK])
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
    return sha, _put(client, sha, 0, len(data), data)


def test_bad_photos_are_refused_clearly_and_the_record_stays(app_client: TestClient, world: World) -> None:
    from tests.synchelp import Phone

    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    good = _jpeg()
    cases = {
        "not_an_image": b"\x89PNG\r\n\x1a\n but no picture follows" * 10,
        "truncated_image": b"\xff\xd8\xff\xe0 starts like a JPEG, then is not one" * 10,
        "truncated_image_half": good[: len(good) // 2],
        "image_too_large": _png_bomb(),
    }
    # A claim names the photos before they arrive (a record may come before its blobs).
    phone, claim = Phone(), uuid7()
    hashes = [hashlib.sha256(d).hexdigest() for d in cases.values()]
    fields = {"store_id": world.east.stores[rep.username][0].id, "receipt": hashes[0], "photos": hashes[1:]}
    pushed = app_client.post("/api/sync/push", json=phone.batch(phone.op("claim.submit", claim, fields)))
    assert pushed.json()["results"][0]["status"] == "applied", pushed.text
    for code, data in cases.items():
        sha, response = _put_photo(app_client, data)
        assert response.status_code == 422, (code, response.text)
        code = code.removesuffix("_half")
        assert response.json()["code"] == code and "photo was refused" in response.json()["detail"]
        # the bytes are not kept; the hash is remembered as refused, so the phone stops offering it
        status = app_client.get(f"/api/blobs/{sha}/status").json()
        assert status["state"] == "refused" and status["code"] == code and status["received"] == 0
    sha, ok = _put_photo(app_client, good)
    assert ok.status_code == 200 and ok.json()["state"] == "complete"
    named = app_client.get(f"/api/sync/records/claim/{claim}").json()["fields"]
    assert [named["receipt"], *named["photos"]] == hashes


def test_a_photo_over_the_size_limit_is_refused(blob_settings: Settings, clean_db: None, world: World) -> None:
    small = blob_settings.model_copy(update={"max_photo_bytes": 2000})
    with TestClient(app=create_app(small, run_migrations=False)) as client:
        sign_in(client, world.east.reps[0].username)
        _, response = _put_photo(client, _jpeg((800, 600)))
        assert response.status_code == 413 and "A photo is at most 2,000 bytes" in response.json()["detail"]


def test_the_type_comes_from_the_bytes_never_from_the_uploader(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    page = b"<html><script>alert(1)</script></html>" * 20
    sha = hashlib.sha256(page).hexdigest()
    for claimed in ("text/html", "IMAGE/JPEG", "image/svg+xml"):
        response = _put(app_client, sha, 0, len(page), page, **{"x-blob-type": claimed})
        assert response.status_code == 422 and response.json()["code"] == "unsupported_blob_type", claimed
    # verified bytes (one whole chunk) are remembered as refused, so the phone stops offering them
    status = app_client.get(f"/api/blobs/{sha}/status").json()
    assert status["state"] == "refused" and status["code"] == "unsupported_blob_type"
    assert app_client.get(f"/api/blobs/{sha}").status_code == 404
    # A real photo said to be HTML is stored, and served, as the JPEG it is.
    photo = _jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    assert _put(app_client, sha, 0, len(photo), photo, **{"x-blob-type": "text/html"}).json()["state"] == "complete"
    served = app_client.get(f"/api/blobs/{sha}")
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    # An upload must say it is bytes: a cross-site form's text/plain is refused before anything is read.
    plain = app_client.put(
        f"/api/blobs/{sha}", params={"offset": 0, "total": 4}, content=b"abcd", headers={"content-type": "text/plain"}
    )
    assert plain.status_code == 415


def test_a_photo_named_by_hash_alone_is_not_opened(app_client: TestClient, world: World) -> None:
    """Another team's rep who only knows a receipt's hash cannot read it, see that it exists, or
    name it in a claim; sending its bytes would make them a holder, which they cannot do without them."""
    from tests.synchelp import Phone

    owner, other = world.east.reps[0], world.west.reps[0]
    photo = _jpeg((500, 700))
    sha = hashlib.sha256(photo).hexdigest()
    sign_in(app_client, owner.username)
    assert _put(app_client, sha, 0, len(photo), photo).json()["state"] == "complete"

    sign_in(app_client, other.username)
    assert app_client.get(f"/api/blobs/{sha}").status_code == 404
    assert app_client.get(f"/api/blobs/{sha}/thumb/s").status_code == 404
    assert app_client.get(f"/api/blobs/{sha}/status").json() == {"sha256": sha, "state": "missing", "received": 0}
    # a first chunk of someone else's blob does not complete it for them
    partial = _put(app_client, sha, 0, len(photo), photo[:1000])
    assert partial.json() == {"sha256": sha, "state": "partial", "received": 1000}
    phone = Phone()
    store = world.west.stores[other.username][0]
    fields = {"store_id": store.id, "receipt": sha, "photos": [], "amount_cents": 100}
    pushed = app_client.post("/api/sync/push", json=phone.batch(phone.op("claim.submit", uuid7(), fields)))
    result = pushed.json()["results"][0]
    assert result["status"] == "rejected" and result["code"] == "blob_not_yours"
    assert app_client.get(f"/api/blobs/{sha}").status_code == 404


def test_a_truncated_photo_sent_in_chunks_is_refused_and_never_complete(app_client: TestClient, world: World) -> None:
    """A phone photo cut short (the camera app died while writing it), sent in chunks like the PWA
    does: the last chunk answers 422 ``truncated_image``; the blob is never complete, not even for
    a moment, and the phone is told to stop offering it."""
    from tests.claimhelp import receipt

    sign_in(app_client, world.east.reps[0].username)
    whole, _ = receipt(5)
    for cut in (len(whole) * 9 // 10, len(whole) - 2):  # most of it, and all but the end marker
        data = whole[:cut]
        sha = hashlib.sha256(data).hexdigest()
        first = _put(app_client, sha, 0, len(data), data[:CHUNK])
        assert first.status_code == 200 and first.json()["state"] == "partial"
        last = _put(app_client, sha, CHUNK, len(data), data[CHUNK:])
        assert last.status_code == 422, last.text
        assert last.json()["code"] == "truncated_image" and "photo was refused" in last.json()["detail"]
        status = app_client.get(f"/api/blobs/{sha}/status").json()
        assert status == {"sha256": sha, "state": "refused", "received": 0, "code": "truncated_image"}
        assert app_client.get(f"/api/blobs/{sha}").status_code == 404
        sign_in(app_client, world.admin.username)  # admins read every stored blob: there is none
        assert app_client.get(f"/api/blobs/{sha}").status_code == 404
        assert app_client.get(f"/api/blobs/{sha}/status").json()["state"] == "refused"
        sign_in(app_client, world.east.reps[0].username)
    # the whole photo is stored as ever
    sha = hashlib.sha256(whole).hexdigest()
    _put(app_client, sha, 0, len(whole), whole[:CHUNK])
    assert _put(app_client, sha, CHUNK, len(whole), whole[CHUNK:]).json()["state"] == "complete"


def test_a_recording_that_is_not_audio_is_refused(app_client: TestClient, world: World) -> None:
    """Bytes that start like a recording but hold no sound that decodes (PyAV probes them) answer
    422 ``not_audio``, whole or in chunks, and are remembered as refused."""
    sign_in(app_client, world.east.reps[0].username)
    fakes = {
        "webm header, then noise": b"\x1a\x45\xdf\xa3" + os.urandom(3 * CHUNK),
        "ogg of zeros": b"OggS" + bytes(2000),
        "wav header only": _recording(5000)[:44],
        "mp4 with no audio box": b"\x00\x00\x00\x18ftypM4A " + os.urandom(4000),
    }
    for name, data in fakes.items():
        sha = hashlib.sha256(data).hexdigest()
        offset, answer = 0, None
        while offset < len(data):
            answer = _put(app_client, sha, offset, len(data), data[offset : offset + CHUNK])
            if answer.status_code != 200:
                break
            offset = answer.json()["received"]
        assert answer is not None and answer.status_code == 422, (name, answer and answer.text)
        assert answer.json()["code"] == "not_audio" and "recording was refused" in answer.json()["detail"], name
        status = app_client.get(f"/api/blobs/{sha}/status").json()
        assert status["state"] == "refused" and status["code"] == "not_audio", name
    real = _recording(3 * CHUNK)
    _, done = _upload(app_client, real)
    assert done["state"] == "complete"


def test_blobs_live_where_the_settings_say_and_readers_get_them_back(
    app_client: TestClient, blob_settings: Settings, world: World
) -> None:
    """A photo sent in chunks (parts of a multipart upload on S3) is stored in the configured place
    only; downloads, thumbnails and the cache all read it back through the store."""
    import io
    import shutil

    from PIL import Image

    sign_in(app_client, world.east.reps[0].username)
    buf = io.BytesIO()
    Image.frombytes("RGB", (640, 640), os.urandom(640 * 640 * 3)).save(buf, "JPEG", quality=90)
    photo = buf.getvalue()  # noise: a photo of about 400 KB, sent in 64 KB chunks
    sha = hashlib.sha256(photo).hexdigest()
    _, done = _upload(app_client, photo)
    assert done == {"sha256": sha, "state": "complete", "received": len(photo)}
    on_disk = list((blob_settings.data_dir / "blobs").rglob(sha))
    if blob_settings.blob_store == "s3":
        assert len(photo) > 2 * blob_settings.s3_part_bytes  # it went through parts
        client = _bucket(blob_settings)
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=blob_settings.s3_bucket).get("Contents", [])]
        assert keys == [f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"]  # no chunk or part left behind
        assert client.list_multipart_uploads(Bucket=blob_settings.s3_bucket).get("Uploads", []) == []
        assert on_disk == []
        shutil.rmtree(blob_settings.data_dir / "blob-cache")  # another machine: nothing cached
    else:
        assert len(on_disk) == 1
    assert app_client.get(f"/api/blobs/{sha}").content == photo
    thumb = app_client.get(f"/api/blobs/{sha}/thumb/s")
    assert thumb.status_code == 200, thumb.text
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 400


def test_a_chunk_a_fold_left_behind_is_not_counted_twice(
    s3_server, settings: Settings, clean_db: None, world: World
) -> None:  # type: ignore[no-untyped-def]
    """On S3, a fold that uploaded its part but stopped before deleting the staged chunks (put
    back here, as such a crash would leave them) must not count those bytes again: the phone is
    told the true offset and the blob's hash still matches."""
    blob_settings = s3_server.settings(settings, f"fv-{uuid7()[-12:]}")
    data = _recording(6 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    with make_client(blob_settings) as client:
        sign_in(client, world.east.reps[0].username)
        _upload(client, data, stop_after=2)  # two chunks: folded into the first part, then deleted
        s3 = _bucket(blob_settings)
        listed = s3.list_objects_v2(Bucket=blob_settings.s3_bucket, Prefix="incoming/").get("Contents", [])
        upload_key = next(o["Key"] for o in listed if o["Key"].endswith(".head"))[: -len(".head")]
        s3.put_object(Bucket=blob_settings.s3_bucket, Key=f"{upload_key}.chunks/{0:012d}", Body=data[:CHUNK])
        status = client.get(f"/api/blobs/{sha}/status").json()
        assert status == {"sha256": sha, "state": "partial", "received": 2 * CHUNK}
        refused = _put(client, sha, 3 * CHUNK, len(data), data[3 * CHUNK : 4 * CHUNK])
        assert refused.status_code == 409 and refused.json()["extra"]["received"] == 2 * CHUNK
        _, done = _upload(client, data, start=2 * CHUNK)
        assert done == {"sha256": sha, "state": "complete", "received": len(data)}
        assert client.get(f"/api/blobs/{sha}").content == data
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=blob_settings.s3_bucket).get("Contents", [])]
        assert keys == [f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"]  # the stale chunk went too
