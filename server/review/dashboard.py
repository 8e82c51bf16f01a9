"""The supervisor's to-do and dashboard: the team's end-of-day confirmations, the on-time rate of
key actions (rep × day), route coverage (planned stores visited), and CSV exports.

On time, by the definition in settings (shown on the dashboard with the figures):
- a visit step is on time when it was done during the visit (an exception is not);
- a visit note when written within ``ontime_note_hours`` of arriving at the store;
- a claim when filed within ``ontime_claim_hours`` of the visit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server.accounts.models import Role, User
from server.accounts.service import Actor
from server.csvout import csv_bytes
from server.db import utcnow
from server.errors import InvalidInput
from server.review.models import DayConfirmation, KeyAction, VisitReview
from server.review.repository import reviewable, team_scope
from server.review.rules import clean_summary
from server.settings import Settings
from server.stores.models import Store

MAX_DAYS = 92


def today(settings: Settings) -> date:
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()


def date_range(settings: Settings, start: date | None, end: date | None, default_days: int = 14) -> list[date]:
    end = end or today(settings)
    start = start or end - timedelta(days=default_days - 1)
    if start > end:
        raise InvalidInput("The range starts after it ends.")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"A range covers at most {MAX_DAYS} days.")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def planned_on(visit_days: str, cycle_weeks: int, anchor: str, day: date) -> bool:
    """The same rule as the phone's ``route.js``: the weekday is a visit day and the week is in the cycle."""
    days = {int(d) for d in visit_days.split(",") if d.strip().isdigit()}
    if day.isoweekday() not in days:
        return False
    if cycle_weeks <= 1:
        return True
    try:
        elapsed = (day - date.fromisoformat(anchor)).days // 7
    except ValueError:
        return True
    return elapsed % cycle_weeks == 0


def reps_of(session: Session, team: str | None) -> list[User]:
    query = select(User).where(User.role == Role.rep.value, col(User.active).is_(True))
    if team is not None:
        query = query.where(User.team_id == team)
    return list(session.exec(query.order_by(User.username)))


def definition(settings: Settings) -> dict[str, Any]:
    return {
        "step": "done during the visit (an exception is not)",
        "note_hours": settings.ontime_note_hours,
        "claim_hours": settings.ontime_claim_hours,
        "healthy": settings.ontime_healthy,
    }


def _on_time(settings: Settings) -> Any:
    lag = col(KeyAction.lag_minutes)
    return case(
        (and_(col(KeyAction.kind) == "step", col(KeyAction.done).is_(True)), 1),
        (and_(col(KeyAction.kind) == "note", lag <= settings.ontime_note_hours * 60), 1),
        (and_(col(KeyAction.kind) == "claim", lag <= settings.ontime_claim_hours * 60), 1),
        else_=0,
    )


