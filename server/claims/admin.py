"""Admins' side of promotions and their budget pools: every pool with its amount, spent and left,
editing a promotion, adding and editing a pool. A pool's amount never goes below what it has paid
out: the amount moves by a conditional UPDATE (as ``service.decide`` moves ``spent_cents``), so a
claim approved at the same moment cannot slip under it. Every change is audited and promotions are
published again, so phones see the channels their pools now cover."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from server import authz
from server.accounts.models import Region
from server.accounts.service import Actor
from server.audit import service as audit
from server.claims.models import BudgetPool, Promotion
from server.claims.publish import publish_promotions
from server.errors import Conflict, InvalidInput, NotFound


def _pool(pool: BudgetPool) -> dict[str, Any]:
    return {
        "id": pool.id,
        "promotion_id": pool.promotion_id,
        "name": pool.name,
        "name_en": pool.name_en,
        "starts_on": pool.starts_on.isoformat(),
        "ends_on": pool.ends_on.isoformat(),
        "region_id": pool.region_id,
        "channels": list(pool.channels),
        "stores": len(pool.store_ids),
        "amount_cents": pool.amount_cents,
        "spent_cents": pool.spent_cents,
        "left_cents": pool.amount_cents - pool.spent_cents,
    }


def _promotion(promo: Promotion, pools: list[BudgetPool]) -> dict[str, Any]:
    return {"id": promo.id, **promo.synced(), "pools": [_pool(p) for p in pools]}


def overview(session: Session, actor: Actor) -> dict[str, Any]:
    """Every promotion (latest first) with its pools' money, and the regions a pool may be limited to."""
    authz.require(actor, authz.Action.PROMOTION_CREATE)
    pools: dict[str, list[BudgetPool]] = {}
    for p in session.exec(select(BudgetPool).order_by(col(BudgetPool.created_at), col(BudgetPool.id))):
        pools.setdefault(p.promotion_id, []).append(p)
    promos = session.exec(select(Promotion).order_by(col(Promotion.starts_on).desc(), col(Promotion.code)))
    regions = session.exec(select(Region).order_by(col(Region.code)))
    return {
        "promotions": [_promotion(p, pools.get(p.id, [])) for p in promos],
        "regions": [{"id": r.id, "code": r.code, "name": r.name, "name_en": r.name_en} for r in regions],
    }


def _period(starts: date, ends: date) -> None:
    if ends < starts:
        raise InvalidInput("The period ends before it starts.", code="bad_period", extra={"field": "ends_on"})


def _region(session: Session, region_id: str | None) -> None:
    if region_id is not None and session.get(Region, region_id) is None:
        raise InvalidInput("region_id does not name a region.", code="unknown_region", extra={"field": "region_id"})


def _get_promotion(session: Session, promotion_id: str) -> Promotion:
    promo = session.get(Promotion, promotion_id)
    if promo is None:
        raise NotFound(f"No promotion {promotion_id}.")
    return promo


def _answer(session: Session, promo: Promotion) -> dict[str, Any]:
    pools = list(session.exec(select(BudgetPool).where(BudgetPool.promotion_id == promo.id)))
    return _promotion(promo, sorted(pools, key=lambda p: (p.created_at, p.id)))


def update_promotion(session: Session, actor: Actor, promotion_id: str, data: dict[str, Any]) -> dict[str, Any]:
    authz.require(actor, authz.Action.PROMOTION_CREATE)
    promo = _get_promotion(session, promotion_id)
    # A null period bound means "leave it": a promotion always has both dates.
    data = {k: v for k, v in data.items() if v is not None}
    before = {k: getattr(promo, k) for k in data}
    _period(data.get("starts_on", promo.starts_on), data.get("ends_on", promo.ends_on))
    for key, value in data.items():
        setattr(promo, key, value)
    session.add(promo)
    session.flush()
    publish_promotions(session)
    changes = audit.diff(before, data)
    if changes:
        audit.record(session, actor, entity="promotion", entity_id=promo.id, action="update", changes=changes)
    return _answer(session, promo)


def add_pool(session: Session, actor: Actor, promotion_id: str, data: dict[str, Any]) -> dict[str, Any]:
    authz.require(actor, authz.Action.PROMOTION_CREATE)
    promo = _get_promotion(session, promotion_id)
    starts, ends = data.get("starts_on") or promo.starts_on, data.get("ends_on") or promo.ends_on
    _period(starts, ends)
    _region(session, data.get("region_id"))
    pool = BudgetPool(
        promotion_id=promo.id,
        name=data["name"],
        name_en=data.get("name_en", ""),
        amount_cents=data["amount_cents"],
        starts_on=starts,
        ends_on=ends,
        region_id=data.get("region_id"),
        channels=list(data.get("channels", [])),
        store_ids=list(data.get("store_ids", [])),
    )
    session.add(pool)
    session.flush()
    publish_promotions(session)
    audit.record(
        session,
        actor,
        entity="budget_pool",
        entity_id=pool.id,
        action="create",
        changes={"promotion": promo.code, "name": pool.name, "amount_cents": pool.amount_cents},
    )
    return _answer(session, promo)


def update_pool(session: Session, actor: Actor, pool_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change a pool; 409 ``below_spent`` for an amount under what the pool has paid out already."""
    authz.require(actor, authz.Action.PROMOTION_CREATE)
    pool = session.get(BudgetPool, pool_id)
    if pool is None:
        raise NotFound(f"No budget pool {pool_id}.")
    _period(data.get("starts_on", pool.starts_on), data.get("ends_on", pool.ends_on))
    if "region_id" in data:
        _region(session, data["region_id"])
    before = {k: getattr(pool, k) for k in data}
    amount = data.pop("amount_cents", None)
    if amount is not None and amount != pool.amount_cents:
        moved = session.execute(
            update(BudgetPool)
            .where(col(BudgetPool.id) == pool.id, col(BudgetPool.spent_cents) <= amount)
            .values(amount_cents=amount)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            session.refresh(pool)
            raise Conflict(
                f"This pool has paid out {pool.spent_cents / 100:.2f} yuan already; its amount cannot be less.",
                code="below_spent",
                extra={"field": "amount_cents", "spent_cents": pool.spent_cents},
            )
        session.refresh(pool)
    for key, value in data.items():
        setattr(pool, key, list(value) if isinstance(value, list) else value)
    session.add(pool)
    session.flush()
    publish_promotions(session)
    after = {**data, **({"amount_cents": amount} if amount is not None else {})}
    changes = audit.diff(before, after)
    if changes:
        audit.record(session, actor, entity="budget_pool", entity_id=pool.id, action="update", changes=changes)
    promo = _get_promotion(session, pool.promotion_id)
    return _answer(session, promo)
