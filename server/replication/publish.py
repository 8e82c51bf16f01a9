"""Publishing server-owned records (stores, catalogues) into the change sequence, so phones pull them
and a store that moves to another rep leaves the old rep's phone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

from server.accounts.models import User
from server.catalog.models import CompetitorSku, Material, Sku
from server.replication.collections import ALLOCATION, CATALOGS, PROMOTION, STORE, STORE_FIELDS, TEMPLATE
from server.replication.store import SqlSyncStore
from server.stores.models import Store
from sync import Collection, RecordState, Scope, merge


def _publish(session: Session, collection: Collection, items: Iterable[tuple[str, dict[str, Any], Scope]]) -> int:
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


def _public(session: Session, model: Any, collection: Collection) -> int:
    """Every row of ``model`` to every phone, with the collection's fields."""
    rows: list[Any] = list(session.exec(select(model)).all())
    return _publish(
        session, collection, ((r.id, {f: getattr(r, f) for f in collection.fields}, Scope(public=True)) for r in rows)
    )


def _store_values(s: Store) -> dict[str, Any]:
    return {name: getattr(s, name) for name in STORE_FIELDS}


def publish_stores(session: Session, stores: Sequence[Store]) -> int:
    """Put these stores' current state into the change sequence (in the caller's transaction)."""
    if not stores:
        return 0
    rep_ids = {s.rep_id for s in stores if s.rep_id}
    teams = dict(session.exec(select(User.id, User.team_id).where(col(User.id).in_(rep_ids))).all()) if rep_ids else {}
    return _publish(
        session,
        STORE,
        ((s.id, _store_values(s), Scope(s.rep_id, teams.get(s.rep_id) if s.rep_id else None, s.id)) for s in stores),
    )


def publish_templates(session: Session) -> int:
    from server.visits.models import VisitTemplate

    return _public(session, VisitTemplate, TEMPLATE)


def publish_allocations(session: Session) -> int:
    """Each rep's POSM allocations, to that rep's phone (and their supervisor's)."""
    from server.catalog.models import MaterialAllocation

    codes = dict(session.exec(select(Material.id, Material.code)).all())
    teams = dict(session.exec(select(User.id, User.team_id)).all())
    rows = list(session.exec(select(MaterialAllocation)))
    return _publish(
        session,
        ALLOCATION,
        (
            (
                a.id,
                {"material_code": codes.get(a.material_id), "period": a.period, "quantity": a.quantity},
                Scope(a.rep_id, teams.get(a.rep_id)),
            )
            for a in rows
        ),
    )


def publish_promotions(session: Session) -> int:
    """Promotions (not their money) to every phone, for the claim form's choice."""
    from server.claims.models import Promotion

    rows = list(session.exec(select(Promotion)))
    return _publish(
        session,
        PROMOTION,
        ((p.id, p.synced(), Scope(public=True)) for p in rows),
    )


def publish_all(session: Session) -> int:
    """Every store, catalogue entry, template and allocation (after seeding or a migration)."""
    written = publish_stores(session, list(session.exec(select(Store))))
    for model, name in ((Sku, "sku"), (CompetitorSku, "competitor_sku"), (Material, "material")):
        written += _public(session, model, CATALOGS[name])
    return written + publish_templates(session) + publish_allocations(session) + publish_promotions(session)