def dashboard(
    session: Session, settings: Settings, actor: Actor, *, start: date | None, end: date | None, team: str | None
) -> dict[str, Any]:
    team = team_scope(actor, team)
    days = date_range(settings, start, end)
    reps = reps_of(session, team)
    rep_ids = [r.id for r in reps]
    first, last = days[0], days[-1]

    actions = sa_select(
        col(KeyAction.rep_id), col(KeyAction.day), col(KeyAction.kind), func.count(), func.sum(_on_time(settings))
    ).where(col(KeyAction.day) >= first, col(KeyAction.day) <= last, col(KeyAction.rep_id).in_(rep_ids))
    cells: dict[tuple[str | None, date], list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rep_id, day, kind, total, on_time in session.execute(
        actions.group_by(col(KeyAction.rep_id), col(KeyAction.day), col(KeyAction.kind))
    ):
        cells[(rep_id, day)][0] += total
        cells[(rep_id, day)][1] += on_time or 0
        kinds[kind][0] += total
        kinds[kind][1] += on_time or 0

    # Coverage: the stores each rep had planned each day, and which of them were visited.
    planned: dict[tuple[str | None, date], set[str]] = defaultdict(set)
    stores = session.execute(
        sa_select(
            col(Store.id), col(Store.rep_id), col(Store.visit_days), col(Store.cycle_weeks), col(Store.cycle_anchor)
        ).where(col(Store.rep_id).in_(rep_ids))
    ).all()
    horizon = today(settings)
    for store_id, rep_id, visit_days, weeks, anchor in stores:
        for day in days:
            if day <= horizon and planned_on(visit_days or "", weeks or 1, anchor or "2026-01-05", day):
                planned[(rep_id, day)].add(store_id)
    visited: dict[tuple[str | None, date], set[str]] = defaultdict(set)
    for rep_id, day, store_id in session.exec(
        select(col(VisitReview.rep_id), col(VisitReview.day), col(VisitReview.store_id)).where(
            col(VisitReview.day) >= first, col(VisitReview.day) <= last, col(VisitReview.rep_id).in_(rep_ids)
        )
    ):
        visited[(rep_id, day)].add(store_id)
    confirmed = {
        (rep_id, day)
        for rep_id, day in session.exec(
            select(col(DayConfirmation.rep_id), col(DayConfirmation.day)).where(
                col(DayConfirmation.day) >= first,
                col(DayConfirmation.day) <= last,
                col(DayConfirmation.rep_id).in_(rep_ids),
            )
        )
    }

    heat = []
    for rep in reps:
        for day in days:
            total, on_time = cells.get((rep.id, day), (0, 0))
            plan = planned.get((rep.id, day), set())
            seen = visited.get((rep.id, day), set())
            if total or plan or seen:
                heat.append(
                    {
                        "rep": rep.id,
                        "day": day.isoformat(),
                        "actions": total,
                        "on_time": on_time,
                        "planned": len(plan),
                        "covered": len(plan & seen),
                        "visits": len(seen),
                        "confirmed": (rep.id, day) in confirmed,
                    }
                )
    coverage = []
    for day in days:
        n_planned = sum(len(planned.get((r, day), ())) for r in rep_ids)
        covered = sum(len(planned.get((r, day), set()) & visited.get((r, day), set())) for r in rep_ids)
        unplanned = sum(len(visited.get((r, day), set()) - planned.get((r, day), set())) for r in rep_ids)
        coverage.append({"day": day.isoformat(), "planned": n_planned, "covered": covered, "unplanned": unplanned})
    total = sum(v[0] for v in kinds.values())
    on_time = sum(v[1] for v in kinds.values())
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": [d.isoformat() for d in days],
        "reps": [{"id": r.id, "username": r.username, "name": r.display_name} for r in reps],
        "heat": heat,
        "ontime": {
            "actions": total,
            "on_time": on_time,
            "rate": round(on_time / total, 4) if total else None,
            "by_kind": {k: {"actions": v[0], "on_time": v[1]} for k, v in sorted(kinds.items())},
        },
        "definition": definition(settings),
        "coverage": coverage,
        "confirmations": {d.isoformat(): sum(1 for r in rep_ids if (r, d) in confirmed) for d in days},
    }


def confirmations(
    session: Session, settings: Settings, actor: Actor, *, day: date | None, team: str | None
) -> dict[str, Any]:
    """The to-do: each rep of the team for one day, with their confirmation or without one."""
    team = team_scope(actor, team)
    day = day or today(settings)
    reps = reps_of(session, team)
    rep_ids = [r.id for r in reps]
    found = {
        c.rep_id: c
        for c in session.exec(
            select(DayConfirmation).where(DayConfirmation.day == day, col(DayConfirmation.rep_id).in_(rep_ids))
        )
    }
    counts = {
        rep_id: (visits, pending or 0)
        for rep_id, visits, pending in session.execute(
            sa_select(
                col(VisitReview.rep_id),
                func.count(),
                func.sum(case((and_(col(VisitReview.status) == "pending", reviewable()), 1), else_=0)),
            )
            .where(col(VisitReview.day) == day, col(VisitReview.rep_id).in_(rep_ids))
            .group_by(VisitReview.rep_id)
        )
    }
    rows: list[dict[str, Any]] = []
    for rep in reps:
        c = found.get(rep.id)
        visits, pending = counts.get(rep.id, (0, 0))
        rows.append(
            {
                "rep": {"id": rep.id, "username": rep.username, "name": rep.display_name},
                "confirmed": c is not None,
                "confirmed_at": c.confirmed_at if c else None,
                "received_at": c.received_at.isoformat() if c else None,
                "summary": clean_summary(c.summary) if c else None,
                "visits_on_server": visits,
                "pending_review": pending,
            }
        )
    rows.sort(key=lambda r: (r["confirmed"], r["rep"]["username"]))
    return {"day": day.isoformat(), "reps": rows, "confirmed": len(found), "total": len(reps)}


