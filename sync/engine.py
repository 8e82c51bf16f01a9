"""Applying a push batch and building a pull page, over storage and scope the caller provides.

The engine knows nothing of SQL or HTTP. The server implements ``SyncStore`` (tables) and
``ScopePolicy`` (who may see and create what, plus domain rules such as step order).

Push rules (docs/sync-protocol.md):
- one transaction per batch, ops applied in ``seq`` order; the store's ``begin_write`` serialises
  writers, so the change sequence follows commit order;
- ops at or below the device's last applied seq answer ``duplicate`` and change nothing;
- the first new op must be last+1, else the whole batch is refused (``SequenceGap``);
- every new op is checked before any is applied: an unknown type, fields that do not fit the
  intent's schema, or a record outside the user's scope reject that op;
- then each op is ``applied``, ``conflict`` (kept as a conflict record) or ``rejected`` with a reason;
  a rejected op still advances the device's seq so it never blocks the queue behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sync import merge
from sync.errors import DeviceNotYours, InvalidOperation, OpRejected, SequenceGap, UnknownOperation
from sync.ids import uuid7
from sync.model import (
    PROTOCOL_VERSION,
    Batch,
    Collection,
    Field,
    Operation,
    OpType,
    Policy,
    RecordState,
    Registry,
    Scope,
    validate_fields,
)

CONFLICT = "conflict"
CONFLICT_COLLECTION = Collection(
    CONFLICT,
    {
        "collection": Field(Policy.IMMUTABLE, "str"),
        "record_id": Field(Policy.IMMUTABLE, "id"),
        "field": Field(Policy.IMMUTABLE, "str"),
        "kept": Field(Policy.SERVER),
        "other": Field(Policy.SERVER),
        "other_user_id": Field(Policy.SERVER),
        "other_device_id": Field(Policy.SERVER),
        "other_op_id": Field(Policy.SERVER),
        "other_client_time": Field(Policy.SERVER),
        "base_version": Field(Policy.SERVER),
        "server_version": Field(Policy.SERVER),
        "status": Field(Policy.MONOTONIC, order=("open", "resolved")),
        "resolved_by": Field(Policy.SERVER),
    },
    device_writable=False,
)


@dataclass(frozen=True)
class Principal:
    """Who pushes or pulls."""

    user_id: str
    role: str
    team_id: str | None = None
    device_id: str = ""


Status = Literal["applied", "duplicate", "conflict", "rejected"]


@dataclass
class OpResult:
    seq: int
    op_id: str
    status: Status
    code: str | None = None
    detail: str | None = None
    version: int | None = None
    conflicts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": self.seq, "op_id": self.op_id, "status": self.status}
        for key in ("code", "detail", "version"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.conflicts:
            out["conflicts"] = self.conflicts
        return out


@dataclass
class PushResult:
    device_id: str
    last_seq: int
    results: list[OpResult]

    def as_dict(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "device_id": self.device_id,
            "last_seq": self.last_seq,
            "results": [r.as_dict() for r in self.results],
        }


@dataclass(frozen=True)
class ChangeRow:
    seq: int
    collection: str
    id: str


class SyncStore(Protocol):
    def begin_write(self) -> None:
        """Serialise writers until the transaction ends (the change sequence follows commit order)."""

    def device(self, device_id: str) -> tuple[str, int] | None:
        """(user id, last applied seq) of a known device."""

    def save_device(self, device_id: str, user_id: str, last_seq: int) -> None: ...

    def load(self, collection: str, ids: Iterable[str]) -> dict[str, RecordState]: ...

    def next_version(self) -> int:
        """The next number of the change sequence (only inside ``begin_write``)."""

    def save(self, state: RecordState, previous: RecordState | None) -> None:
        """Write the record and its change; a scope change also tells the old audience to evict it."""

    def note_applied(self, who: Principal, op: Operation, result: OpResult) -> None:
        """Audit hook: called once per new operation, whatever its outcome."""

    def current_seq(self) -> int: ...

    def horizon(self) -> int:
        """Changes at or below this seq may have been compacted away."""

    def changes_after(self, who: Principal, cursor: int, upto: int, limit: int) -> list[ChangeRow]:
        """Change rows visible to ``who`` with cursor < seq <= upto, by seq."""


class ScopePolicy(Protocol):
    def scope_for_create(self, who: Principal, collection: str, fields: dict[str, Any]) -> Scope | None:
        """The scope of a new record, or None when ``who`` may not create it there."""

    def can_see(self, who: Principal, collection: str, scope: Scope) -> bool: ...

    def check(
        self,
        who: Principal,
        op_type: OpType,
        op: Operation,
        current: RecordState | None,
        lookup: dict[tuple[str, str], RecordState | None],
    ) -> None:
        """Domain rules beyond merging (e.g. step order); raise OpRejected to refuse."""

    def derive(
        self,
        who: Principal,
        op_type: OpType,
        op: Operation,
        state: RecordState,
        lookup: dict[tuple[str, str], RecordState | None],
    ) -> dict[str, Any] | None:
        """Server-owned fields that follow from ``op`` just applied (a geofence verdict, a score)."""


@dataclass
class _Pending:
    op: Operation
    op_type: OpType
    collection: Collection


def _typed(registry: Registry, op: Operation) -> tuple[OpType, Collection] | OpResult:
    """The operation's type and collection, or its rejection: an unknown type, a collection
    phones do not write, fields that do not fit its intent's schema. Needs no stored state, so
    ``push`` runs it for the whole batch before it takes the write lock."""
    try:
        if op.refused is not None:
            raise InvalidOperation(op.refused)
        op_type = registry.op_type(op.type)
        collection = registry.collection(op_type.collection)
        if not collection.device_writable:
            raise OpRejected("server_owned", f"{collection.name} is written by the server only")
        validate_fields(collection, op_type, op)
    except (InvalidOperation, UnknownOperation, OpRejected) as exc:
        return OpResult(op.seq, op.op_id, "rejected", exc.code, exc.detail)
    return op_type, collection


def _precheck(
    store: SyncStore,
    policy: ScopePolicy,
    who: Principal,
    ops: list[Operation],
    typed: dict[int, tuple[OpType, Collection] | OpResult],
) -> tuple[list[_Pending | OpResult], dict[tuple[str, str], RecordState | None]]:
    """Each new operation as a pending change, or as its rejection when it cannot be one (``typed``
    says so, or the sender may not see its record). Rejected here, like a business rule's refusal,
    it still advances the device's seq, so one bad operation never holds up the queue behind it."""
    checked: list[_Pending | OpResult] = []
    wanted: dict[str, set[str]] = {}
    for op in ops:
        kind = typed[op.seq]
        if isinstance(kind, OpResult):
            checked.append(kind)
            continue
        op_type, collection = kind
        checked.append(_Pending(op, op_type, collection))
        wanted.setdefault(collection.name, set()).add(op.id)
        wanted.setdefault(CONFLICT, set()).update(op.resolves)
    states: dict[tuple[str, str], RecordState | None] = {}
    for name, ids in wanted.items():
        found = store.load(name, ids)
        for record_id in ids:
            states[(name, record_id)] = found.get(record_id)
    created: set[tuple[str, str]] = set()
    for i, p in enumerate(checked):
        if isinstance(p, OpResult):
            continue
        refusal = _out_of_scope(policy, who, p, states, created)
        if refusal is not None:
            checked[i] = OpResult(p.op.seq, p.op.op_id, "rejected", refusal.code, refusal.detail)
    return checked, states


