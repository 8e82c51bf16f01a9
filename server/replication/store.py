"""``SyncStore`` over SQL: records, change sequence and devices in the request's transaction.

Writes are collected in memory and flushed in bulk by ``finish()`` (one driver-level executemany
per table and kind of write, ``bulk``), which is what lets a rep's day of operations apply in one
short transaction.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import JSON, Dialect, Table, insert, select, text, update
from sqlmodel import Session

from server.audit.models import AuditEntry
from server.db import sane_json, utcnow, write_json
from server.registry import installed
from server.replication.models import SyncChange, SyncCounter, SyncDevice, SyncRecord
from server.scope import audience_clause
from sync import ChangeRow, Operation, OpResult, Principal, RecordState, Scope


class _Bulk:
    """One INSERT (or UPDATE by key) of many rows as one statement. On PostgreSQL the rows travel as
    one JSON document (encoded by msgspec) that ``json_to_recordset`` turns back into typed rows;
    on SQLite one prepared statement is stepped per row (``executemany``), JSON values encoded by
    msgspec. The statement is written once per table and dialect; other values go through their
    column type's own bind processing. The ORM's per-row machinery was most of a push's time
    (bench/sync_burst.py)."""

    def __init__(self, table: Table, dialect: Dialect, columns: tuple[str, ...], keys: tuple[str, ...] = ()) -> None:
        quote = dialect.identifier_preparer.quote
        self.pg = dialect.name == "postgresql"
        self.columns = (*columns, *keys)
        name = quote(table.name)
        if self.pg:
            # nested JSON stays as it is inside the document; the recordset types each column
            self.process = [None if isinstance(table.c[c].type, JSON) else _processor(table.c[c].type, dialect)
                            for c in self.columns]  # fmt: skip
            typed = ", ".join(f"{quote(c)} {_sql_type(table.c[c].type, dialect)}" for c in self.columns)
            rows = f"json_to_recordset(%s::json) AS v({typed})"
            if keys:
                sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
                where = " AND ".join(f"t.{quote(k)} = v.{quote(k)}" for k in keys)
                self.sql = f"UPDATE {name} AS t SET {sets} FROM {rows} WHERE {where}"
            else:
                names = ", ".join(quote(c) for c in columns)
                self.sql = f"INSERT INTO {name} ({names}) SELECT {names} FROM {rows}"
            return
        self.process = [_processor(table.c[c].type, dialect) for c in self.columns]
        if keys:
            sets = ", ".join(f"{quote(c)} = ?" for c in columns)
            where = " AND ".join(f"{quote(k)} = ?" for k in keys)
            self.sql = f"UPDATE {name} SET {sets} WHERE {where}"
        else:
            marks = ", ".join("?" for _ in columns)
            self.sql = f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)}) VALUES ({marks})"

    def _values(self, rows: list[dict[str, Any]]) -> list[Any]:
        pick = operator.itemgetter(*self.columns)  # always two columns or more: a tuple per row
        params: list[Any] = [pick(row) for row in rows]
        processed = [(i, p) for i, p in enumerate(self.process) if p is not None]
        if processed:
            for n, values in enumerate(params):
                values = list(values)
                for i, p in processed:
                    values[i] = p(values[i])
                params[n] = tuple(values)
        return params

    def run(self, session: Session, rows: list[dict[str, Any]]) -> None:
        params = self._values(rows)
        if self.pg:
            document = [dict(zip(self.columns, values, strict=True)) for values in params]
            session.connection().exec_driver_sql(self.sql, (_document(document),))
        else:
            session.connection().exec_driver_sql(self.sql, params)


def _document(rows: list[dict[str, Any]]) -> str:
    """The rows as one JSON text. A lone surrogate (some text an older version let in) has no
    UTF-8 and no place in a recordset: it is written as U+FFFD, which is how readers answer it."""
    try:
        return msgspec.json.encode(rows).decode()
    except UnicodeEncodeError:
        return msgspec.json.encode(sane_json(rows)).decode()


def _sql_type(kind: Any, dialect: Dialect) -> str:
    return "json" if isinstance(kind, JSON) else str(kind.compile(dialect=dialect))


def _processor(kind: Any, dialect: Dialect) -> Any:
    if isinstance(kind, JSON):
        return write_json
    return kind.dialect_impl(dialect).bind_processor(dialect)


_BULK: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], _Bulk] = {}


def bulk(session: Session, table: Table, rows: list[dict[str, Any]], keys: tuple[str, ...] = ()) -> None:
    """Insert ``rows`` into ``table`` (or, with ``keys``, update the rows those columns name) in one
    statement; every row has the same columns."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    columns = tuple(c for c in rows[0] if c not in keys)
    cache_key = (dialect.name, table.name, columns, keys)
    runner = _BULK.get(cache_key)
    if runner is None:
        runner = _BULK[cache_key] = _Bulk(table, dialect, columns, keys)
    runner.run(session, rows)


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
                del row["created_by"]  # who created a record never changes
                updates.append(row)
            else:
                inserts.append({**row, "parent_id": parent_of(s)})
        bulk(self.session, RECORDS, inserts)
        bulk(self.session, RECORDS, updates, keys=("collection", "id"))
        bulk(self.session, CHANGES, self._changes)
        bulk(self.session, AUDIT, self._audit)
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
