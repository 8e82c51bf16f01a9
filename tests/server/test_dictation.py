"""Voice notes on the server: the durable transcription job, the note it fills, live dictation."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update
from sqlmodel import Session

from server.db import session_scope, utcnow
from server.jobs import service as jobs
from server.jobs.models import Job
from server.jobs.worker import run_pending
from server.settings import Settings
from speech import BYTES_PER_SECOND, decode, join_words
from sync import uuid7
from tests.audiohelp import KO_STABLE, encode, speak
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import Phone


@pytest.fixture(scope="module")
def webm(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    root = tmp_path_factory.mktemp("dictation")
    raw = speak(KO_STABLE, root / "raw.wav", pad_seconds=0.3)
    return encode(encode(raw, root / "src.wav", "wav"), root / "note.webm", "webm").read_bytes()


def _push(client: TestClient, batch: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.post("/api/sync/push", json=batch)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


AUDIO = {"content-type": "audio/webm"}


def _upload(client: TestClient, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    answer = client.put(
        f"/api/blobs/{sha}?offset=0&total={len(data)}",
        content=data,
        headers={"content-type": "application/octet-stream"},
    )
    assert answer.status_code == 200 and answer.json()["state"] == "complete", answer.text
    return sha


def _record(client: TestClient, collection: str, record_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/sync/records/{collection}/{record_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def _dictate_offline(
    client: TestClient, phone: Phone, store_id: str, sha: str, text: str = "Cooler dirty.", lang: str = "ko"
) -> tuple[str, str]:
    note_id, recording_id = uuid7(), uuid7()
    results = _push(
        client,
        phone.batch(
            phone.op("note.create", note_id, {"store_id": store_id, "text": text, "recordings": [recording_id]}),
            phone.op(
                "recording.create",
                recording_id,
                {
                    "note_id": note_id,
                    "store_id": store_id,
                    "blob": sha,
                    "lang": lang,
                    "mime": "audio/webm",
                    "seconds": 2.1,
                },
            ),
        ),
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return note_id, recording_id


def _job(settings: Settings, key: str) -> Job:
    with session_scope(settings) as session:
        job = session.exec(select(Job).where(Job.key == key)).scalar_one()  # type: ignore[call-overload]
        session.expunge(job)
        return job


def test_a_recording_made_offline_is_transcribed_after_its_upload_and_appended_to_the_note(
    app_client: TestClient, settings: Settings, world: World, webm: bytes
) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    store = world.east.stores[rep.username][0]
    sha = hashlib.sha256(webm).hexdigest()
    note_id, recording_id = _dictate_offline(app_client, Phone(), store.id, sha)
    assert _record(app_client, "recording", recording_id)["fields"]["status"] == "queued"

    assert run_pending(settings) == 1  # the record came before its audio: the job waits for the blob
    job = _job(settings, recording_id)
    assert job.status == "queued" and job.waits_for == sha and job.attempts == 0

    _upload(app_client, webm)  # the upload wakes it
    assert _job(settings, recording_id).waits_for is None
    assert run_pending(settings) == 1
    assert _job(settings, recording_id).status == "done"

    recording = _record(app_client, "recording", recording_id)["fields"]
    expected = recording["transcript"]
    assert recording["status"] == "done" and expected and recording["transcribed_at"]
    assert _record(app_client, "note", note_id)["fields"]["text"] == f"Cooler dirty.\n{expected}"

    # the phone learns it by pulling, like any other change
    pulled = app_client.get("/api/sync/pull?cursor=0&limit=5000").json()["changes"]
    notes = [c for c in pulled if c.get("collection") == "note" and c["id"] == note_id]
    assert notes and notes[-1]["fields"]["text"].endswith(expected)


def test_a_job_survives_a_crash_and_never_appends_twice(
    app_client: TestClient, settings: Settings, world: World, webm: bytes
) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    sha = _upload(app_client, webm)
    note_id, recording_id = _dictate_offline(app_client, Phone(), world.east.stores[rep.username][1].id, sha)
    with session_scope(settings) as session:  # a worker took the job and died with it
        claimed = jobs.claim(session, ["transcribe"])
        assert claimed is not None and claimed.key == recording_id
    assert run_pending(settings) == 0  # its lease still holds: nobody else runs it
    with session_scope(settings) as session:
        session.execute(update(Job).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert run_pending(settings) == 1  # "after the restart"
    text = _record(app_client, "note", note_id)["fields"]["text"]
    assert text.startswith("Cooler dirty.\n") and len(text) > len("Cooler dirty.\n")
    with session_scope(settings) as session:  # the job runs again by mistake: the note does not grow
        session.execute(update(Job).values(status="queued", run_after=utcnow()))
    assert run_pending(settings) == 1
    assert _record(app_client, "note", note_id)["fields"]["text"] == text


def test_text_typed_while_the_transcript_was_on_its_way_is_kept(
    app_client: TestClient, settings: Settings, world: World, webm: bytes
) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    sha = _upload(app_client, webm)
    phone = Phone()
    note_id, _ = _dictate_offline(app_client, phone, world.east.stores[rep.username][0].id, sha)
    base = _record(app_client, "note", note_id)["versions"]["text"]
    run_pending(settings)  # the transcript is appended on the server
    # the rep, not having pulled yet, rewrites the note on the phone
    results = _push(
        app_client, phone.batch(phone.op("note.edit", note_id, {"text": "Cooler cleaned."}, base={"text": base}))
    )
    assert results[0]["status"] == "conflict"
    conflict = _record(app_client, "conflict", results[0]["conflicts"][0])["fields"]
    assert conflict["other"] == "Cooler cleaned."
    assert conflict["kept"].startswith("Cooler dirty.\n") and len(conflict["kept"]) > len("Cooler dirty.\n")


def test_a_missing_model_is_said_on_the_recording_and_the_job_waits_for_it(
    app_client: TestClient, settings: Settings, world: World, webm: bytes
) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    sha = _upload(app_client, webm)
    _, recording_id = _dictate_offline(app_client, Phone(), world.east.stores[rep.username][0].id, sha, lang="zh")
    run_pending(settings)
    recording = _record(app_client, "recording", recording_id)["fields"]
    assert recording["status"] == "queued" and "No speech model for 'zh'" in recording["error"]
    assert recording["error_code"] == "model_missing"  # what the phone words in its own language
    job = _job(settings, recording_id)
    assert job.status == "queued" and job.run_after > utcnow() + timedelta(minutes=4)


def test_recordings_must_belong_to_a_note_of_that_store_in_scope(
    app_client: TestClient, world: World, session: Session
) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    phone = Phone()
    mine, other = world.east.stores[rep.username][0], world.east.stores[rep.username][1]
    note_id = uuid7()
    sha = "a" * 64
    fields = {"note_id": note_id, "store_id": other.id, "blob": sha, "lang": "en"}
    results = _push(
        app_client,
        phone.batch(
            phone.op("note.create", note_id, {"store_id": mine.id, "text": "x"}),
            phone.op("recording.create", uuid7(), fields),
            phone.op("recording.create", uuid7(), {**fields, "store_id": mine.id, "blob": "not-a-hash"}),
            phone.op("recording.create", uuid7(), {**fields, "store_id": mine.id, "lang": "english!"}),
            phone.op("recording.create", uuid7(), {**fields, "store_id": mine.id, "status": "done"}),
        ),
    )
    assert [r.get("code") for r in results] == [None, "no_note", "bad_blob", "bad_lang", "server_owned"]
    theirs = world.west.stores[world.west.reps[0].username][0]
    refused = app_client.post(
        "/api/sync/push",
        json=phone.batch(phone.op("recording.create", uuid7(), {**fields, "store_id": theirs.id})),
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["results"][0]["code"] == "not_found"  # another rep's store: as if it did not exist


def test_transcribe_endpoint_answers_503_without_a_model_and_422_for_bad_audio(
    app_client: TestClient, world: World, webm: bytes
) -> None:
    assert app_client.post("/api/speech/transcribe?lang=ko", content=webm, headers=AUDIO).status_code == 401
    sign_in(app_client, world.east.reps[0].username)
    ok = app_client.post("/api/speech/transcribe?lang=ko", content=webm, headers=AUDIO)
    assert ok.status_code == 200 and ok.json()["text"] and ok.json()["audio_seconds"] > 1
    missing = app_client.post("/api/speech/transcribe?lang=zh", content=webm, headers=AUDIO)
    assert missing.status_code == 503 and missing.json()["code"] == "model_missing"
    assert "No speech model for 'zh'" in missing.json()["detail"] and "/" not in missing.json()["detail"]
    for body, code in ((b"", "empty_audio"), (b"GIF89a not audio", "not_audio"), (webm[:300], "corrupt_audio")):
        bad = app_client.post("/api/speech/transcribe?lang=ko", content=body, headers=AUDIO)
        assert bad.status_code == 422 and bad.json()["code"] in {code, "empty_audio"}, (code, bad.text)
    assert app_client.post("/api/speech/transcribe?lang=../etc", content=webm, headers=AUDIO).status_code == 400
    langs = app_client.get("/api/speech/languages").json()["languages"]
    assert {"code": "ko", "installed": True, "loaded": True} in langs
    assert {"code": "zh", "installed": False, "loaded": False} in langs


def test_live_dictation_streams_partials_and_ends_with_the_file_transcript(
    app_client: TestClient, settings: Settings, world: World, webm: bytes
) -> None:
    pcm = decode(webm).pcm
    with app_client.websocket_connect("/api/speech/live?lang=ko") as ws:  # not signed in
        assert ws.receive_json()["code"] == "not_signed_in"
    sign_in(app_client, world.east.reps[0].username)
    with app_client.websocket_connect("/api/speech/live?lang=zh") as ws:
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "model_missing" and "zh" in error["detail"]
    events: list[dict[str, Any]] = []
    with app_client.websocket_connect("/api/speech/live?lang=ko") as ws:
        assert ws.receive_json()["type"] == "ready"
        chunk = BYTES_PER_SECOND // 5
        partial_before_end = False
        for offset in range(0, len(pcm), chunk):
            ws.send_bytes(pcm[offset : offset + chunk])
        ws.send_text('{"type": "end"}')
        while True:
            event = ws.receive_json()
            events.append(event)
            if event["type"] == "done":
                break
    partial_before_end = any(e["type"] == "partial" and e["text"] for e in events)
    assert partial_before_end
    done = events[-1]
    # (exact equality of streamed and file results is a library test, on fresh models: see tests/speech)
    assert done["text"] and done["words"]
    assert done["audio_seconds"] == pytest.approx(len(pcm) / BYTES_PER_SECOND, abs=0.001)
    finals = [e["text"] for e in events if e["type"] == "final"]
    assert join_words(finals) == done["text"]


def test_live_dictation_refuses_bad_messages(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    with app_client.websocket_connect("/api/speech/live?lang=ko") as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_bytes(b"\x00\x01\x02")
        assert ws.receive_json()["code"] == "bad_audio"
    with app_client.websocket_connect("/api/speech/live?lang=ko") as ws:
        assert ws.receive_json()["type"] == "ready"
        ws.send_text("hello")
        assert ws.receive_json()["code"] == "bad_message"


def test_a_failed_transcription_carries_a_machine_code_for_the_phone(
    app_client: TestClient, settings: Settings, world: World
) -> None:
    """The phone shows a code in the rep's language; the English detail stays for admins and logs."""
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    data = b"\x1a\x45\xdf\xa3 starts like WebM, but this is not a recording at all"
    sha = hashlib.sha256(data).hexdigest()
    _, recording_id = _dictate_offline(app_client, Phone(), world.east.stores[rep.username][0].id, sha)
    app_client.put(
        f"/api/blobs/{sha}?offset=0&total={len(data)}",
        content=data,
        headers={"content-type": "application/octet-stream"},
    )
    run_pending(settings)
    recording = _record(app_client, "recording", recording_id)["fields"]
    assert recording["status"] == "failed" and recording["error_code"] == "refused"
    assert "refused" in recording["error"]  # the admin text is kept
