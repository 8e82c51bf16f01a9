"""Inputs nobody can read never leave a record waiting: a claim whose receipt is cut short or whose
reading job dies goes to finance flagged, to be rejected or approved with the fields typed by hand;
a recording that is not audio, or whose transcription dies, says ``failed`` and leaves its note be."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from server.claims import service as claims
from server.claims.rules import READ_CLAIM
from server.db import session_scope, utcnow
from server.dictation import service as dictation
from server.dictation.rules import TRANSCRIBE
from server.jobs import service as jobs
from server.jobs.models import Job
from server.jobs.worker import run_one, run_pending
from server.settings import Settings
from tests.claimhelp import jpeg, material_photo, receipt
from tests.conftest import make_client, sign_in
from tests.factories import World
from tests.server.test_claims import WHEN, _claim, _pool, _sha, _submit
from tests.server.test_dictation import _dictate_offline, _record, _upload
from tests.synchelp import Phone, upload


def _until_dead(settings: Settings, kind: str, key: str) -> Job:
    """Run the job, skipping its back-off, until it ends (at most MAX_ATTEMPTS runs)."""
    for _ in range(jobs.MAX_ATTEMPTS):
        with session_scope(settings) as session:
            session.execute(
                update(Job).where(Job.kind == kind, Job.key == key).values(run_after=utcnow() - timedelta(seconds=1))  # type: ignore[arg-type]
            )
        assert run_one(settings, [kind])
        with session_scope(settings) as session:
            job = session.exec(select(Job).where(Job.kind == kind, Job.key == key)).one()
            session.expunge(job)
        if job.status != "queued":
            return job
    return job


def test_a_truncated_receipt_is_refused_and_the_claim_reaches_finance(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    _pool(session, world, 1000_00)
    sign_in(app_client, rep.username)
    whole, _ = receipt(7)
    cut = whole[: len(whole) * 3 // 4]  # the camera app died while writing it
    photo = jpeg(material_photo(31, store.name, WHEN))
    claim_id = _submit(app_client, Phone(), store.id, _sha(cut), [_sha(photo)], amount_cents=12_00)
    answer = upload(app_client, cut)
    assert answer.status_code == 422 and answer.json()["code"] == "truncated_image", answer.text
    assert app_client.get(f"/api/blobs/{_sha(cut)}/status").json()["state"] == "refused"
    assert upload(app_client, photo).status_code == 200
    run_pending(settings)
    fields = _claim(app_client, claim_id)
    assert fields["status"] == "review" and "receipt_refused" in fields["flags"], fields
    with make_client(settings) as finance:
        sign_in(finance, world.finance.username)
        decided = finance.post(
            f"/api/claims/{claim_id}/decision",
            json={"action": "reject", "reason": "receipt_unreadable", "comment": "小票不完整，请重拍"},
        )
        assert decided.status_code == 200, decided.text
    assert _claim(app_client, claim_id)["status"] == "rejected"


def test_a_claim_whose_reading_job_dies_goes_to_finance_flagged_and_is_decided(
    app_client: TestClient, settings: Settings, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    pool = _pool(session, world, 1000_00)
    sign_in(app_client, rep.username)
    phone = Phone()
    receipt_bytes, _ = receipt(8, day=datetime(2026, 11, 19, 18, 5))
    photo = jpeg(material_photo(32, store.name, WHEN))
    for data in (receipt_bytes, photo):
        assert upload(app_client, data).status_code == 200
    reject_me = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(photo)], amount_cents=30_00)
    type_me = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(photo)])

    def crash(_: bytes, **__: Any) -> Any:  # what the demo server met: the reader fails the same way every time
        raise OSError("image file is truncated (53 bytes not processed) in /srv/fieldvisit/blobs/ab/cd/x")

    monkeypatch.setattr(claims, "read_receipt", crash)
    with make_client(settings) as finance:
        sign_in(finance, world.finance.username)
        early = finance.post(f"/api/claims/{reject_me}/decision", json={"action": "reject", "reason": "duplicate"})
        assert early.status_code == 409 and early.json()["code"] == "not_ready"
        for claim_id in (reject_me, type_me):
            job = _until_dead(settings, READ_CLAIM, claim_id)
            assert job.status == "dead" and job.attempts == jobs.MAX_ATTEMPTS
            assert job.last_error is not None and "OSError: image file is truncated" in job.last_error

        fields = _claim(app_client, reject_me)  # what the rep's phone pulls
        assert fields["status"] == "review" and fields["flags"] == ["reading_failed"]
        assert fields["reading"]["total"] == {"value": None, "confidence": 0, "line": None, "box": None}
        assert "could not be read automatically" in fields["error"] and "/srv" not in fields["error"]
        assert fields["error_code"] == "reading_failed"  # what the UI words in its own language
        assert fields["pool"]["id"] == pool.id
        assert finance.get("/api/claims/", params={"status": "review"}).json()["counts"]["review"] == 2

        rejected = finance.post(
            f"/api/claims/{reject_me}/decision", json={"action": "reject", "reason": "receipt_unreadable"}
        )
        assert rejected.status_code == 200, rejected.text
        plain = finance.post(f"/api/claims/{type_me}/decision", json={"action": "approve"})
        assert plain.status_code == 400 and plain.json()["code"] == "amount_required"  # nothing was read
        typed = finance.post(
            f"/api/claims/{type_me}/decision",
            json={"action": "correct", "merchant": store.name, "date": "2026-11-19", "total": "45.50"},
        )
        assert typed.status_code == 200, typed.text
        assert typed.json()["decision"]["approved_cents"] == 45_50
        assert typed.json()["pool"]["balance_cents"] == 1000_00 - 45_50
    assert _claim(app_client, reject_me)["status"] == "rejected"
    approved = _claim(app_client, type_me)
    assert approved["status"] == "approved" and approved["decision"]["corrections"]["total"] == "45.50"


def test_an_admin_retry_reads_a_flagged_claim_again_until_finance_decides(
    app_client: TestClient, settings: Settings, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    _pool(session, world, 1000_00)
    sign_in(app_client, rep.username)
    receipt_bytes, _ = receipt(9, day=datetime(2026, 11, 19, 18, 5))
    photo = jpeg(material_photo(33, store.name, WHEN))
    for data in (receipt_bytes, photo):
        assert upload(app_client, data).status_code == 200
    claim_id = _submit(app_client, Phone(), store.id, _sha(receipt_bytes), [_sha(photo)], amount_cents=20_00)
    real = claims.read_receipt

    def crash(_: bytes, **__: Any) -> Any:
        raise RuntimeError("tesseract segfaulted")

    monkeypatch.setattr(claims, "read_receipt", crash)
    assert _until_dead(settings, READ_CLAIM, claim_id).status == "dead"
    assert _claim(app_client, claim_id)["flags"] == ["reading_failed"]

    monkeypatch.setattr(claims, "read_receipt", real)  # the engine is mended
    with make_client(settings) as admin:
        sign_in(admin, world.admin.username)
        [dead] = admin.get("/api/admin/jobs", params={"state": "dead", "kind": READ_CLAIM}).json()["items"]
        assert dead["record"] == {"collection": "claim", "id": claim_id}
        assert admin.post(f"/api/admin/jobs/{dead['id']}/retry").status_code == 200
    assert run_pending(settings) == 1
    fields = _claim(app_client, claim_id)
    assert fields["status"] == "review" and "reading_failed" not in fields["flags"]
    assert fields["reading"]["total"]["value"] is not None and fields["error"] is None


def test_a_recording_whose_transcription_dies_says_failed_and_the_note_is_untouched(
    app_client: TestClient, settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.server.test_blobs import _recording

    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    sha = _upload(app_client, _recording(20_000))
    note_id, recording_id = _dictate_offline(app_client, Phone(), world.east.stores[rep.username][0].id, sha)

    def crash(*_: Any, **__: Any) -> Any:
        raise RuntimeError("vosk crashed")

    monkeypatch.setattr(dictation, "transcribe", crash)
    job = _until_dead(settings, TRANSCRIBE, recording_id)
    assert job.status == "dead" and "RuntimeError: vosk crashed" in (job.last_error or "")
    recording = _record(app_client, "recording", recording_id)["fields"]
    assert (
        recording["status"] == "failed"
        and "could not be transcribed (RuntimeError: vosk crashed)" in recording["error"]
    )
    assert _record(app_client, "note", note_id)["fields"]["text"] == "Cooler dirty."


def test_a_recording_refused_at_upload_fails_its_transcription_at_once(
    app_client: TestClient, settings: Settings, world: World
) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    data = b"\x1a\x45\xdf\xa3 starts like WebM, but this is not a recording at all"
    sha = hashlib.sha256(data).hexdigest()
    note_id, recording_id = _dictate_offline(app_client, Phone(), world.east.stores[rep.username][0].id, sha)
    run_pending(settings)  # waits for the upload
    assert _record(app_client, "recording", recording_id)["fields"]["status"] == "queued"
    answer = app_client.put(
        f"/api/blobs/{sha}?offset=0&total={len(data)}",
        content=data,
        headers={"content-type": "application/octet-stream"},
    )
    assert answer.status_code == 422 and answer.json()["code"] == "not_audio", answer.text
    assert run_pending(settings) == 1  # the refusal wakes it: it does not wait for ever
    recording = _record(app_client, "recording", recording_id)["fields"]
    assert recording["status"] == "failed" and "refused when it was uploaded (not_audio)" in recording["error"]
    assert _record(app_client, "note", note_id)["fields"]["text"] == "Cooler dirty."
    with session_scope(settings) as session:
        job = session.exec(select(Job).where(Job.key == recording_id)).one()
        assert job.status == "done"