# -- CSV ---------------------------------------------------------------------------------------------


EXPORTS = ("visits", "reviews", "confirmations")


def export(
    session: Session,
    settings: Settings,
    actor: Actor,
    kind: str,
    *,
    start: date | None,
    end: date | None,
    team: str | None,
) -> bytes:
    if kind not in EXPORTS:
        raise InvalidInput(f"Export one of: {', '.join(EXPORTS)}.")
    team = team_scope(actor, team)
    days = date_range(settings, start, end, default_days=31)
    reps = {r.id: r for r in reps_of(session, team)}
    if kind == "confirmations":
        found = session.exec(
            select(DayConfirmation)
            .where(
                col(DayConfirmation.day) >= days[0],
                col(DayConfirmation.day) <= days[-1],
                col(DayConfirmation.rep_id).in_(list(reps)),
            )
            .order_by(col(DayConfirmation.day), col(DayConfirmation.rep_id))
        )
        keys = ["planned", "visited", "missed", "steps_done", "exceptions", "photos", "claims", "unsynced"]
        out = []
        for c in found:
            summary = clean_summary(c.summary)
            out.append(
                [
                    c.day,
                    reps[c.rep_id].username,
                    reps[c.rep_id].display_name,
                    c.confirmed_at,
                    c.received_at.isoformat(),
                    *[summary[k] for k in keys],
                    len(summary["changed_after"]),
                ]
            )
        return csv_bytes(["day", "rep", "rep_name", "confirmed_at", "received_at", *keys, "changed_after"], out)
    where = [col(VisitReview.day) >= days[0], col(VisitReview.day) <= days[-1]]
    if team is not None:
        where.append(col(VisitReview.team_id) == team)
    rows = session.exec(
        select(VisitReview, Store.code, Store.name)
        .join(Store, col(Store.id) == VisitReview.store_id)
        .where(*where)
        .order_by(col(VisitReview.day), col(VisitReview.arrived_at))
    ).all()
    names = {u.id: u for u in session.exec(select(User))} if kind == "reviews" else {}

    def who(user_id: str | None) -> str:
        user = reps.get(user_id or "") or names.get(user_id or "")
        return user.username if user else ""

    if kind == "visits":
        return csv_bytes(
            [
                "day",
                "rep",
                "store_code",
                "store_name",
                "arrived_at",
                "planned",
                "steps_done",
                "steps_excepted",
                "flags",
                "photo",
                "review",
            ],
            [_visit_row(r, who(r.rep_id), code, name) for r, code, name in rows],
        )
    return csv_bytes(
        ["day", "rep", "store_code", "store_name", "flags", "status", "reason", "comment", "decided_by", "decided_at"],
        [_review_row(r, who(r.rep_id), code, name, who(r.decided_by)) for r, code, name in rows],
    )


def _visit_row(r: VisitReview, rep: str, code: str, name: str) -> list[Any]:
    when = r.arrived_at.isoformat()
    return [
        r.day,
        rep,
        code,
        name,
        when,
        int(r.planned),
        r.steps_done,
        r.steps_excepted,
        " ".join(r.flags),
        r.photo,
        r.status,
    ]


def _review_row(r: VisitReview, rep: str, code: str, name: str, by: str) -> list[Any]:
    at = r.decided_at.isoformat() if r.decided_at else ""
    return [r.day, rep, code, name, " ".join(r.flags), r.status, r.reason, r.comment, by, at]