def _out_of_scope(
    policy: ScopePolicy,
    who: Principal,
    p: _Pending,
    states: dict[tuple[str, str], RecordState | None],
    created: set[tuple[str, str]],
) -> OpRejected | None:
    """Why ``who`` may not touch the operation's record (or its conflicts), or None."""
    key = (p.collection.name, p.op.id)
    state = states[key]
    if state is not None:
        if not policy.can_see(who, p.collection.name, state.scope):
            if state.created_by == who.user_id and state.scope.store_id is not None:
                # the sender's own record left them with its store: say so (it is theirs to know)
                return OpRejected(
                    "store_moved",
                    f"This {p.collection.name}'s store is now assigned to someone else; "
                    "your change was not applied and is kept on your phone.",
                )
            return OpRejected("not_found", f"no {p.collection.name} {p.op.id} for you")
    elif p.op_type.action == "create" and key not in created:
        if policy.scope_for_create(who, p.collection.name, dict(p.op.fields)) is None:
            return OpRejected("not_found", f"you cannot create this {p.collection.name} there")
        created.add(key)
    elif key not in created:
        return OpRejected("not_found", f"no {p.collection.name} {p.op.id}")
    for conflict_id in p.op.resolves:
        conflict = states.get((CONFLICT, conflict_id))
        if conflict is None or not policy.can_see(who, CONFLICT, conflict.scope):
            return OpRejected("not_found", f"no conflict {conflict_id}")
    return None


