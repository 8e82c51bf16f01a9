"""The servers the sync state machine (tests/sync/machine.py) runs against.

- ``SqlBackend``: the real server — ``push_batch``/``pull_page`` over SQL (SQLite or PostgreSQL),
  with its authorization rules and audit log;
- ``HttpBackend``: a running server over HTTP, e.g. four processes of ``fieldvisit serve --workers 4``
  on one database;
- ``MemoryBackend``: the bare engine — ``sync.push``/``sync.pull`` over ``sync.MemoryStore`` and
  ``sync.MemoryScope``, decoding and answering batches as the HTTP API does (strict JSON in, JSON out).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from server.accounts.models import Region, Role, Team, User
from server.accounts.service import Actor
from server.audit.models import AuditEntry
from server.db import dispose_engines, get_engine, session_scope
from server.domains import publish_all
from server.replication.models import SyncRecord
from server.replication.service import pull_page, push_batch
from server.settings import Settings
from server.stores.models import Store
from sync import (
    MemoryScope,
    MemoryStore,
    Principal,
    Scope,
    SyncError,
    decode_batch,
    parse_batch,
    pull,
    push,
    upgrade_batch,
    uuid7,
)
from tests.sync.machine import REGISTRY, Record
from tests.sync.simclient import Key


class SqlBackend:
    """The server's replication service over a database reset for each scenario."""

    def __init__(self, settings: Settings, reset: Callable[[Settings], None]) -> None:
        self.settings = settings
        reset(settings)

    def setup(self) -> tuple[Any, list[str]]:
        with Session(get_engine(self.settings), expire_on_commit=False) as s:
            region = Region(code=f"R{uuid7()[-6:]}", name="区域")
            team = Team(name="团队", region_id=region.id)
            sup = User(
                username=f"sup{uuid7()[-8:]}",
                display_name="主管",
                role=Role.supervisor.value,
                team_id=team.id,
                password_hash="x",
            )
            rep = User(
                username=f"rep{uuid7()[-8:]}",
                display_name="业务员",
                role=Role.rep.value,
                team_id=team.id,
                password_hash="x",
            )
            s.add_all([region, team, sup, rep])
            s.flush()
            stores = [
                Store(code=f"S{i}-{uuid7()[-6:]}", name=f"店{i}", rep_id=rep.id, region_id=region.id) for i in range(2)
            ]
            s.add_all(stores)
            s.flush()
            publish_all(s)
            s.commit()
        return rep, [store.id for store in stores]

    def push(self, user: Any, body: dict[str, Any]) -> dict[str, Any]:
        with session_scope(self.settings) as session:  # one unit of work, as a request is
            return push_batch(session, self.settings, Actor(user, body["device_id"]), json.dumps(body).encode())

    def pull(self, user: Any, device_id: str, cursor: int, limit: int) -> dict[str, Any]:
        with session_scope(self.settings) as session:
            return pull_page(session, Actor(user, device_id), cursor, limit)

    def restart(self) -> None:
        dispose_engines()  # every pooled connection is gone; state must come back from the database

    def records(self) -> dict[Key, Record]:
        with Session(get_engine(self.settings)) as s:
            return {(r.collection, r.id): r for r in s.execute(select(SyncRecord)).scalars()}

    def audit(self) -> list[tuple[str, str]]:
        with Session(get_engine(self.settings)) as s:
            return [
                (a.changes["op_id"], a.changes.get("status"))
                for a in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
                if a.changes.get("op_id")
            ]

    def close(self) -> None:
        dispose_engines()


@dataclass(frozen=True)
class Person:
    """A user of the in-memory server."""

    id: str
    role: str
    team_id: str | None = None


MAX_OPS = 500


