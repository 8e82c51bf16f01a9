"""The server killed (SIGKILL, every process of it) in the middle of a push: after a restart the
phone sends the same batch again, and nothing is lost or doubled. With one server process, and
with four sharing the port and the database (``fieldvisit serve --workers 4``)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlmodel import Session

from server.audit.models import AuditEntry
from server.replication.models import SyncDevice, SyncRecord
from sync import uuid7
from tests.conftest import _test_database_url, fresh_database
from tests.livesupport import start_server
from tests.synchelp import Phone


def _client(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    assert client.post("/api/auth/login", json={"username": "rep07", "password": "fieldvisit"}).status_code == 200
    return client


@pytest.mark.parametrize("workers", [1, 4])
def test_sigkill_mid_push_loses_nothing_and_doubles_nothing(tmp_path: Path, workers: int) -> None:
    url = _test_database_url(tmp_path, "_crash")
    fresh_database(url)
    server = start_server(tmp_path / "data", url, workers=workers)
    interrupted = 0
    try:
        store_id = _client(server.url).get("/api/stores", params={"limit": 1}).json()["items"][0]["id"]
        for round_no, delay in enumerate((0.05, 0.15, 0.3, 0.6)):
            phone = Phone()
            notes = [uuid7() for _ in range(1000)]
            ops = [
                phone.op("note.create", n, {"store_id": store_id, "text": f"r{round_no} {i}"})
                for i, n in enumerate(notes)
            ]
            ops += [phone.op("note.edit", n, {"tags": {"add": ["checked"]}}) for n in notes]
            batch = phone.batch(*ops)
            client = _client(server.url)
            outcome: dict[str, object] = {}

            def send(client: httpx.Client = client, batch: dict = batch, outcome: dict = outcome) -> None:
                try:
                    outcome["answer"] = client.post("/api/sync/push", json=batch).json()
                except httpx.HTTPError as exc:
                    outcome["error"] = exc

            thread = threading.Thread(target=send)
            thread.start()
            time.sleep(delay)
            server.kill()
            thread.join(30)
            interrupted += "error" in outcome
            server = start_server(tmp_path / "data", url, demo=False, workers=workers)
            answer = _client(server.url).post("/api/sync/push", json=batch).json()
            assert answer["last_seq"] == 2000
            statuses = {r["status"] for r in answer["results"]}
            assert statuses <= {"applied", "duplicate"}, statuses

            engine = create_engine(url)
            with Session(engine) as s:
                rows = s.execute(select(SyncRecord).where(SyncRecord.id.in_(notes))).scalars().all()
                assert len(rows) == 1000
                assert all(r.fields["tags"] == ["checked"] for r in rows)
                assert sorted(r.fields["text"] for r in rows) == sorted(f"r{round_no} {i}" for i in range(1000))
                per_op = s.execute(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_id.in_(notes))
                ).scalar_one()
                assert per_op == 2000  # each operation recorded exactly once
                device = s.get(SyncDevice, phone.device_id)
                assert device is not None and device.last_seq == 2000
            engine.dispose()
    finally:
        server.stop()
    if interrupted == 0:
        pytest.fail("no kill landed during a push; the test did not exercise the crash")
