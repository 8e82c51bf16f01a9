"""Promotions (not their money) to every phone, for the claim form's choice."""

from __future__ import annotations

from sqlmodel import Session, select

from server.claims.models import Promotion
from server.replication.publish import publish_records
from sync import Collection, Field, Policy, Scope

PROMOTION = Collection(
    "promotion",
    {f: Field(Policy.SERVER) for f in ("code", "name", "name_en", "starts_on", "ends_on", "active")},
    device_writable=False,
)


def publish_promotions(session: Session) -> int:
    rows = list(session.exec(select(Promotion)))
    return publish_records(session, PROMOTION, ((p.id, p.synced(), Scope(public=True)) for p in rows))
