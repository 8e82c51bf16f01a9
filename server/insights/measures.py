"""The outcome measures, each a pure reading of tables other domains keep, with its definition
returned beside the figures (the dashboards print it).

**Effective visit** (``effective_visits``): a visit that
1. was checked out — check-out already requires every required step done or excepted with a
   reason (``visits.rules.check_visit``), so a checked-out visit has its checklist complete;
2. was inside the store's geofence when the rep arrived, or, when it was not (or had no location),
   was approved by the supervisor;
3. lasted at least ``effective_min_minutes`` from arrival to check-out (the phone's two clock
   readings: a phone's clock may be off, but rarely by a different amount twenty minutes apart).
A visit failing several is counted under the first it fails, in that order (``open``,
``location``, ``short``). Per rep: effective visits per day worked (a day with at least one visit);
the team's figure is the mean over all its rep-days.

**Claim cycle time** (``claim_cycle``): per claim, from *submitted* (the server received the claim:
a phone's own clock is never trusted where money is concerned) to *read* (the OCR job wrote its
reading) to *decided* (finance approved, corrected or rejected). Grouped by the ISO week of
submission (local time) and the store's region; median and 90th percentile (nearest rank: the
smallest value with at least 90 % of the claims at or below it) in hours, over decided claims;
claims still open are counted with their age so far.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server.accounts.models import Region
from server.accounts.service import Actor
from server.authz import Action, require
from server.claims.models import ClaimReview
from server.csvout import csv_bytes
from server.db import utcnow
from server.review.dashboard import date_range, reps_of
from server.review.models import FLAG_BITS, VisitReview
from server.review.repository import team_scope
from server.settings import Settings
from server.stores.models import Store

# outside_geofence, and location_missing (which store_unmapped falls under): one integer test
LOCATION_BITS = FLAG_BITS["outside_geofence"] | FLAG_BITS["location_missing"]
# The case this product is built around (DESIGN.md): claims settled in 47 days by hand, 6.5 days
# with the system, finance's own review 4.2 hours; +2.3 effective visits per rep per day.
REFERENCE = {"claim_days_before": 47.0, "claim_days_after": 6.5, "finance_review_hours": 4.2, "effective_gain": 2.3}


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90 % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 2)


# -- effective visits ---------------------------------------------------------------------------


def _seconds_on_site(session: Session) -> Any:
    """Whole seconds from arrival to check-out, in SQL (julianday on SQLite, epoch on PostgreSQL)."""
    left, arrived = col(VisitReview.checked_out_at), col(VisitReview.arrived_at)
    if session.get_bind().dialect.name == "sqlite":
        return func.round((func.julianday(left) - func.julianday(arrived)) * 86400)
    return func.extract("epoch", left - arrived)


def why_not_effective(session: Session, min_minutes: int) -> Any:
    """In SQL, per visit: NULL for an effective visit, else the first rule it fails (``open``,
    ``location``, ``short``), so a season's visits are counted by the database, not in Python."""
    return case(
        (col(VisitReview.checked_out_at).is_(None), "open"),
        (
            and_(col(VisitReview.flag_bits).op("&")(LOCATION_BITS) != 0, col(VisitReview.status) != "approved"),
            "location",
        ),
        (_seconds_on_site(session) < min_minutes * 60, "short"),
        else_="effective",
    )


def effective_definition(settings: Settings) -> dict[str, Any]:
    return {
        "checked_out": "every required step done or excepted with a reason",
        "location": "inside the geofence, or approved by the supervisor",
        "min_minutes": settings.effective_min_minutes,
        "per_day": "effective visits per day with at least one visit",
        "reference_gain": REFERENCE["effective_gain"],
    }


def effective_visits(
    session: Session, settings: Settings, actor: Actor, *, start: date | None, end: date | None, team: str | None
) -> dict[str, Any]:
    """Per rep and day: visits and effective visits (with why the others were not); per rep:
    effective visits per day worked, against the team's."""
    team = team_scope(actor, team)
    days = date_range(settings, start, end)
    reps = reps_of(session, team)
    rep_ids = [r.id for r in reps]
    reason = why_not_effective(session, settings.effective_min_minutes).label("reason")
    rows = session.execute(
        sa_select(col(VisitReview.rep_id), col(VisitReview.day), reason, func.count())
        .where(col(VisitReview.day) >= days[0], col(VisitReview.day) <= days[-1], col(VisitReview.rep_id).in_(rep_ids))
        .group_by(col(VisitReview.rep_id), col(VisitReview.day), reason)
    )
    cells: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rep_id, day, why, n in rows:  # counted per rep, day and reason by the database
        cell = cells[(rep_id or "", day)]
        cell["visits"] += n
        cell[why] += n
    per_day = []
    for (rep_id, day), cell in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        per_day.append({"rep": rep_id, "day": day.isoformat(), **_counts(cell)})
    by_rep = []
    for rep in reps:
        mine = [c for (r, _), c in cells.items() if r == rep.id]
        effective = sum(c["effective"] for c in mine)
        by_rep.append(
            {
                "rep": {"id": rep.id, "username": rep.username, "name": rep.display_name},
                "days": len(mine),
                "visits": sum(c["visits"] for c in mine),
                "effective": effective,
                "per_day": round(effective / len(mine), 2) if mine else None,
            }
        )
    worked = [c for c in cells.values()]
    return {
        "from": days[0].isoformat(),
        "to": days[-1].isoformat(),
        "definition": effective_definition(settings),
        "team": {
            "days": len(worked),
            "visits": sum(c["visits"] for c in worked),
            "effective": sum(c["effective"] for c in worked),
            "per_day": round(sum(c["effective"] for c in worked) / len(worked), 2) if worked else None,
        },
        "reps": by_rep,
        "per_day": per_day,
    }


