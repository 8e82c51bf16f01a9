"""Store use cases: reading within scope, admin edits with audit, CSV import."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from server import authz
from server.accounts.models import Role
from server.accounts.service import Actor
from server.audit import service as audit
from server.db import utcnow
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.replication.rescope import follow_stores
from server.stores import csvio
from server.stores import repository as repo
from server.stores.models import Store, StoreCreate, StoreUpdate
from server.stores.publish import publish_stores

MAX_PAGE = 1000


def list_stores(session: Session, actor: Actor, *, q: str, limit: int, offset: int) -> tuple[list[Store], int]:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise InvalidInput("offset must not be negative")
    return repo.list_visible(session, actor.user, q=q, limit=limit, offset=offset)


def get_store(session: Session, actor: Actor, store_id: str) -> Store:
    store = repo.get_visible(session, actor.user, store_id)
    if store is None:
        raise NotFound("No such store.")
    return store


def _check_references(session: Session, values: dict[str, Any]) -> None:
    from server.accounts import repository as accounts

    rep_id = values.get("rep_id")
    if rep_id is not None:  # an empty id names nobody
        rep = accounts.user_by_id(session, rep_id)
        if rep is None or rep.role != Role.rep.value:
            raise InvalidInput("rep_id does not name a rep.")
    region_id = values.get("region_id")
    if region_id is not None and accounts.region(session, region_id) is None:
        raise InvalidInput("region_id does not name a region.")


def create_store(session: Session, actor: Actor, data: StoreCreate) -> Store:
    authz.require(actor, authz.Action.STORE_CREATE)
    if repo.by_code(session, data.code) is not None:
        raise Conflict(f"A store with code {data.code!r} exists.")
    values = data.model_dump()
    _check_references(session, values)
    store = Store(**values)
    session.add(store)
    session.flush()
    audit.record(session, actor, entity="store", entity_id=store.id, action="create", changes=values)
    publish_stores(session, [store])
    return store


# What a supervisor may change on their team's stores: the visit cycle and the route order.
SUPERVISOR_FIELDS = frozenset({"visit_days", "cycle_weeks", "cycle_anchor", "route_order"})


def update_store(session: Session, actor: Actor, store_id: str, data: StoreUpdate) -> Store:
    authz.require(actor, authz.Action.STORE_EDIT)
    store = get_store(session, actor, store_id)
    values = data.model_dump(exclude_unset=True)
    if "rep_id" in values:
        authz.require(actor, authz.Action.STORE_ASSIGN)
    if actor.role is Role.supervisor and set(values) - SUPERVISOR_FIELDS:
        raise Forbidden(f"A supervisor may change only {', '.join(sorted(SUPERVISOR_FIELDS))}.")
    _check_references(session, values)
    before = store.model_dump()
    for key, value in values.items():
        setattr(store, key, value)
    changes = audit.diff(before, store.model_dump())
    if changes:
        store.updated_at = utcnow()
        session.add(store)
        audit.record(session, actor, entity="store", entity_id=store.id, action="update", changes=changes)
        session.flush()
        publish_stores(session, [store])
        if "rep_id" in changes:
            follow_stores(session, [store])  # its notes, open visits... go with it
    return store


def import_csv(session: Session, actor: Actor, data: bytes, *, dry_run: bool) -> dict[str, Any]:
    """Create and update stores from a CSV file; the stores written reach the phones that should
    have them (and leave those that should not), and a store given to another rep takes its
    records with it, all in this transaction."""
    authz.require(actor, authz.Action.STORE_CREATE)
    report, written = csvio.import_stores(session, data, dry_run=dry_run)
    if dry_run or not written:
        return report.as_dict()
    now = utcnow()
    for store, _ in written:
        store.updated_at = now
    session.flush()
    for store, changes in written:
        audit.record(session, actor, entity="store", entity_id=store.id, action="import", changes=changes)
    stores = [store for store, _ in written]
    publish_stores(session, stores)
    follow_stores(session, [store for store, changes in written if "rep_id" in changes])
    return report.as_dict()


def export_csv(session: Session, actor: Actor) -> bytes:
    authz.require(actor, authz.Action.STORE_CREATE)  # the export is the import's other half
    return csvio.export_stores(session)