def _record_conflicts(
    store: SyncStore, who: Principal, op: Operation, state: RecordState, conflicts: list[merge.ConflictValue]
) -> list[str]:
    ids = []
    for c in conflicts:
        version = store.next_version()
        conflict = RecordState(
            CONFLICT,
            uuid7(),
            {
                "collection": state.collection,
                "record_id": state.id,
                "field": c.field,
                "kept": c.kept,
                "other": c.other,
                "other_user_id": who.user_id,
                "other_device_id": who.device_id,
                "other_op_id": op.op_id,
                "other_client_time": op.client_time,
                "base_version": c.base_version,
                "server_version": c.server_version,
                "status": "open",
                "resolved_by": None,
            },
            {},
            version,
            False,
            Scope(state.scope.rep_id, state.scope.team_id, state.scope.store_id),
            who.user_id,
        )
        conflict.versions = {k: version for k in conflict.fields}
        store.save(conflict, None)
        ids.append(conflict.id)
    return ids


def _resolve_conflicts(
    store: SyncStore,
    who: Principal,
    op: Operation,
    state: RecordState,
    clean: set[str],
    states: dict[tuple[str, str], RecordState | None],
) -> None:
    for conflict_id in op.resolves:
        conflict = states.get((CONFLICT, conflict_id))
        if conflict is None or conflict.fields.get("record_id") != state.id:
            continue
        if conflict.fields.get("field") not in clean:
            continue  # the settling edit itself met newer work: the conflict stays open
        outcome = merge.server_write(
            CONFLICT_COLLECTION, conflict, {"status": "resolved", "resolved_by": who.user_id}, store.next_version()
        )
        if outcome.changed:
            store.save(outcome.state, conflict)
            states[(CONFLICT, conflict_id)] = outcome.state


def _apply_one(
    store: SyncStore,
    policy: ScopePolicy,
    who: Principal,
    p: _Pending,
    states: dict[tuple[str, str], RecordState | None],
) -> OpResult:
    op, key = p.op, (p.collection.name, p.op.id)
    current = states.get(key)
    result = OpResult(op.seq, op.op_id, "applied")
    try:
        policy.check(who, p.op_type, op, current, states)
        version = store.next_version()
        if p.op_type.action == "create":
            if current is not None:
                raise OpRejected("exists", f"this {p.collection.name} exists already")
            scope = policy.scope_for_create(who, p.collection.name, dict(op.fields))
            assert scope is not None  # checked before anything was applied
            outcome = merge.create(p.collection, p.op_type, op, version, scope, who.user_id, who.device_id)
        elif current is None:
            raise OpRejected("missing", f"no {p.collection.name} {op.id}")
        elif p.op_type.action == "delete":
            outcome = merge.delete(current, version)
        else:
            outcome = merge.update(p.collection, current, op, version, who.device_id)
        if outcome.changed:
            store.save(outcome.state, current)
            states[key] = outcome.state
            derived = policy.derive(who, p.op_type, op, outcome.state, states)
            if derived:
                follow = merge.server_write(p.collection, outcome.state, derived, store.next_version())
                if follow.changed:
                    store.save(follow.state, outcome.state)
                    states[key] = outcome.state = follow.state
        result.version = outcome.state.version
        if outcome.conflicts:
            result.status = "conflict"
            result.conflicts = _record_conflicts(store, who, op, outcome.state, outcome.conflicts)
        clean = set(op.fields) - {c.field for c in outcome.conflicts}
        _resolve_conflicts(store, who, op, outcome.state, clean, states)
    except OpRejected as exc:
        result = OpResult(op.seq, op.op_id, "rejected", exc.code, exc.detail)
    return result


