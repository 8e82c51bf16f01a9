"""Stores as phones sync them: to the rep they are assigned to and that rep's supervisor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from server.accounts.models import User
from server.replication.publish import publish_records
from server.stores.models import Store
from sync import Collection, Field, Policy, Scope

STORE_FIELDS = (
    "code",
    "name",
    "address",
    "channel",
    "lat",
    "lng",
    "geofence_m",
    "rep_id",
    "region_id",
    "visit_days",
    "cycle_weeks",
    "cycle_anchor",
    "route_order",
)
# Reference data: written by the server, pulled by phones.
STORE = Collection("store", {name: Field(Policy.SERVER) for name in STORE_FIELDS}, device_writable=False)


def _store_values(s: Store) -> dict[str, Any]:
    return {name: getattr(s, name) for name in STORE_FIELDS}


def publish_stores(session: Session, stores: Sequence[Store]) -> int:
    """Put these stores' current state into the change sequence (in the caller's transaction)."""
    if not stores:
        return 0
    rep_ids = {s.rep_id for s in stores if s.rep_id}
    teams = dict(session.exec(select(User.id, User.team_id).where(col(User.id).in_(rep_ids))).all()) if rep_ids else {}
    return publish_records(
        session,
        STORE,
        ((s.id, _store_values(s), Scope(s.rep_id, teams.get(s.rep_id) if s.rep_id else None, s.id)) for s in stores),
    )


def publish_every_store(session: Session) -> int:
    return publish_stores(session, list(session.exec(select(Store))))
