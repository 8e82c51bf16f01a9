"""Alerts: what slipped, for whoever can act on it, each with the figures behind it. Evaluated when
asked (every rule is a query over current rows, a team's in well under a second), so an alert
disappears the moment its cause does.

Rules (thresholds in settings):
- ``store_overdue`` (supervisor): a store of the team planned on ``alert_overdue_cycles`` visit
  days or more since its last visit, none of them visited (counted up to yesterday, over at most
  92 days). To do: put it on a rep's route or ask why.
- ``day_unconfirmed`` (supervisor): a rep of the team with visits yesterday and no confirmation,
  or with visits today and none after ``alert_confirm_by`` (local time). To do: remind the rep.
- ``claim_waiting`` (finance; a supervisor for the team's claims): a claim read and waiting for a
  decision longer than ``alert_claim_hours``. To do: decide it.
- ``pool_nearly_spent`` (finance): a budget pool open today with less than ``alert_pool_left`` of
  its amount left. To do: top it up or close the promotion.
- ``sell_through_low`` (supervisor, over the team's stores; admin, over all): a new product whose
  first window closed in the last ``sell_through_days`` days with its sell-through on that day
  (``stock.figures``) below its target (the SKU's, else ``sell_through_target``). To do: visit the
  stores where it was placed and did not sell (the launch card lists them per rep).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.accounts.models import Role, User
from server.accounts.service import Actor
from server.authz import Action, require
from server.claims.models import BudgetPool, ClaimReview
from server.db import utcnow
from server.insights import stock
from server.insights.measures import as_utc
from server.review.dashboard import planned_on, reps_of
from server.review.models import DayConfirmation, VisitReview
from server.scope import audience
from server.settings import Settings
from server.stores.models import Store

LOOKBACK_DAYS = 92
ORDER = ("claim_waiting", "day_unconfirmed", "sell_through_low", "store_overdue", "pool_nearly_spent")


def missed_since(
    visit_days: str, cycle_weeks: int, anchor: str, last: date | None, yesterday: date, enough: int
) -> int:
    """Planned visit days after ``last`` up to ``yesterday`` (at most ``enough`` counted, over at
    most LOOKBACK_DAYS): the visits this store has missed in a row."""
    missed, day = 0, yesterday
    floor = max(last or date.min, yesterday - timedelta(days=LOOKBACK_DAYS))
    while day > floor and missed < enough:
        if planned_on(visit_days, cycle_weeks, anchor, day):
            missed += 1
        day -= timedelta(days=1)
    return missed


def definition(settings: Settings) -> dict[str, Any]:
    return {
        "overdue_cycles": settings.alert_overdue_cycles,
        "confirm_by": settings.alert_confirm_by,
        "claim_hours": settings.alert_claim_hours,
        "pool_left": settings.alert_pool_left,
        "sell_through_target": settings.sell_through_target,
        "sell_through_days": settings.sell_through_days,
    }


def alerts(session: Session, settings: Settings, actor: Actor) -> dict[str, Any]:
    require(actor, Action.ALERT_READ)
    zone = ZoneInfo(settings.timezone)
    now = utcnow()
    local = now.astimezone(zone)
    today = local.date()
    seen = audience(actor.user)
    team = seen.team_id if seen is not None else None
    role = Role(actor.user.role)
    found: list[dict[str, Any]] = []
    if role in (Role.supervisor, Role.admin):
        reps = reps_of(session, team)
        found += overdue(session, settings, reps, today)
        found += _unconfirmed(session, settings, reps, local)
        found += _sell_through(session, settings, reps if team is not None else None, today)
    if role in (Role.finance, Role.admin, Role.supervisor):
        found += _waiting(
            session, settings, now, [r.id for r in reps_of(session, team)] if role is Role.supervisor else None
        )
    if role in (Role.finance, Role.admin):
        found += _pools(session, settings, today)
    found.sort(key=lambda a: (ORDER.index(a["kind"]), -a.get("rank", 0)))
    for alert in found:
        alert.pop("rank", None)
    return {"alerts": found, "definition": definition(settings), "at": now.isoformat()}


def _rep(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.display_name}


def overdue(session: Session, settings: Settings, reps: list[User], today: date) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in reps}
    stores = list(session.exec(select(Store).where(col(Store.rep_id).in_(list(by_id)))))
    last = dict(
        session.exec(  # type: ignore[call-overload]
            select(col(VisitReview.store_id), func.max(col(VisitReview.day)))
            .where(col(VisitReview.store_id).in_([s.id for s in stores]))
            .group_by(col(VisitReview.store_id))
        ).all()
    )
    enough = settings.alert_overdue_cycles
    out = []
    for store in stores:
        if not store.visit_days:
            continue  # no visit cycle: nothing is ever due
        seen_last = last.get(store.id)
        missed = missed_since(store.visit_days, store.cycle_weeks or 1, store.cycle_anchor or "2026-01-05",
                              seen_last, today - timedelta(days=1), enough)  # fmt: skip
        if missed >= enough:
            rep = by_id.get(store.rep_id or "")
            out.append(
                {
                    "kind": "store_overdue",
                    "store": {"id": store.id, "code": store.code, "name": store.name},
                    "rep": _rep(rep) if rep else None,
                    "missed": missed,
                    "last_visit": seen_last.isoformat() if seen_last else None,
                    "rank": (today - seen_last).days if seen_last else LOOKBACK_DAYS + 1,
                }
            )
    return out


def _unconfirmed(session: Session, settings: Settings, reps: list[User], local: datetime) -> list[dict[str, Any]]:
    today = local.date()
    days = [today - timedelta(days=1)]
    hour, minute = (int(x) for x in settings.alert_confirm_by.split(":"))
    if local.timetz().replace(tzinfo=None) >= time(hour, minute):
        days.append(today)
    ids = [r.id for r in reps]
    visits: dict[tuple[str | None, date], int] = defaultdict(int)
    for rep_id, day, n in session.exec(  # type: ignore[call-overload]
        select(col(VisitReview.rep_id), col(VisitReview.day), func.count())
        .where(col(VisitReview.rep_id).in_(ids), col(VisitReview.day).in_(days))
        .group_by(col(VisitReview.rep_id), col(VisitReview.day))
    ):
        visits[(rep_id, day)] = n
    confirmed = set(
        session.exec(  # type: ignore[call-overload]
            select(col(DayConfirmation.rep_id), col(DayConfirmation.day)).where(
                col(DayConfirmation.rep_id).in_(ids), col(DayConfirmation.day).in_(days)
            )
        ).all()
    )
    out = []
    for rep in reps:
        for day in days:
            if visits.get((rep.id, day)) and (rep.id, day) not in confirmed:
                n = visits[(rep.id, day)]
                out.append(
                    {
                        "kind": "day_unconfirmed",
                        "rep": _rep(rep),
                        "day": day.isoformat(),
                        "visits": n,
                        "rank": (today - day).days,
                    }
                )
    return out


def _waiting(session: Session, settings: Settings, now: datetime, rep_ids: list[str] | None) -> list[dict[str, Any]]:
    since = now - timedelta(hours=settings.alert_claim_hours)
    query = (
        select(ClaimReview, Store.name, User)
        .join(Store, col(Store.id) == col(ClaimReview.store_id))
        .join(User, col(User.id) == col(ClaimReview.rep_id), isouter=True)
        .where(
            col(ClaimReview.decided_at).is_(None),
            col(ClaimReview.read_at).is_not(None),
            col(ClaimReview.read_at) < since,
        )
    )
    if rep_ids is not None:
        query = query.where(col(ClaimReview.rep_id).in_(rep_ids))
    out = []
    for claim, store_name, rep in session.exec(query):
        hours = (now - as_utc(claim.read_at)).total_seconds() / 3600  # type: ignore[arg-type]
        out.append(
            {
                "kind": "claim_waiting",
                "claim": claim.claim_id,
                "store": {"id": claim.store_id, "name": store_name},
                "rep": _rep(rep) if rep else None,
                "hours": round(hours, 1),
                "rank": hours,
            }
        )
    return out


def _sell_through(session: Session, settings: Settings, reps: list[User] | None, today: date) -> list[dict[str, Any]]:
    window = settings.sell_through_days
    stores = list(
        session.exec(
            select(Store.id).where(col(Store.rep_id).in_([r.id for r in reps]))
            if reps is not None
            else select(Store.id)
        )
    )
    out = []
    for sku in stock.launches(session):
        assert sku.launch_date is not None
        closed = sku.launch_date + timedelta(days=window)
        if not closed <= today < closed + timedelta(days=window):
            continue
        target = sku.launch_target if sku.launch_target is not None else settings.sell_through_target
        events = stock.load_events(session, sku.id, stores if reps is not None else None)
        figures = stock.figures(events, stores, sku.launch_date, closed, window)
        if figures["sell_through"] is not None and figures["sell_through"] < target:
            out.append(
                {
                    "kind": "sell_through_low",
                    "sku": stock.launch_view(sku, settings),
                    "sell_through": figures["sell_through"],
                    "target": target,
                    "placed": figures["placed"],
                    "sold": figures["sold"],
                    "day": closed.isoformat(),
                    "rank": target - figures["sell_through"],
                }
            )
    return out


def _pools(session: Session, settings: Settings, today: date) -> list[dict[str, Any]]:
    out = []
    for pool in session.exec(
        select(BudgetPool).where(col(BudgetPool.starts_on) <= today, col(BudgetPool.ends_on) >= today)
    ):
        if pool.amount_cents <= 0:
            continue
        left = (pool.amount_cents - pool.spent_cents) / pool.amount_cents
        if left < settings.alert_pool_left:
            out.append(
                {
                    "kind": "pool_nearly_spent",
                    "pool": {"id": pool.id, "name": pool.name, "name_en": pool.name_en},
                    "left_cents": pool.amount_cents - pool.spent_cents,
                    "amount_cents": pool.amount_cents,
                    "left_share": round(left, 4),
                    "rank": -left,
                }
            )
    return out
