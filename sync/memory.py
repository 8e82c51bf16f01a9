"""An in-memory ``SyncStore`` and ``ScopePolicy``: the sync engine without a database.

``MemoryStore`` keeps records, the change sequence, devices and an audit of applied operations in
plain dicts and lists; ``MemoryScope`` gives records an audience the way the server does (a rep
sees their own records, a supervisor their team's, an admin everything, anyone a public record).
Together they run ``sync.push`` and ``sync.pull`` in tests, tools and simulations::

    store, scope = MemoryStore(), MemoryScope(stores={store_id: (rep_id, team_id)})
    with store.transaction():
        answer = push(store, scope, registry, who, batch)
    page = pull(store, scope, who, cursor=0, limit=100)

Transactions: writes are buffered from ``begin_write`` (which ``push`` calls) until ``commit``, and
``rollback`` drops them; ``transaction()`` does both around a block. Reads made while a transaction
is open see its own writes, like a database session. The store is meant for one thread: there is
only ever one transaction, so writers are serialised by construction.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sync import merge
from sync.engine import ChangeRow, OpResult, Principal
from sync.errors import OpRejected
from sync.model import Collection, Operation, OpType, RecordState, Scope

if TYPE_CHECKING:
    from sync.engine import ScopePolicy, SyncStore

Key = tuple[str, str]
Audience = tuple[str | None, str | None, bool]  # rep_id, team_id, public
CanSee = Callable[[Principal, str, Scope], bool]


def role_can_see(who: Principal, collection: str, scope: Scope) -> bool:
    """The server's audience rule: an admin sees everything and everyone sees a public record; a
    rep sees records scoped to them, a supervisor those of their team; any other role nothing."""
    if who.role == "admin" or scope.public:
        return True
    if who.role == "rep":
        return scope.rep_id == who.user_id
    if who.role == "supervisor":
        return who.team_id is not None and scope.team_id == who.team_id
    return False


def _audience(scope: Scope) -> Audience:
    return (scope.rep_id, scope.team_id, scope.public)


def _copy(state: RecordState) -> RecordState:
    """A copy the caller may change without touching the stored record (values are never changed
    in place by the engine, so copying the maps and the scope is enough)."""
    return replace(
        state,
        fields=dict(state.fields),
        versions=dict(state.versions),
        writers=dict(state.writers),
        scope=replace(state.scope),
    )


@dataclass(frozen=True)
class Change:
    """One row of the change sequence: record ``(collection, id)`` changed at ``seq``, for the
    audience ``rep_id``/``team_id``/``public`` (a scope change writes a row for each audience)."""

    seq: int
    collection: str
    id: str
    rep_id: str | None
    team_id: str | None
    public: bool

    @property
    def scope(self) -> Scope:
        return Scope(self.rep_id, self.team_id, None, self.public)


@dataclass(frozen=True)
class Applied:
    """The audit of one new operation a push met, whatever its outcome (``note_applied``)."""

    user_id: str
    device_id: str
    op_id: str
    seq: int
    type: str
    id: str
    status: str
    code: str | None = None


@dataclass
class _Transaction:
    value: int
    records: dict[Key, RecordState] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    devices: dict[str, tuple[str, int]] = field(default_factory=dict)
    applied: list[Applied] = field(default_factory=list)


class MemoryStore:
    """``SyncStore`` over dicts: records by (collection, id), the change rows in seq order, the
    change counter, devices (user id, last applied seq) and the audit of applied operations.

    ``can_see`` decides which change rows a principal pulls (the audience of each row); it should
    be the same rule as the ``ScopePolicy``'s ``can_see``. Committed state is in ``records``,
    ``changes``, ``devices``, ``applied`` and ``counter``; read them, do not write them.
    """

    def __init__(self, can_see: CanSee = role_can_see) -> None:
        self.can_see = can_see
        self.records: dict[Key, RecordState] = {}
        self.changes: list[Change] = []
        self.devices: dict[str, tuple[str, int]] = {}
        self.applied: list[Applied] = []
        self.counter = 0
        self._horizon = 0
        self._tx: _Transaction | None = None

    # -- transactions -------------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        return self._tx is not None

    def begin_write(self) -> None:
        """Open the write transaction (joining it when one is open already)."""
        if self._tx is None:
            self._tx = _Transaction(self.counter)

    def commit(self) -> None:
        """Make the open transaction's writes part of the store (a no-op without one)."""
        tx, self._tx = self._tx, None
        if tx is None:
            return
        self.records.update(tx.records)
        self.changes.extend(tx.changes)
        self.devices.update(tx.devices)
        self.applied.extend(tx.applied)
        self.counter = tx.value

    def rollback(self) -> None:
        """Drop the open transaction's writes (a no-op without one)."""
        self._tx = None

    @contextmanager
    def transaction(self) -> Iterator[MemoryStore]:
        """A write transaction around a block: committed when the block ends, rolled back when it
        raises (a ``BatchError`` from ``push`` included)."""
        if self._tx is not None:
            raise RuntimeError("a transaction is open already")
        self.begin_write()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def _write(self) -> _Transaction:
        assert self._tx is not None, "begin_write first"
        return self._tx

    # -- SyncStore: writing -------------------------------------------------------------------
    def device(self, device_id: str) -> tuple[str, int] | None:
        """(user id, last applied seq) of a known device."""
        if self._tx is not None and device_id in self._tx.devices:
            return self._tx.devices[device_id]
        return self.devices.get(device_id)

    def save_device(self, device_id: str, user_id: str, last_seq: int) -> None:
        self._write().devices[device_id] = (user_id, last_seq)

    def next_version(self) -> int:
        """The next number of the change sequence (only inside a transaction)."""
        tx = self._write()
        tx.value += 1
        return tx.value

    def save(self, state: RecordState, previous: RecordState | None) -> None:
        """Write the record and its change row; a scope change also writes a row for the old
        audience, so its devices pull an ``evict``."""
        tx = self._write()
        tx.records[(state.collection, state.id)] = _copy(state)
        audiences = [_audience(state.scope)]
        if previous is not None and _audience(previous.scope) != audiences[0]:
            audiences.append(_audience(previous.scope))
        for rep_id, team_id, public in audiences:
            tx.changes.append(Change(state.version, state.collection, state.id, rep_id, team_id, public))

    def note_applied(self, who: Principal, op: Operation, result: OpResult) -> None:
        """Audit one new operation (``applied``)."""
        self._write().applied.append(
            Applied(who.user_id, who.device_id, op.op_id, op.seq, op.type, op.id, result.status, result.code)
        )

    # -- SyncStore: reading -------------------------------------------------------------------
    def load(self, collection: str, ids: Iterable[str]) -> dict[str, RecordState]:
        """Copies of the records of ``collection`` with these ids that exist (tombstones included)."""
        found: dict[str, RecordState] = {}
        for record_id in ids:
            key = (collection, record_id)
            state = self._tx.records.get(key) if self._tx is not None else None
            if state is None:
                state = self.records.get(key)
            if state is not None:
                found[record_id] = _copy(state)
        return found

    def current_seq(self) -> int:
        return self._tx.value if self._tx is not None else self.counter

    def horizon(self) -> int:
        """Changes at or below this seq may have been compacted away (see ``compact``)."""
        return self._horizon

    def changes_after(self, who: Principal, cursor: int, upto: int, limit: int) -> list[ChangeRow]:
        """Change rows in ``who``'s audience with cursor < seq <= upto, by seq, at most ``limit``."""
        rows = self.changes if self._tx is None else self.changes + self._tx.changes
        out: list[ChangeRow] = []
        for row in rows[bisect.bisect_right(rows, cursor, key=lambda r: r.seq) :]:
            if row.seq > upto or len(out) >= limit:
                break
            if self.can_see(who, row.collection, row.scope):
                out.append(ChangeRow(row.seq, row.collection, row.id))
        return out

    # -- server-side writes -------------------------------------------------------------------
    @contextmanager
    def _own_or_open(self) -> Iterator[None]:
        """Run in the open transaction if there is one, else in a transaction of its own."""
        if self._tx is not None:
            yield
            return
        with self.transaction():
            yield

    def publish(self, collection: Collection, record_id: str, values: dict[str, Any], scope: Scope) -> RecordState:
        """Write reference data the server owns (a store, a template) as the server's publish
        does: created, or its values and scope replaced; unchanged, nothing is written."""
        with self._own_or_open():
            current = self.load(collection.name, [record_id]).get(record_id)
            if current is not None and current.fields == values and current.scope == scope and not current.deleted:
                return current
            version = self.next_version()
            if current is None:
                state = RecordState(
                    collection.name, record_id, dict(values), {k: version for k in values}, version, False, scope
                )
            else:
                state = merge.server_write(collection, current, values, version).state
                state.scope, state.version, state.deleted = scope, version, False
            self.save(state, current)
            return _copy(state)

    def rescope(self, collection: str, record_id: str, scope: Scope) -> RecordState | None:
        """Give a record a new audience (its store moved to another rep): the new audience pulls
        it, the old one pulls an ``evict``. None when there is no such record."""
        with self._own_or_open():
            current = self.load(collection, [record_id]).get(record_id)
            if current is None or current.scope == scope:
                return current
            state = replace(current, scope=scope, version=self.next_version())
            self.save(state, current)
            return _copy(state)

    def compact(self, tombstones_upto: int | None = None) -> dict[str, int]:
        """Drop superseded change rows (a newer row exists for the same record and audience) and
        purge tombstones deleted at or below ``tombstones_upto`` (default: all of them), as the
        server's compaction does. Purging a delete loses it for devices that never pulled it, so
        the horizon moves past it and such devices resync. Not inside a transaction."""
        if self._tx is not None:
            raise RuntimeError("compact runs on its own, not inside a transaction")
        upto = self.counter if tombstones_upto is None else tombstones_upto
        seen: set[tuple[str, str, str | None, str | None, bool]] = set()
        newest: list[Change] = []
        for row in reversed(self.changes):
            audience = (row.collection, row.id, row.rep_id, row.team_id, row.public)
            if audience not in seen:
                seen.add(audience)
                newest.append(row)
        superseded = len(self.changes) - len(newest)
        purged = {key for key, s in self.records.items() if s.deleted and s.version <= upto}
        self.changes = [row for row in reversed(newest) if (row.collection, row.id) not in purged]
        horizon = max((self.records.pop(key).version for key in purged), default=0)
        self._horizon = max(self._horizon, horizon)
        return {"superseded_rows": superseded, "tombstones_purged": len(purged), "horizon": horizon}


