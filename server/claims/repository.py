"""The claims domain's queries: a claim with its review row, finance's queue and its counts, the
budget pools a store's claims may draw on.

Who may read claims: ``readable`` from ``server.scope.audience`` — finance and admins every claim
(the claims domain opens the collection to finance, ``Domain.seen_by``), a rep their own, a
supervisor their team's. Finance's queue is for the roles that may read it
(``authz.Action.CLAIM_READ``); the rows come from ``readable`` all the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from server.accounts.models import User
from server.claims.models import BudgetPool, ClaimReview, Promotion
from server.claims.rules import CLAIM
from server.errors import NotFound
from server.replication.store import RECORDS, SqlSyncStore
from server.scope import rep_rows
from server.stores.models import Store
from sync import RecordState


def readable(user: User) -> ColumnElement[bool]:
    """The claims ``user`` may read (rows of ``claim_review``)."""
    return rep_rows(user, CLAIM.name, ClaimReview.rep_id)


def claim_status() -> Any:
    """A claim's status in SQL: it is stored once, in the claim's synced record."""
    return RECORDS.c.fields["status"].as_string()


def _its_record() -> Any:
    return and_(RECORDS.c.collection == CLAIM.name, RECORDS.c.id == ClaimReview.claim_id)


def load(session: Session, claim_id: str) -> tuple[RecordState, ClaimReview]:
    """The claim's record and its review row, or 404."""
    rec = SqlSyncStore(session).load(CLAIM.name, [claim_id]).get(claim_id)
    review = session.get(ClaimReview, claim_id)
    if rec is None or rec.deleted or review is None:
        raise NotFound(f"No claim {claim_id}.")
    return rec, review


def queue_rows(
    session: Session, user: User, *, status: str | None, limit: int, offset: int
) -> list[tuple[ClaimReview, Store, User | None]]:
    """Finance's queue, newest first: (review row, store, rep)."""
    query = select(ClaimReview, Store, User).join(Store, col(Store.id) == ClaimReview.store_id)
    query = query.join(User, col(User.id) == ClaimReview.rep_id, isouter=True).where(readable(user))
    if status:
        query = query.join(RECORDS, _its_record()).where(claim_status() == status)
    return list(
        session.exec(
            query.order_by(col(ClaimReview.submitted_at).desc(), col(ClaimReview.claim_id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
    )


def status_counts(session: Session, user: User) -> dict[str, int]:
    status_of = claim_status()
    counted = (
        select(status_of, func.count()).select_from(ClaimReview).join(RECORDS, _its_record()).where(readable(user))
    )
    return {str(k): int(n) for k, n in session.execute(counted.group_by(status_of)).all() if k is not None}


def pools_by_id(session: Session, ids: Iterable[str]) -> dict[str, BudgetPool]:
    return {p.id: p for p in session.exec(select(BudgetPool).where(col(BudgetPool.id).in_(set(ids))))}


def region_stores(session: Session, region_id: str | None) -> list[tuple[str, str]]:
    """(id, name) of the stores in a region: where a receipt's merchant is looked for."""
    return [
        (s_id, name) for s_id, name in session.exec(select(Store.id, Store.name).where(Store.region_id == region_id))
    ]


def pools_for(
    session: Session, store: Store, *, on: date | None = None, promotion_id: str | None = None
) -> list[BudgetPool]:
    """Pools of active promotions whose region, channels and named stores include the store (an
    empty list means all); with ``on``, only those whose period holds that day. Latest-ending first."""
    query = (
        select(BudgetPool)
        .join(Promotion, col(Promotion.id) == BudgetPool.promotion_id)
        .where(
            col(Promotion.active).is_(True),
            or_(col(BudgetPool.region_id).is_(None), col(BudgetPool.region_id) == store.region_id),
        )
        .order_by(col(BudgetPool.ends_on).desc())
    )
    if on is not None:
        query = query.where(col(BudgetPool.starts_on) <= on, col(BudgetPool.ends_on) >= on)
    if promotion_id:
        query = query.where(BudgetPool.promotion_id == promotion_id)
    return [
        p
        for p in session.exec(query).all()
        if (not p.channels or store.channel in p.channels) and (not p.store_ids or store.id in p.store_ids)
    ]
