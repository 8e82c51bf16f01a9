"""Durable jobs never retry silently for ever: a job that keeps failing is dead after MAX_ATTEMPTS
with its last error, a job told its input can never be read is dead at once, waiting ends after
MAX_WAIT; the record it serves is told (its kind's hook), and admins see and retry dead jobs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update
from sqlmodel import select

from server.db import session_scope, utcnow
from server.jobs import service as jobs
from server.jobs.models import Job
from server.jobs.worker import run_one
from server.settings import Settings
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World

KIND = "test_flaky"


@pytest.fixture
def flaky(settings: Settings) -> Iterator[dict[str, Any]]:
    """A job kind whose handler does what the test says: raise, give up, wait, or succeed."""
    behaviour: dict[str, Any] = {"raise": RuntimeError("the OCR engine crashed on this photo"), "dead": []}

    def handler(_: Settings, job: jobs.Claimed) -> dict[str, Any] | None:
        action = behaviour["raise"]
        if action is None:
            return {"ok": True}
        raise action

    jobs.register(
        jobs.JobKind(
            KIND,
            load=lambda _session, _settings, job: jobs.Inputs(job),
            read=lambda settings, inputs: handler(settings, inputs.value),
            dead=lambda _session, _settings, job, reason: behaviour["dead"].append((job.key, reason)),
        )
    )
    yield behaviour
    jobs.KINDS.pop(KIND, None)


def _enqueue(settings: Settings, key: str = "") -> str:
    key = key or uuid7()
    with session_scope(settings) as session:
        jobs.enqueue(session, KIND, key, {"claim_id": key})
    return key


def _job(settings: Settings, key: str) -> Job:
    with session_scope(settings) as session:
        job = session.exec(select(Job).where(Job.kind == KIND, Job.key == key)).one()
        session.expunge(job)
        return job


def _run_due(settings: Settings, key: str) -> None:
    """Make the job due now (its back-off skipped) and run it once."""
    with session_scope(settings) as session:
        session.execute(update(Job).where(Job.key == key).values(run_after=utcnow() - timedelta(seconds=1)))  # type: ignore[arg-type]
    assert run_one(settings, [KIND])


def test_a_job_that_keeps_failing_is_dead_after_max_attempts_and_says_why(
    settings: Settings, clean_db: None, flaky: dict[str, Any]
) -> None:
    key = _enqueue(settings)
    for attempt in range(1, jobs.MAX_ATTEMPTS):
        _run_due(settings, key)
        job = _job(settings, key)
        assert (job.status, job.attempts) == ("queued", attempt)
        assert job.run_after > utcnow()  # backing off
    _run_due(settings, key)
    job = _job(settings, key)
    assert job.status == "dead" and job.attempts == jobs.MAX_ATTEMPTS and job.finished_at is not None
    assert job.last_error is not None and job.last_error.startswith("RuntimeError: the OCR engine crashed")
    assert flaky["dead"] == [(key, "RuntimeError: the OCR engine crashed on this photo")]  # the record is told
    assert not run_one(settings, [KIND])  # and nothing runs it again behind anyone's back


def test_a_job_whose_input_can_never_be_read_is_dead_at_once(
    settings: Settings, clean_db: None, flaky: dict[str, Any]
) -> None:
    flaky["raise"] = jobs.GiveUp("the receipt is not a picture")
    key = _enqueue(settings)
    _run_due(settings, key)
    job = _job(settings, key)
    assert (job.status, job.attempts, job.last_error) == ("dead", 1, "the receipt is not a picture")
    assert flaky["dead"] == [(key, "the receipt is not a picture")]


def test_waiting_is_free_but_not_for_ever(settings: Settings, clean_db: None, flaky: dict[str, Any]) -> None:
    flaky["raise"] = jobs.Retry("waiting for the photo", timedelta(minutes=5), waits_for="a" * 64)
    key = _enqueue(settings)
    for _ in range(jobs.MAX_ATTEMPTS + 2):  # waiting is not a failed attempt
        _run_due(settings, key)
    job = _job(settings, key)
    assert (job.status, job.attempts, job.waits_for) == ("queued", 0, "a" * 64)
    with session_scope(settings) as session:  # a phone that never comes back with the photo
        old = utcnow() - jobs.MAX_WAIT - timedelta(hours=1)
        session.execute(update(Job).where(Job.key == key).values(created_at=old))  # type: ignore[arg-type]
    _run_due(settings, key)
    job = _job(settings, key)
    assert job.status == "dead" and job.waits_for is None
    assert job.last_error == "gave up after waiting 14 days: waiting for the photo"
    # an engine failure counts as an attempt even though it retries later
    flaky["raise"] = jobs.Retry("OCR failed", timedelta(minutes=5), counts=True)
    other = _enqueue(settings)
    for _ in range(jobs.MAX_ATTEMPTS):
        _run_due(settings, other)
    assert _job(settings, other).status == "dead"


def test_a_hook_that_fails_leaves_the_job_dead_and_visible(
    settings: Settings, clean_db: None, flaky: dict[str, Any]
) -> None:
    flaky["raise"] = jobs.GiveUp("unreadable")

    def broken(*_: Any) -> None:
        raise RuntimeError("the record is gone")

    jobs.register(replace(jobs.KINDS[KIND], dead=broken))
    key = _enqueue(settings)
    _run_due(settings, key)
    assert _job(settings, key).status == "dead"


def test_admins_see_dead_jobs_and_retry_them_and_nobody_else_may(
    app_client: TestClient, settings: Settings, world: World, flaky: dict[str, Any]
) -> None:
    flaky["raise"] = jobs.GiveUp("the receipt is not a picture")
    dead, fine = _enqueue(settings), _enqueue(settings)
    _run_due(settings, dead)
    flaky["raise"] = None
    _run_due(settings, fine)

    for user in (world.east.reps[0], world.east.supervisor, world.finance):
        sign_in(app_client, user.username)
        assert app_client.get("/api/admin/jobs").status_code == 403
        assert app_client.post(f"/api/admin/jobs/{_job(settings, dead).id}/retry").status_code == 403
    assert _job(settings, dead).status == "dead"

    sign_in(app_client, world.admin.username)
    listed = app_client.get("/api/admin/jobs", params={"state": "dead"}).json()
    assert listed["counts"]["dead"] == 1 and listed["counts"]["done"] == 1
    [item] = listed["items"]
    assert item["kind"] == KIND and item["state"] == "dead" and item["attempts"] == 1
    assert item["max_attempts"] == jobs.MAX_ATTEMPTS and item["last_error"] == "the receipt is not a picture"
    assert item["record"] == {"collection": "claim", "id": dead}
    assert app_client.get("/api/admin/jobs", params={"state": "stuck"}).status_code == 400
    assert [j["key"] for j in app_client.get("/api/admin/jobs", params={"kind": KIND}).json()["items"]] == [fine, dead]

    retried = app_client.post(f"/api/admin/jobs/{item['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "queued" and retried.json()["attempts"] == 0
    job = _job(settings, dead)
    assert job.status == "queued" and job.run_after <= utcnow() and job.finished_at is None
    assert run_one(settings, [KIND])  # due at once; this time it works
    assert _job(settings, dead).status == "done" and _job(settings, dead).last_error is None

    done = app_client.post(f"/api/admin/jobs/{item['id']}/retry")
    assert done.status_code == 409 and done.json()["code"] == "job_done"
    assert app_client.post(f"/api/admin/jobs/{uuid7()}/retry").status_code == 404


def test_a_worker_in_another_process_is_woken_by_new_work(tmp_path: Path) -> None:
    """A ``fieldvisit worker`` process and a job enqueued by another: on PostgreSQL the commit's
    ``NOTIFY`` wakes it at once although it would poll only every 5 minutes; on SQLite (no
    notifications) it finds the job at its next poll, here every second."""
    import subprocess
    import sys
    import time

    from server.db import dispose_engines, migrate
    from server.insights.rep_alerts import REP_ALERTS
    from tests.clock import CLOCK, CLOCK_ENV
    from tests.conftest import _test_database_url, fresh_database

    url = _test_database_url(tmp_path, "_wake")
    fresh_database(url)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, secret_key="t")
    migrate(settings)
    notify = url.startswith("postgresql")
    env = {
        **os.environ,
        **CLOCK_ENV,
        "FIELDVISIT_DATABASE_URL": url,
        "FIELDVISIT_DATA_DIR": str(tmp_path / "data"),
        "FIELDVISIT_JOBS_POLL_SECONDS": "300" if notify else "1",
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "server", "worker"], env=env, stdout=log, stderr=log)

    def job(key: str) -> Job | None:
        with session_scope(settings) as s:
            return s.exec(select(Job).where(Job.kind == REP_ALERTS, Job.key.startswith(key))).first()  # type: ignore[attr-defined]

    try:
        deadline = time.monotonic() + 60
        while job("daily:") is None:  # the worker is up: it queued its daily run
            assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        time.sleep(2)  # and listening
        with session_scope(settings) as s:
            jobs.enqueue(s, REP_ALERTS, "wake-test", {})
            # due from the fixed clock's start: each process runs that clock from its own start
            s.execute(update(Job).where(Job.key == "wake-test").values(run_after=CLOCK))  # type: ignore[arg-type]
        started = time.monotonic()
        while (found := job("wake-test")) is None or found.status != "done":
            assert time.monotonic() - started < 20, (found and found.status, (tmp_path / "worker.log").read_text())
            time.sleep(0.1)
        assert time.monotonic() - started < 10
    finally:
        worker.terminate()
        worker.wait(20)
        dispose_engines()


def test_a_blob_that_arrives_while_its_job_looks_wakes_the_job(
    settings: Settings, clean_db: None, world: World
) -> None:
    """The job finds its photo missing; the photo's upload commits before the job has said it
    waits, so the upload's wake-up finds nobody waiting. The job must still run again now, not
    hours later (the order is forced here: in the wild it is a race of milliseconds)."""
    from server.replication.models import BlobHolder, BlobMeta

    sha = uuid7().replace("-", "").ljust(64, "0")
    kind = "test_waits_for_photo"

    def load(_session: Any, _settings: Settings, job: jobs.Claimed) -> jobs.Inputs:
        inputs = jobs.Inputs(job, blobs={sha: None}, waiting="waiting for the photo")
        with session_scope(settings) as session:  # the photo's upload, in its own transaction
            session.add(BlobMeta(sha256=sha, size=10, uploaded_by=world.east.reps[0].id))
            session.add(BlobHolder(sha256=sha, user_id=world.east.reps[0].id))
            assert jobs.wake(session, sha) == 0  # the job is running: nobody waits yet
        return inputs

    jobs.register(jobs.JobKind(kind, load=load, read=lambda _s, _i: {"ok": True}))
    try:
        key = uuid7()
        with session_scope(settings) as session:
            jobs.enqueue(session, kind, key, {})
        assert run_one(settings, [kind])
        with session_scope(settings) as session:
            job = session.exec(select(Job).where(Job.kind == kind, Job.key == key)).one()
            assert (job.status, job.waits_for) == ("queued", None)
            assert job.run_after <= utcnow()  # due again at once
    finally:
        jobs.KINDS.pop(kind, None)