@dataclass
class MemoryScope:
    """``ScopePolicy`` after the server's rule, without its domain checks.

    A record made at a store (``store_id`` among its fields) gets that store's rep and team from
    ``stores`` (store id -> (rep id, team id)); it may be created only at a known store its sender
    can see. A record without a store belongs to its rep (and their team), a supervisor's to their
    team, an admin's to nobody in particular (only admins see it). Visibility is ``can_see``
    (``role_can_see`` by default). ``check`` lets only a record's author change it; ``derive``
    writes nothing. Subclass to add domain rules.
    """

    stores: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    visible: CanSee = role_can_see

    def scope_for_create(self, who: Principal, collection: str, fields: dict[str, Any]) -> Scope | None:
        """The scope of a new record, or None when ``who`` may not create it there."""
        if "store_id" in fields:
            store_id = fields["store_id"]
            found = self.stores.get(store_id) if isinstance(store_id, str) else None
            if found is None:
                return None
            scope = Scope(found[0], found[1], store_id)
            return scope if self.can_see(who, collection, scope) else None
        if who.role == "rep":
            return Scope(who.user_id, who.team_id)
        if who.role == "supervisor":
            return Scope(None, who.team_id)
        return Scope() if who.role == "admin" else None

    def can_see(self, who: Principal, collection: str, scope: Scope) -> bool:
        return self.visible(who, collection, scope)

    def check(
        self,
        who: Principal,
        op_type: OpType,
        op: Operation,
        current: RecordState | None,
        lookup: dict[tuple[str, str], RecordState | None],
    ) -> None:
        """Only the person who wrote a record may change it (``not_yours``)."""
        if current is not None and current.created_by != who.user_id:
            raise OpRejected("not_yours", f"Only the person who wrote this {op_type.collection} may change it.")

    def derive(
        self,
        who: Principal,
        op_type: OpType,
        op: Operation,
        state: RecordState,
        lookup: dict[tuple[str, str], RecordState | None],
    ) -> dict[str, Any] | None:
        """No server-owned fields follow from an operation here."""
        return None


if TYPE_CHECKING:  # mypy proves both implement the engine's protocols

    def _implements(store: MemoryStore, scope: MemoryScope) -> tuple[SyncStore, ScopePolicy]:
        return store, scope
