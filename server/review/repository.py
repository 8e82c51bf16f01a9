"""The review domain's queries: the queue, its counts, one item, the previous check-in.

What a caller may read is ``team_scope`` / ``visible``, both from ``server.scope.audience``: a
supervisor their team's items, an admin every team's (or the one asked for); the queue itself is
for the roles that may read reviews (``authz.Action.REVIEW_READ``), anyone else is told 403 for the
queue and 404 for an item.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, exists, func, or_
from sqlmodel import Session, col, select

from server import authz
from server.accounts.models import User
from server.accounts.service import Actor
from server.errors import Forbidden, InvalidInput, NotFound
from server.review.models import FLAG_BITS, DayConfirmation, VisitReview
from server.scope import audience
from server.stores.models import Store

if TYPE_CHECKING:
    from server.review.service import QueueFilter


def team_scope(actor: Actor, team: str | None) -> str | None:
    """The team whose items the caller reviews (None: an admin looking at every team)."""
    authz.require(actor, authz.Action.REVIEW_READ)
    found = audience(actor.user)
    if found is None:
        return team
    if found.team_id is not None:
        return found.team_id
    raise Forbidden("The review queue is for supervisors.")


def visible(actor: Actor, review: VisitReview | None) -> VisitReview:
    """The item if the caller may read it, else 404 (never revealing another team's ids)."""
    if review is None or not authz.allowed(actor.user.role, authz.Action.REVIEW_READ):
        raise NotFound("No such visit to review.")
    found = audience(actor.user)
    if found is not None and review.team_id != found.team_id:
        raise NotFound("No such visit to review.")
    return review


def reviewable() -> Any:
    """A visit enters the queue once the rep checked out, or once the rep confirmed its day (a
    visit never checked out is then as finished as it will be); one still in progress does not."""
    confirmed = exists().where(
        col(DayConfirmation.rep_id) == col(VisitReview.rep_id), col(DayConfirmation.day) == col(VisitReview.day)
    )
    return or_(col(VisitReview.checked_out_at).is_not(None), confirmed)


def is_reviewable(session: Session, review: VisitReview) -> bool:
    if review.checked_out_at is not None:
        return True
    found = session.exec(
        select(DayConfirmation.id).where(DayConfirmation.rep_id == review.rep_id, DayConfirmation.day == review.day)
    ).first()
    return found is not None


def queue_where(actor: Actor, f: QueueFilter, *, with_flag: bool = True) -> list[Any]:
    """The queue's filter, within what the caller may read (only visits ready for review)."""
    team = team_scope(actor, f.team)
    where: list[Any] = [reviewable()]
    if team is not None:
        where.append(col(VisitReview.team_id) == team)
    if f.status != "all":
        where.append(col(VisitReview.status) == f.status)
    if f.rep:
        where.append(col(VisitReview.rep_id) == f.rep)
    if f.day:
        where.append(col(VisitReview.day) == f.day)
    if f.store:
        text = f.store.strip()
        stores = select(Store.id).where(
            or_(col(Store.id) == text, col(Store.code) == text, col(Store.name).contains(text, autoescape=True))
        )
        where.append(col(VisitReview.store_id).in_(stores))
    if with_flag and f.flag:
        bits = sum(FLAG_BITS.values()) if f.flag == "any" else FLAG_BITS[f.flag]
        where.append(col(VisitReview.flag_bits).op("&")(bits) != 0)
    return where


def page_after(value: str | None) -> Any:
    """Keyset paging: the last item's (day, arrival, id), so page 500 costs what page 1 does."""
    if not value:
        return None
    try:
        day, arrived, visit_id = value.split("|")
        d, a = date.fromisoformat(day), datetime.fromisoformat(arrived)
    except ValueError:
        raise InvalidInput("The page cursor is not one this server gave.") from None
    a = a if a.tzinfo else a.replace(tzinfo=UTC)
    return or_(
        col(VisitReview.day) < d,
        and_(
            col(VisitReview.day) == d,
            or_(
                col(VisitReview.arrived_at) < a,
                and_(col(VisitReview.arrived_at) == a, col(VisitReview.visit_id) < visit_id),
            ),
        ),
    )


def queue_page(session: Session, where: list[Any], after: Any, limit: int) -> list[Any]:
    """(item, store, rep's name) rows, newest first."""
    return list(
        session.exec(
            select(VisitReview, Store, User.display_name)
            .join(Store, col(Store.id) == VisitReview.store_id)
            .join(User, col(User.id) == VisitReview.rep_id, isouter=True)
            .where(*where, *([after] if after is not None else []))
            .order_by(col(VisitReview.day).desc(), col(VisitReview.arrived_at).desc(), col(VisitReview.visit_id).desc())
            .limit(limit)
        ).all()
    )


def flag_counts(session: Session, where: list[Any]) -> dict[str, int]:
    """How many each flag filter would show, under the other filters (one pass over the rows)."""
    bits = col(VisitReview.flag_bits)
    sums = [func.sum(case((bits.op("&")(b) != 0, 1), else_=0)) for b in FLAG_BITS.values()]
    counted = session.exec(select(func.count(), func.sum(case((bits != 0, 1), else_=0)), *sums).where(*where)).one()
    counts = {"all": counted[0] or 0, "any": counted[1] or 0}
    counts.update({name: counted[i + 2] or 0 for i, name in enumerate(FLAG_BITS)})
    return counts


def matching_ids(session: Session, where: list[Any], limit: int) -> list[str]:
    return list(session.exec(select(VisitReview.visit_id).where(*where).limit(limit)))


def by_ids(session: Session, ids: list[str]) -> dict[str, VisitReview]:
    return {r.visit_id: r for r in session.exec(select(VisitReview).where(col(VisitReview.visit_id).in_(ids)))}


def previous_checkin(session: Session, review: VisitReview) -> tuple[VisitReview, str | None] | None:
    """The same store's check-in photo before this one, and who took it."""
    row = session.exec(
        select(VisitReview, User.display_name)
        .join(User, col(User.id) == VisitReview.rep_id, isouter=True)
        .where(
            VisitReview.store_id == review.store_id,
            col(VisitReview.arrived_at) < review.arrived_at,
            col(VisitReview.photo).is_not(None),
        )
        .order_by(col(VisitReview.arrived_at).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