def _counts(cell: dict[str, int]) -> dict[str, int]:
    return {k: cell.get(k, 0) for k in ("visits", "effective", "open", "location", "short")}


# -- claim cycle time ---------------------------------------------------------------------------


def _hours(a: datetime, b: datetime) -> float:
    return (as_utc(b) - as_utc(a)).total_seconds() / 3600


def cycle_definition() -> dict[str, Any]:
    return {
        "submitted": "the server received the claim",
        "read": "the OCR job wrote its reading",
        "decided": "finance approved, corrected or rejected it",
        "p90": "nearest rank",
        "reference": {k: REFERENCE[k] for k in ("claim_days_before", "claim_days_after", "finance_review_hours")},
    }


def _week(settings: Settings, moment: datetime) -> str:
    local = as_utc(moment).astimezone(ZoneInfo(settings.timezone)).date()
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def _claims(
    session: Session, settings: Settings, actor: Actor, start: date | None, end: date | None, region: str | None
) -> tuple[list[date], list[tuple[ClaimReview, str | None]]]:
    require(actor, Action.CLAIM_READ)
    days = date_range(settings, start, end, default_days=84)
    zone = ZoneInfo(settings.timezone)
    lo = datetime(days[0].year, days[0].month, days[0].day, tzinfo=zone).astimezone(UTC)
    hi = datetime(days[-1].year, days[-1].month, days[-1].day, tzinfo=zone).astimezone(UTC) + timedelta(days=1)
    query = (
        select(ClaimReview, Store.region_id)
        .join(Store, col(Store.id) == col(ClaimReview.store_id))
        .where(col(ClaimReview.submitted_at) >= lo, col(ClaimReview.submitted_at) < hi)
    )
    if region is not None:
        query = query.where(Store.region_id == region)
    return days, [(c, r) for c, r in session.exec(query)]


def claim_cycle(
    session: Session, settings: Settings, actor: Actor, *, start: date | None, end: date | None, region: str | None
) -> dict[str, Any]:
    """Per ISO week and region: claims submitted, decided and open; median and p90 hours from
    submitted to read, read to decided (finance's review) and submitted to decided."""
    days, found = _claims(session, settings, actor, start, end, region)
    names = {r.id: {"id": r.id, "name": r.name, "name_en": r.name_en} for r in session.exec(select(Region))}
    now = utcnow()
    groups: dict[tuple[str, str | None], list[ClaimReview]] = defaultdict(list)
    for claim, region_id in found:
        groups[(_week(settings, claim.submitted_at), region_id)].append(claim)
        groups[(_week(settings, claim.submitted_at), "*")].append(claim)
    weeks = []
    for (week, region_id), claims in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] != "*", kv[0][1] or "")):
        weeks.append(
            {"week": week, "region": None if region_id == "*" else names.get(region_id or ""), **_cycle(claims, now)}
        )
    every = [c for c, _ in found]
    return {
        "from": days[0].isoformat(),
        "to": days[-1].isoformat(),
        "definition": cycle_definition(),
        "overall": _cycle(every, now),
        "weeks": [w for w in weeks if w["region"] is None],
        "by_region": [w for w in weeks if w["region"] is not None],
    }


def _cycle(claims: list[ClaimReview], now: datetime) -> dict[str, Any]:
    decided = [c for c in claims if c.decided_at is not None]
    to_read = [_hours(c.submitted_at, c.read_at) for c in claims if c.read_at is not None]
    review = [_hours(c.read_at, c.decided_at) for c in decided if c.read_at is not None and c.decided_at is not None]
    total = [_hours(c.submitted_at, c.decided_at) for c in decided if c.decided_at is not None]
    waiting = [_hours(c.submitted_at, now) for c in claims if c.decided_at is None]
    return {
        "submitted": len(claims),
        "decided": len(decided),
        "open": len(waiting),
        "read_hours": {"median": median(to_read), "p90": p90(to_read)},
        "review_hours": {"median": median(review), "p90": p90(review)},
        "total_hours": {"median": median(total), "p90": p90(total)},
        "oldest_open_hours": round(max(waiting), 2) if waiting else None,
    }


# -- CSV ---------------------------------------------------------------------------------------


def export_effective(
    session: Session, settings: Settings, actor: Actor, *, start: date | None, end: date | None, team: str | None
) -> bytes:
    found = effective_visits(session, settings, actor, start=start, end=end, team=team)
    names = {r["rep"]["id"]: r["rep"] for r in found["reps"]}
    keys = ["visits", "effective", "open", "location", "short"]
    rows = [
        [d["day"], names[d["rep"]]["username"], names[d["rep"]]["name"], *[d[k] for k in keys]]
        for d in found["per_day"]
    ]
    return csv_bytes(["day", "rep", "rep_name", *keys], rows)


def export_cycle(
    session: Session, settings: Settings, actor: Actor, *, start: date | None, end: date | None, region: str | None
) -> bytes:
    found = claim_cycle(session, settings, actor, start=start, end=end, region=region)
    rows = []
    for w in found["weeks"] + found["by_region"]:
        rows.append(
            [
                w["week"],
                w["region"]["name_en"] if w["region"] else "all",
                w["submitted"],
                w["decided"],
                w["open"],
                *[w[k][m] for k in ("read_hours", "review_hours", "total_hours") for m in ("median", "p90")],
            ]
        )
    measures = [f"{k}_{m}" for k in ("read_hours", "review_hours", "total_hours") for m in ("median", "p90")]
    return csv_bytes(["week", "region", "submitted", "decided", "open", *measures], rows)