class MemoryBackend:
    """The sync engine over a fresh ``MemoryStore``: no server code, no database."""

    def __init__(self) -> None:
        self.scope = MemoryScope()
        self.store = MemoryStore(self.scope.can_see)

    def setup(self) -> tuple[Any, list[str]]:
        team = uuid7()
        rep = Person(uuid7(), "rep", team)
        store_ids = [uuid7() for _ in range(2)]
        for i, store_id in enumerate(store_ids):
            self.scope.stores[store_id] = (rep.id, team)
            values = {"code": f"S{i}", "name": f"店{i}", "rep_id": rep.id}
            self.store.publish(REGISTRY.collection("store"), store_id, values, Scope(rep.id, team, store_id))
        return rep, store_ids

    def _who(self, user: Person, device_id: str) -> Principal:
        return Principal(user.id, user.role, user.team_id, device_id)

    def push(self, user: Any, body: dict[str, Any]) -> dict[str, Any]:
        batch = parse_batch(upgrade_batch(decode_batch(json.dumps(body).encode())), max_ops=MAX_OPS)
        with self.store.transaction():
            result = push(self.store, self.scope, REGISTRY, self._who(user, batch.device_id), batch)
        return json.loads(json.dumps(result.as_dict()))  # the answer as a phone reads it, shares nothing

    def pull(self, user: Any, device_id: str, cursor: int, limit: int) -> dict[str, Any]:
        page = pull(self.store, self.scope, self._who(user, device_id), cursor, limit)
        return json.loads(json.dumps(page.as_dict()))

    def restart(self) -> None:
        self.store.rollback()  # nothing lives outside committed state; an open transaction would be lost

    def records(self) -> dict[Key, Record]:
        return dict(self.store.records)

    def audit(self) -> list[tuple[str, str]]:
        return [(a.op_id, a.status) for a in self.store.applied]

    def close(self) -> None:
        assert not self.store.in_transaction, "every push committed or rolled back"


class HttpBackend:
    """A running server over HTTP: ``fieldvisit serve --workers N``, every process on one database.

    Each device is its own HTTP client (its own session cookie and connections), so consecutive
    requests of one device, and the devices' requests, land on whichever process accepts them. A
    restart drops every connection. The database is shared with earlier scenarios: each one makes
    its own team, rep and stores, and reads back only what its rep wrote."""

    def __init__(self, url: str, settings: Settings, password_hash: str, password: str) -> None:
        import httpx

        self.url, self.settings = url, settings
        self.password_hash, self.password = password_hash, password
        self.clients: dict[str, httpx.Client] = {}
        self.rep_id = ""

    def setup(self) -> tuple[Any, list[str]]:
        with Session(get_engine(self.settings), expire_on_commit=False) as s:
            region = Region(code=f"R{uuid7()[-6:]}", name="区域")
            team = Team(name="团队", region_id=region.id)
            rep = User(
                username=f"rep{uuid7()[-10:]}",
                display_name="业务员",
                role=Role.rep.value,
                team_id=team.id,
                password_hash=self.password_hash,
            )
            s.add_all([region, team, rep])
            s.flush()
            stores = [
                Store(code=f"S{i}-{uuid7()[-8:]}", name=f"店{i}", rep_id=rep.id, region_id=region.id) for i in range(2)
            ]
            s.add_all(stores)
            s.flush()
            publish_all(s)
            s.commit()
        self.rep_id = rep.id
        return rep, [store.id for store in stores]

    def _client(self, user: Any, device_id: str) -> Any:
        import httpx

        client = self.clients.get(device_id)
        if client is None:
            client = httpx.Client(base_url=self.url, timeout=60)
            answer = client.post("/api/auth/login", json={"username": user.username, "password": self.password})
            assert answer.status_code == 200, answer.text
            self.clients[device_id] = client
        return client

    def push(self, user: Any, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._client(user, body["device_id"]).post("/api/sync/push", json=body)
        if answer.status_code != 200:
            error = SyncError(answer.json().get("detail", answer.text))
            error.code = answer.json().get("code", str(answer.status_code))
            raise error
        return dict(answer.json())

    def pull(self, user: Any, device_id: str, cursor: int, limit: int) -> dict[str, Any]:
        answer = self._client(user, device_id).get("/api/sync/pull", params={"cursor": cursor, "limit": limit})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def restart(self) -> None:
        for client in self.clients.values():
            client.close()  # the next request opens a new connection, to any of the processes
        self.clients.clear()

    def records(self) -> dict[Key, Record]:
        with Session(get_engine(self.settings)) as s:
            rows = s.execute(select(SyncRecord).where(SyncRecord.rep_id == self.rep_id)).scalars()
            return {(r.collection, r.id): r for r in rows}

    def audit(self) -> list[tuple[str, str]]:
        with Session(get_engine(self.settings)) as s:
            rows = s.execute(
                select(AuditEntry).where(AuditEntry.user_id == self.rep_id).order_by(AuditEntry.id)
            ).scalars()
            return [(a.changes["op_id"], a.changes.get("status")) for a in rows if a.changes.get("op_id")]

    def close(self) -> None:
        self.restart()
