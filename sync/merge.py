"""Pure merge functions: an operation applied to a record's state. No I/O, deterministic.

Device clocks never take part: the order of the server's change sequence decides what
"later" means, and a stale base version is detected by comparing versions, not times.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sync.errors import OpRejected
from sync.model import Collection, Operation, OpType, Policy, RecordState, Scope


@dataclass(frozen=True)
class ConflictValue:
    """An edit the server did not let overwrite newer work: kept beside the winner for a person to choose."""

    field: str
    kept: Any  # the value the record keeps
    other: Any  # the value this operation wanted
    base_version: int  # the version the edit was made on
    server_version: int  # the version the server had moved to


@dataclass
class Outcome:
    state: RecordState
    changed: set[str] = field(default_factory=set)
    conflicts: list[ConflictValue] = field(default_factory=list)


def _clone(state: RecordState) -> RecordState:
    """A copy whose field maps can change without touching ``state``. Values are never mutated in
    place (sets and counters build new values), so copying the maps is enough and far cheaper than
    a deep copy on the push hot path."""
    return replace(state, fields=dict(state.fields), versions=dict(state.versions), writers=dict(state.writers))


def set_apply(current: list[Any] | None, add: list[Any], remove: list[Any]) -> list[Any]:
    """Remove, then add; order of first appearance is kept and nothing appears twice."""
    result = [v for v in (current or []) if v not in remove]
    for value in add:
        if value not in result:
            result.append(value)
    return result


def monotonic_max(order: tuple[str, ...], current: Any, incoming: Any) -> Any:
    if current is None:
        return incoming
    return incoming if order.index(incoming) > order.index(current) else current


def create(
    collection: Collection,
    op_type: OpType,
    op: Operation,
    version: int,
    scope: Scope,
    created_by: str | None,
    device_id: str = "",
) -> Outcome:
    values: dict[str, Any] = {}
    for name, spec in collection.fields.items():
        if name not in op.fields:
            if spec.required:
                raise OpRejected("missing_field", f"{collection.name} needs {name!r}")
            continue
        if spec.policy is Policy.SERVER:
            raise OpRejected("server_owned", f"{name!r} is set by the server, not by a phone")
        value = op.fields[name]
        if spec.policy is Policy.SET:
            value = set_apply([], value.get("add", []), []) if isinstance(value, dict) else set_apply([], value, [])
        elif spec.policy is Policy.COUNTER and isinstance(value, dict):
            value = value.get("add", 0)
        values[name] = value
    state = RecordState(
        collection.name,
        op.id,
        values,
        {k: version for k in values},
        version,
        False,
        scope,
        created_by,
        {k: device_id for k in values},
    )
    return Outcome(state, set(values))


def update(collection: Collection, current: RecordState, op: Operation, version: int, device_id: str = "") -> Outcome:
    """Apply an edit. A protected field conflicts when someone else wrote it after the version the
    edit was based on; the device's own later writes never conflict with it (it knew them)."""
    if current.deleted:
        raise OpRejected("deleted", f"this {collection.name} was deleted; the edit was not applied")
    state = _clone(current)
    outcome = Outcome(state)
    for name, value in op.fields.items():
        spec = collection.fields[name]
        old = state.fields.get(name)
        new: Any
        if spec.policy is Policy.SERVER:
            raise OpRejected("server_owned", f"{name!r} is set by the server, not by a phone")
        if spec.policy is Policy.IMMUTABLE:
            if value != old:
                raise OpRejected("immutable", f"{name!r} cannot change once set")
            continue
        if spec.policy is Policy.OVERWRITE:
            new = value
        elif spec.policy is Policy.PROTECTED:
            field_version = state.versions.get(name, 0)
            base = op.base.get(name, 0)
            someone_else = state.writers.get(name) != device_id or not device_id
            if field_version > base and someone_else and value != old:
                outcome.conflicts.append(ConflictValue(name, old, value, base, field_version))
                continue
            new = value
        elif spec.policy is Policy.SET:
            new = set_apply(old, value.get("add", []), value.get("remove", []))
        elif spec.policy is Policy.COUNTER:
            new = (old or 0) + value["add"]
        elif spec.policy is Policy.MONOTONIC:
            new = monotonic_max(spec.order, old, value)
        else:  # pragma: no cover - every policy is handled above
            raise AssertionError(spec.policy)
        if new != old or name not in state.fields:
            state.fields[name] = new
            state.versions[name] = version
            state.writers[name] = device_id
            outcome.changed.add(name)
    if outcome.changed:
        state.version = version
    return outcome


def delete(current: RecordState, version: int) -> Outcome:
    state = _clone(current)
    if state.deleted:
        return Outcome(state)
    state.deleted = True
    state.version = version
    return Outcome(state, {"_deleted"})


def server_write(collection: Collection, current: RecordState, values: dict[str, Any], version: int) -> Outcome:
    """The server itself sets fields (review decisions, scores, conflict status); policies still hold."""
    state = _clone(current)
    outcome = Outcome(state)
    for name, value in values.items():
        spec = collection.fields[name]
        old = state.fields.get(name)
        new = monotonic_max(spec.order, old, value) if spec.policy is Policy.MONOTONIC else value
        if new != old:
            state.fields[name] = new
            state.versions[name] = version
            state.writers[name] = ""
            outcome.changed.add(name)
    if outcome.changed:
        state.version = version
    return outcome
