"""``SyncStore`` over SQL: records, change sequence and devices in the request's transaction.

Writes are collected in memory and flushed in bulk by ``finish()`` (one executemany per table),
which is what lets a rep's day of operations apply in one short transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, text, update
from sqlmodel import Session

from server.audit.models import AuditEntry
from server.db import utcnow
from server.registry import installed
from server.replication.models import SyncChange, SyncCounter, SyncDevice, SyncRecord
from server.scope import audience_clause
from sync import ChangeRow, Operation, OpResult, Principal, RecordState, Scope

RECORDS = SyncRecord.__table__  # type: ignore[attr-defined]
CHANGES = SyncChange.__table__  # type: ignore[attr-defined]
COUNTER = SyncCounter.__table__  # type: ignore[attr-defined]
DEVICES = SyncDevice.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]

AUDIT_TEXT_MAX = 500


def parent_of(state: RecordState) -> str | None:
    """The id of the record ``state`` hangs off, as its domain declares (``Domain.parents``)."""
    parent = installed().parents.get(state.collection)
    value = state.fields.get(parent[0]) if parent else None
    return value if isinstance(value, str) and len(value) <= 36 else None


def state_of(row: Any) -> RecordState:
    return RecordState(
        row.collection,
        row.id,
        dict(row.fields),
        dict(row.versions),
        row.version,
        row.deleted,
        Scope(row.rep_id, row.team_id, row.store_id, row.public),
        row.created_by,
        dict(row.writers),
    )


def _audiences(scope: Scope) -> tuple[str | None, str | None, bool]:
    return (scope.rep_id, scope.team_id, scope.public)


class SqlSyncStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._value: int | None = None
        self._start: int | None = None
        self._pending: dict[tuple[str, str], RecordState] = {}
        self._in_db: set[tuple[str, str]] = set()
        self._changes: list[dict[str, Any]] = []
        self._audit: list[dict[str, Any]] = []

    # -- writing ------------------------------------------------------------------------------
    def begin_write(self) -> None:
        if self._value is not None:
            return
        if self.dialect == "postgresql":
            value = self.session.execute(text("SELECT value FROM sync_counter WHERE id = 1 FOR UPDATE")).scalar_one()
        else:
            # A write as the transaction's first statement takes SQLite's write lock (waiting if need be).
            self.session.execute(text("UPDATE sync_counter SET value = value WHERE id = 1"))
            value = self.session.execute(text("SELECT value FROM sync_counter WHERE id = 1")).scalar_one()
        self._value = self._start = int(value)

    def next_version(self) -> int:
        assert self._value is not None, "begin_write first"
        self._value += 1
        return self._value

    def device(self, device_id: str) -> tuple[str, int] | None:
        row = self.session.execute(
            select(DEVICES.c.user_id, DEVICES.c.last_seq).where(DEVICES.c.device_id == device_id)
        ).first()
        return (row.user_id, int(row.last_seq)) if row else None

    def save_device(self, device_id: str, user_id: str, last_seq: int) -> None:
        now = utcnow()
        updated = self.session.execute(
            update(DEVICES).where(DEVICES.c.device_id == device_id).values(last_seq=last_seq, last_push_at=now)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(
                insert(DEVICES).values(
                    device_id=device_id, user_id=user_id, last_seq=last_seq, created_at=now, last_push_at=now
                )
            )

    def save(self, state: RecordState, previous: RecordState | None) -> None:
        key = (state.collection, state.id)
        self._pending[key] = state
        rep_id, team_id, public = _audiences(state.scope)
        self._changes.append(
            {
                "seq": state.version,
                "collection": state.collection,
                "record_id": state.id,
                "rep_id": rep_id,
                "team_id": team_id,
                "public": public,
            }
        )
        if previous is not None and _audiences(previous.scope) != _audiences(state.scope):
            old_rep, old_team, old_public = _audiences(previous.scope)
            self._changes.append(
                {
                    "seq": state.version,
                    "collection": state.collection,
                    "record_id": state.id,
                    "rep_id": old_rep,
                    "team_id": old_team,
                    "public": old_public,
                }
            )

    def note_applied(self, who: Principal, op: Operation, result: OpResult) -> None:
        changes: dict[str, Any] = {"op_id": op.op_id, "seq": op.seq, "status": result.status}
        if result.status == "rejected":
            changes["code"] = result.code
        elif op.fields:
            # What changed (an exception's reason and note, a step's answers); long texts are cut.
            changes["fields"] = {
                k: v[:AUDIT_TEXT_MAX] + "…" if isinstance(v, str) and len(v) > AUDIT_TEXT_MAX else v
                for k, v in op.fields.items()
            }
        if op.client_time:
            changes["client_time"] = op.client_time
        if op.reason:
            changes["reason"] = op.reason
        self._audit.append(
            {
                "at": utcnow(),
                "user_id": who.user_id,
                "device_id": who.device_id,
                # a rejected operation's type is as the phone sent it: no NUL for PostgreSQL
                "entity": op.type.split(".")[0][:32].replace("\x00", "\ufffd"),
                "entity_id": op.id,
                "action": op.type[:32].replace("\x00", "\ufffd"),
                "changes": changes,
            }
        )

    def finish(self) -> None:
        """Flush collected writes in bulk; the caller commits."""
        now = utcnow()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for key, s in self._pending.items():
            row = {
                "collection": s.collection,
                "id": s.id,
                "fields": s.fields,
                "versions": s.versions,
                "writers": s.writers,
                "version": s.version,
                "deleted": s.deleted,
                "rep_id": s.scope.rep_id,
                "team_id": s.scope.team_id,
                "store_id": s.scope.store_id,
                "public": s.scope.public,
                "created_by": s.created_by,
                "updated_at": now,
            }
            if key in self._in_db:
                updates.append(row)
            else:
                inserts.append({**row, "parent_id": parent_of(s)})
        if inserts:
            self.session.execute(insert(RECORDS), inserts)
        if updates:
            self.session.execute(
                update(RECORDS)
                .where(and_(RECORDS.c.collection == bindparam("k_collection"), RECORDS.c.id == bindparam("k_id")))
                .values(
                    {
                        c: bindparam(c)
                        for c in (
                            "fields",
                            "versions",
                            "writers",
                            "version",
                            "deleted",
                            "rep_id",
                            "team_id",
                            "store_id",
                            "public",
                            "updated_at",
                        )
                    }
                ),
                [{**row, "k_collection": row["collection"], "k_id": row["id"]} for row in updates],
            )
        if self._changes:
            self.session.execute(insert(CHANGES), self._changes)
        if self._audit:
            self.session.execute(insert(AUDIT), self._audit)
        if self._value is not None and self._value != self._start:
            self.session.execute(update(COUNTER).where(COUNTER.c.id == 1).values(value=self._value))
        self._in_db.update(self._pending)
        self._start = self._value
        self._pending.clear()
        self._changes.clear()
        self._audit.clear()

    # -- reading ------------------------------------------------------------------------------
    def load(self, collection: str, ids: Iterable[str]) -> dict[str, RecordState]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, RecordState] = {}
        missing = []
        for record_id in wanted:
            pending = self._pending.get((collection, record_id))
            if pending is not None:
                found[record_id] = pending
            else:
                missing.append(record_id)
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = self.session.execute(
                select(RECORDS).where(RECORDS.c.collection == collection, RECORDS.c.id.in_(chunk))
            )
            for row in rows:
                found[row.id] = state_of(row)
                self._in_db.add((collection, row.id))
        return found

    def current_seq(self) -> int:
        return int(self.session.execute(select(COUNTER.c.value).where(COUNTER.c.id == 1)).scalar_one())

    def horizon(self) -> int:
        return int(self.session.execute(select(COUNTER.c.horizon).where(COUNTER.c.id == 1)).scalar_one())

    def changes_after(self, who: Principal, cursor: int, upto: int, limit: int) -> list[ChangeRow]:
        query = select(CHANGES.c.seq, CHANGES.c.collection, CHANGES.c.record_id).where(
            CHANGES.c.seq > cursor, CHANGES.c.seq <= upto
        )
        audience = audience_clause(who, CHANGES)
        if audience is not None:
            query = query.where(audience)
        rows = self.session.execute(query.order_by(CHANGES.c.seq, CHANGES.c.id).limit(limit))
        return [ChangeRow(int(r.seq), r.collection, r.record_id) for r in rows]
