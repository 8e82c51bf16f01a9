"""A record's audience follows its store.

When a store moves to another rep (and so perhaps another team), the synced records at that store
that belong with the store get the store's new scope, in the caller's transaction and through the
sync store, so change rows are written: the new rep's and their supervisor's phones receive them on
their next pull (from any cursor, 0 included) and the old audience's phones get ``evict``.

Which records follow is each domain's to say (``Domain.follows_store``; docs/authorization.md,
"When a store moves"):
- notes, their recordings, and conflicts about them: what is known about the store;
- visits not checked out yet, and their steps: work in progress at the store;
- claims finance has not decided yet: money still in play at the store.
What is done stays with the rep who did it: a checked-out visit and its steps (of any day), a
decided claim, a day confirmation (which has no store). Deleted records keep their audience.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlmodel import Session, col

from server.accounts.models import User
from server.registry import installed
from server.replication.store import RECORDS, SqlSyncStore
from server.stores.models import Store
from sync import CONFLICT_COLLECTION, RecordState, Scope

CONFLICT = CONFLICT_COLLECTION.name

Key = tuple[str, str]


def follows_store(state: RecordState, at_store: dict[Key, RecordState]) -> bool:
    """Whether ``state`` moves with its store, as its domain says (``Domain.follows_store``);
    ``at_store`` holds the other records at that store. A conflict follows the record it is about."""
    if state.collection == CONFLICT:
        about = at_store.get((str(state.fields.get("collection")), str(state.fields.get("record_id"))))
        return about is not None and about.collection != CONFLICT and follows_store(about, at_store)
    rule = installed().follows_store.get(state.collection)
    return rule is not None and rule(state, at_store, lambda other: follows_store(other, at_store))


def follow_stores(session: Session, stores: Sequence[Store]) -> int:
    """Give the records that follow these stores each store's current scope (rep, the rep's team).
    Idempotent: a record already in its store's scope is left as it is. Returns how many moved."""
    if not stores:
        return 0
    rep_ids = {s.rep_id for s in stores if s.rep_id}
    teams: dict[str, str | None] = {}
    if rep_ids:
        teams = {
            r.id: r.team_id
            for r in session.execute(select(col(User.id), col(User.team_id)).where(col(User.id).in_(rep_ids)))
        }
    targets = {s.id: (s.rep_id, teams.get(s.rep_id) if s.rep_id else None) for s in stores}
    sync = SqlSyncStore(session)
    sync.begin_write()  # before reading: a push that committed meanwhile is seen, none can interleave
    wanted: dict[str, list[str]] = {}
    store_ids = list(targets)
    for start in range(0, len(store_ids), 500):
        rows = session.execute(
            select(RECORDS.c.collection, RECORDS.c.id).where(
                RECORDS.c.collection.in_([*installed().follows_store, CONFLICT]),
                RECORDS.c.store_id.in_(store_ids[start : start + 500]),
                RECORDS.c.deleted.is_(False),
            )
        )
        for row in rows:
            wanted.setdefault(row.collection, []).append(row.id)
    by_store: dict[str, dict[Key, RecordState]] = {}
    for collection, ids in wanted.items():
        for state in sync.load(collection, ids).values():
            by_store.setdefault(str(state.scope.store_id), {})[(state.collection, state.id)] = state
    moved = 0
    for store_id, at_store in by_store.items():
        rep_id, team_id = targets[store_id]
        for state in sorted(at_store.values(), key=lambda s: (s.version, s.collection, s.id)):
            target = Scope(rep_id, team_id, store_id, state.scope.public)
            if state.scope == target or not follows_store(state, at_store):
                continue
            sync.save(replace(state, scope=target, version=sync.next_version()), state)
            moved += 1
    sync.finish()
    return moved