def push(store: SyncStore, policy: ScopePolicy, registry: Registry, who: Principal, batch: Batch) -> PushResult:
    """Apply a parsed batch inside the caller's transaction. Raises BatchError with nothing applied."""
    typed = {op.seq: _typed(registry, op) for op in batch.ops}  # before the lock: other pushes go on
    store.begin_write()
    known = store.device(batch.device_id)
    if known is not None and known[0] != who.user_id:
        raise DeviceNotYours("this device id belongs to another user; sign in again to get a new one")
    last = known[1] if known else 0
    results = [OpResult(op.seq, op.op_id, "duplicate") for op in batch.ops if op.seq <= last]
    new_ops = [op for op in batch.ops if op.seq > last]
    if new_ops and new_ops[0].seq != last + 1:
        raise SequenceGap(
            f"the server has applied up to seq {last}; this batch starts at {new_ops[0].seq}",
            extra={"expected_seq": last + 1, "last_seq": last},
        )
    checked, states = _precheck(store, policy, who, new_ops, typed)
    for op, p in zip(new_ops, checked, strict=True):
        result = p if isinstance(p, OpResult) else _apply_one(store, policy, who, p, states)
        store.note_applied(who, op, result)
        results.append(result)
    last = new_ops[-1].seq if new_ops else last
    store.save_device(batch.device_id, who.user_id, last)
    return PushResult(batch.device_id, last, results)


@dataclass
class PullPage:
    cursor: int
    more: bool
    changes: list[dict[str, Any]]
    resync: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "cursor": self.cursor,
            "more": self.more,
            "resync": self.resync,
            "changes": self.changes,
        }


def record_payload(state: RecordState) -> dict[str, Any]:
    """A record as pull (and the single-record read) answer it: its state, or its tombstone."""
    if state.deleted:
        return {"collection": state.collection, "id": state.id, "op": "delete", "version": state.version}
    return {
        "collection": state.collection,
        "id": state.id,
        "op": "upsert",
        "version": state.version,
        "fields": state.fields,
        "versions": state.versions,
    }


def pull(store: SyncStore, policy: ScopePolicy, who: Principal, cursor: int, limit: int) -> PullPage:
    """One page of what changed for ``who`` after ``cursor``; never a record outside their scope."""
    if cursor < 0:
        raise InvalidOperation("cursor must not be negative")
    horizon = store.horizon()
    if 0 < cursor < horizon:
        return PullPage(cursor=0, more=True, changes=[], resync=True)
    upto = store.current_seq()  # every change at or below it is committed (writers are serialised)
    if cursor > upto:  # the server's history is shorter than the device's: restored from a backup
        return PullPage(cursor=0, more=True, changes=[], resync=True)
    rows = store.changes_after(who, cursor, upto, limit)
    more = len(rows) >= limit
    latest: dict[tuple[str, str], int] = {}
    for row in rows:
        latest[(row.collection, row.id)] = row.seq
    by_collection: dict[str, set[str]] = {}
    for coll, record_id in latest:
        by_collection.setdefault(coll, set()).add(record_id)
    states: dict[tuple[str, str], RecordState] = {}
    for coll, ids in by_collection.items():
        for record_id, loaded in store.load(coll, ids).items():
            states[(coll, record_id)] = loaded
    changes = []
    for key, seq in sorted(latest.items(), key=lambda kv: kv[1]):
        state = states.get(key)
        if state is None or not policy.can_see(who, key[0], state.scope):
            changes.append({"collection": key[0], "id": key[1], "op": "evict", "version": seq})
        else:
            changes.append(record_payload(state))
    return PullPage(cursor=rows[-1].seq if more else upto, more=more, changes=changes)
