"""Promotions (not their money) to every phone, for the claim form's choice. Each carries the
channels its budget pools cover (None: some pool takes any channel), so a phone offers a store only
the promotions that can pay it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, select

from server.claims.models import BudgetPool, Promotion
from server.replication.publish import publish_records
from sync import Collection, Field, Policy, Scope

PROMOTION = Collection(
    "promotion",
    {f: Field(Policy.SERVER) for f in ("code", "name", "name_en", "starts_on", "ends_on", "active", "channels")},
    device_writable=False,
)


def pool_channels(pools: list[BudgetPool]) -> list[str] | None:
    """The channels a promotion's pools cover: sorted, [] without pools, None when one takes any."""
    if any(not p.channels for p in pools):
        return None
    return sorted({c for p in pools for c in p.channels})


def promotion_fields(promotion: Promotion, pools: list[BudgetPool]) -> dict[str, Any]:
    return {**promotion.synced(), "channels": pool_channels(pools)}


def publish_promotions(session: Session) -> int:
    pools: dict[str, list[BudgetPool]] = defaultdict(list)
    for pool in session.exec(select(BudgetPool)):
        pools[pool.promotion_id].append(pool)
    rows = list(session.exec(select(Promotion)))
    return publish_records(
        session, PROMOTION, ((p.id, promotion_fields(p, pools[p.id]), Scope(public=True)) for p in rows)
    )
