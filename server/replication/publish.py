"""Publishing server-owned records (stores, catalogues) into the change sequence, so phones pull them
and a store that moves to another rep leaves the old rep's phone. Each domain publishes its own
records through these (``server/<domain>/publish.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, select

from server.replication.store import SqlSyncStore
from sync import Collection, RecordState, Scope, merge


def publish_records(
    session: Session, collection: Collection, items: Iterable[tuple[str, dict[str, Any], Scope]]
) -> int:
    """Write the records whose values or scope changed, under the change-sequence lock."""
    items = list(items)
    store = SqlSyncStore(session)
    store.begin_write()
    existing = store.load(collection.name, [item_id for item_id, _, _ in items])
    written = 0
    for item_id, values, scope in items:
        current = existing.get(item_id)
        if current is not None and current.fields == values and current.scope == scope and not current.deleted:
            continue
        version = store.next_version()
        if current is None:
            state = RecordState(collection.name, item_id, values, {k: version for k in values}, version, False, scope)
        else:
            state = merge.server_write(collection, current, values, version).state
            state.scope, state.version, state.deleted = scope, version, False
        store.save(state, current)
        written += 1
    store.finish()
    return written


def server_update(
    session: Session, collection: Collection, record_id: str, compute: Callable[[RecordState], dict[str, Any] | None]
) -> RecordState | None:
    """Change server-side fields of one synced record (a transcript appended to a note, a review
    decision), computed from its current state under the change-sequence lock; phones pull it like
    any change. Returns the new state, or None when the record is missing or deleted."""
    store = SqlSyncStore(session)
    store.begin_write()
    current = store.load(collection.name, [record_id]).get(record_id)
    if current is None or current.deleted:
        return None
    values = compute(current)
    if not values:
        return current
    outcome = merge.server_write(collection, current, values, store.next_version())
    if outcome.changed:
        store.save(outcome.state, current)
        store.finish()
    return outcome.state


def publish_public(session: Session, model: Any, collection: Collection) -> int:
    """Every row of ``model`` to every phone, with the collection's fields."""
    rows: list[Any] = list(session.exec(select(model)).all())
    return publish_records(
        session, collection, ((r.id, {f: getattr(r, f) for f in collection.fields}, Scope(public=True)) for r in rows)
    )
