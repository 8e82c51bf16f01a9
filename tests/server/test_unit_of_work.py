"""The unit of work (server/db.py): what follows a commit runs only after it, a writer that cannot
get SQLite's writer lock is a 503 the phone retries (its operations are applied on the next push),
and a session lets the lock go however its transaction ends."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from server import db
from server.accounts.models import User
from server.settings import Settings
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import Phone


def test_what_follows_a_commit_runs_after_it_and_never_after_a_rollback(settings: Settings, world: World) -> None:
    ran: list[str] = []
    with db.session_scope(settings) as session:
        db.after_commit(session, lambda: ran.append("committed"))
        session.exec(select(User)).first()
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(RuntimeError), db.session_scope(settings) as session:
        db.after_commit(session, lambda: ran.append("rolled back"))
        raise RuntimeError("the work failed")
    assert ran == ["committed"]


def test_a_busy_writer_is_a_503_and_the_phone_loses_nothing(
    app_client: TestClient, settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone = Phone()
    note = phone.op("note.create", uuid7(), {"store_id": store.id, "text": "冰柜坏了"})
    sqlite = db.get_engine(settings).dialect.name == "sqlite"
    if sqlite:
        monkeypatch.setattr(db, "WRITER_WAIT_SECONDS", 0.2)
        assert db._sqlite_writer.acquire(timeout=5)  # another writer holds it (a long import, say)
        try:
            busy = app_client.post("/api/sync/push", json=phone.batch(note))
        finally:
            db._sqlite_writer.release()
        assert busy.status_code == 503, busy.text
        assert busy.json()["code"] == "database_busy"
        assert busy.json()["extra"]["retry_after"] > 0
    # the same batch again (the phone's queue kept it): applied once the writer is free; PostgreSQL
    # has no in-process writer lock at all
    again = app_client.post("/api/sync/push", json=phone.batch(note)).json()["results"]
    assert [r["status"] for r in again] == ["applied"]


def test_a_session_lets_the_writer_lock_go_when_its_transaction_ends(settings: Settings, world: World) -> None:
    if db.get_engine(settings).dialect.name != "sqlite":
        with db.session_scope(settings) as session:
            session.exec(select(User)).first()
        assert not db._sqlite_writer.locked()  # PostgreSQL never takes it
        return
    for outcome in ("commit", "rollback"):
        session = db.new_session(settings)
        user = session.exec(select(User)).first()
        assert user is not None and not db._sqlite_writer.locked()  # reading takes no lock
        user.display_name = f"{user.display_name}·"
        session.add(user)
        session.flush()
        assert db._sqlite_writer.locked()  # the first write took it
        db.finish_session(session, None if outcome == "commit" else RuntimeError(outcome))
        assert not db._sqlite_writer.locked(), outcome
