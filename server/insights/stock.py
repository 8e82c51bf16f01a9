"""Stock, distribution and sell-through of new products, read from the display step's stock counts
and the deliveries.

**Stock count**: the display step's ``stock`` field (a template field type): units of each own
SKU on the shelf and in the back room at the visit, *after* any delivery of that day. Projected
into ``shelf_count`` as the step syncs (``follow_step``), one row per visit and SKU.

**Distribution (铺货率)** of a SKU on a day: the share of the scope's stores (a rep's, a team's, a
region's, or all) whose latest count of that SKU on or before the day was above zero. A store
never counted counts as not distributed (it is in ``stores`` but not in ``counted``).

**Placement**: a store's first day on or after the launch with a count above zero or a delivery
of the SKU.

**Sold units** between two consecutive counts: the earlier count, plus what was delivered after
it up to and including the later count's day, minus the later count; never below zero (units
that vanish without a sale — breakage, a count error — cannot be told apart, so a negative
difference counts as none). The first count is preceded by a count of zero the day before
placement: what was delivered at placement and is no longer there was sold.

**Sell-through (动销率)** of a new SKU on a day: of the stores where it was placed by that day, the
share where it sold at least one unit within ``sell_through_days`` (90) of placement (counted up
to that day). Stores placed whose window is still open and that have not sold yet are counted as
not sold, and reported as ``pending``.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import accumulate
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server import authz
from server.accounts.models import Role, User
from server.accounts.service import Actor
from server.audit import service as audit
from server.catalog.models import Sku
from server.csvout import csv_bytes
from server.errors import InvalidInput, NotFound
from server.insights.models import Delivery, ShelfCount, VisitFact
from server.replication.models import SyncRecord
from server.review.dashboard import today
from server.review.models import VisitReview
from server.review.repository import team_scope
from server.settings import Settings
from server.stores.models import Store
from server.visits.models import VisitTemplate
from sync import Operation, OpType, Principal, RecordState
from sync.ids import uuid7

DISPLAY_YESNO_MAX = 20
MAX_DELIVERY_LINES = 50_000
SQL_IN_LIMIT = 3000
INTENTS = ("high", "medium", "low")

# -- following the display step as it syncs ----------------------------------------------------

_FIELDS: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (template id, step key) -> its fields


def _step_fields(session: Session, visit_id: str, step_key: str) -> list[dict[str, Any]]:
    """The fields of the step as the visit's template version defines it (versions never change,
    so they are kept once read)."""
    visit = session.get(SyncRecord, ("visit", visit_id))
    template_id = str((visit.fields if visit else {}).get("template_id") or "")
    key = (template_id, step_key)
    if key not in _FIELDS:
        template = session.get(VisitTemplate, template_id) if template_id else None
        steps = template.steps if template else []
        found = next((s for s in steps if s.get("key") == step_key), None)
        if template is None:
            return []
        _FIELDS[key] = list(found.get("fields") or []) if found else []
    return _FIELDS[key]


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def follow_step(session: Session, who: Principal, op_type: OpType, op: Operation, state: RecordState) -> None:
    """A completed step's stock counts into ``shelf_count``, its facings, yes/no checks and the
    owner's reorder intent into ``visit_fact`` (replacing what an earlier version of the step wrote)."""
    if op_type.collection != "step" or state.fields.get("status") != "done":
        return
    answers = state.fields.get("answers")
    visit_id = str(state.fields.get("visit_id") or "")
    review = session.get(VisitReview, visit_id)
    if not isinstance(answers, dict) or review is None:
        return
    fields = _step_fields(session, visit_id, str(state.fields.get("step") or ""))
    by_type: dict[str, list[Any]] = defaultdict(list)
    for f in fields:
        if f.get("key") in answers:
            by_type[str(f.get("type"))].append(answers[f["key"]])
    if "stock" in by_type:
        codes = {code: units for value in by_type["stock"] if isinstance(value, dict) for code, units in value.items()}
        skus = dict(session.execute(sa_select(col(Sku.code), col(Sku.id)).where(col(Sku.code).in_(list(codes)))).all())
        session.execute(delete(ShelfCount).where(col(ShelfCount.visit_id) == visit_id))
        rows = [
            {"visit_id": visit_id, "store_id": review.store_id, "sku_id": skus[code], "rep_id": review.rep_id,
             "day": review.day, "units": units}
            for code, value in codes.items()
            if code in skus and (units := _count(value)) is not None
        ]  # fmt: skip
        if rows:
            session.execute(insert(ShelfCount), [{"id": uuid7(), **r} for r in rows])
    facings = [n for v in by_type.get("facings", [])[:1] if isinstance(v, dict) for n in v.values() if _count(n)]
    checks = [v for v in by_type.get("yesno", [])[:DISPLAY_YESNO_MAX] if isinstance(v, bool)]
    intent = next((v for v in by_type.get("choice", []) if v in INTENTS), None)
    if not (facings or checks or intent):
        return
    fact = session.get(VisitFact, visit_id) or VisitFact(
        visit_id=visit_id, store_id=review.store_id, rep_id=review.rep_id, day=review.day
    )
    if "facings" in by_type:
        fact.facings = sum(facings)
    if checks:
        fact.display_ok = round(sum(checks) / len(checks), 3)
    if intent:
        fact.reorder_intent = intent
    session.add(fact)


# -- the definitions, on one store's events ----------------------------------------------------


@dataclass
class Events:
    """One store's counts and deliveries of one SKU, each sorted by day."""

    counts: list[tuple[date, int]] = field(default_factory=list)
    deliveries: list[tuple[date, int]] = field(default_factory=list)
    # per launch day: (placement, first sale); the lists are complete before anything is asked
    _stories: dict[date | None, tuple[date | None, date | None]] = field(default_factory=dict, repr=False)

    def placed(self, launch: date | None) -> date | None:
        return self._story(launch)[0]

    def on_shelf(self, day: date) -> bool:
        """Whether the latest count on or before ``day`` was above zero."""
        i = bisect_right(self.counts, (day, 1 << 62))
        return i > 0 and self.counts[i - 1][1] > 0

    def counted(self, day: date) -> bool:
        return bool(self.counts) and self.counts[0][0] <= day

    def delivered(self, after: date, upto: date) -> int:
        return sum(n for d, n in self.deliveries if after < d <= upto)

    def pairs(self, placed: date | None = None) -> Iterator[tuple[date, int]]:
        """Each count with the units sold since the one before it. From ``placed``, a zero the day
        before placement opens; without it the first count opens (and is no sale)."""
        previous_day, previous = (placed - timedelta(days=1), 0) if placed else (None, 0)
        for day, units in self.counts:
            if placed and day < placed:
                continue
            if previous_day is not None:
                yield day, max(0, previous + self.delivered(previous_day, day) - units)
            previous_day, previous = day, units

    def sold(self, placed: date, until: date) -> int:
        """Units sold from placement to ``until`` (both included), from consecutive counts."""
        return sum(n for day, n in self.pairs(placed) if day <= until)

    def _story(self, launch: date | None) -> tuple[date | None, date | None]:
        """(placement day, the first count after placement showing a sale), worked out once."""
        if launch not in self._stories:
            first = [d for d, n in (*self.counts, *self.deliveries) if n > 0 and (launch is None or d >= launch)]
            placed = min(first) if first else None
            sale = next((day for day, n in self.pairs(placed) if n > 0), None) if placed else None
            self._stories[launch] = (placed, sale)
        return self._stories[launch]


def sell_through_state(events: Events, launch: date | None, day: date, window: int) -> str | None:
    """For one store on ``day``: None (not placed yet), ``sold``, ``pending`` (window still open,
    nothing sold yet) or ``not_sold``."""
    placed, sale = events._story(launch)
    if placed is None or placed > day:
        return None
    if sale is not None and sale <= min(day, placed + timedelta(days=window)):
        return "sold"
    return "pending" if placed + timedelta(days=window) > day else "not_sold"


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(
    events: dict[str, Events], stores: Sequence[str], launch: date | None, day: date, window: int
) -> dict[str, Any]:
    """Distribution and sell-through of one SKU over ``stores`` on ``day``."""
    return series(events, stores, launch, [day], window)[0]


def series(
    events: dict[str, Events], stores: Sequence[str], launch: date | None, days: Sequence[date], window: int
) -> list[dict[str, Any]]:
    """``figures`` on each of ``days`` (ascending) in one pass over the stores: each count, the
    placement and the first sale say from which day on a store counts where, and those spans are
    added up per day (a difference array), so a season of weeks costs about one day's work."""
    k = len(days)
    at = partial(bisect_left, days)  # the first of ``days`` on or after a moment
    tally = {name: [0] * (k + 1) for name in ("on_shelf", "counted", "placed", "sold", "pending")}

    def span(name: str, start: int, stop: int) -> None:
        if start < stop:
            tally[name][start] += 1
            tally[name][stop] -= 1

    span_of = timedelta(days=window)
    for store in stores:
        e = events.get(store)
        if e is None:
            continue
        if e.counts:
            span("counted", at(e.counts[0][0]), k)
        for i, (day, units) in enumerate(e.counts):  # the latest count until the next one
            if units > 0:
                span("on_shelf", at(day), at(e.counts[i + 1][0]) if i + 1 < len(e.counts) else k)
        placed, sale = e._story(launch)
        if placed is None:
            continue
        span("placed", at(placed), k)
        sold_from = at(sale) if sale is not None and sale <= placed + span_of else k
        span("sold", sold_from, k)
        span("pending", at(placed), min(sold_from, at(placed + span_of)))
    running = {name: list(accumulate(values))[:k] for name, values in tally.items()}
    out = []
    for i, day in enumerate(days):
        on_shelf, placed_n, sold_n = running["on_shelf"][i], running["placed"][i], running["sold"][i]
        out.append(
            {
                "day": day.isoformat(),
                "stores": len(stores),
                "counted": running["counted"][i],
                "on_shelf": on_shelf,
                "distribution": _share(on_shelf, len(stores)),
                "placed": placed_n,
                "sold": sold_n,
                "pending": running["pending"][i],
                "sell_through": _share(sold_n, placed_n),
            }
        )
    return out


# -- reading ----------------------------------------------------------------------------------


def load_events(session: Session, sku_id: str, store_ids: Iterable[str] | None = None) -> dict[str, Events]:
    """Every store's counts and deliveries of one SKU (of ``store_ids`` only, when given)."""
    out: dict[str, Events] = defaultdict(Events)
    wanted = set(store_ids) if store_ids is not None else None
    for model, attr in ((ShelfCount, "counts"), (Delivery, "deliveries")):
        query = sa_select(col(model.store_id), col(model.day), col(model.units)).where(col(model.sku_id) == sku_id)
        if wanted is not None and len(wanted) <= SQL_IN_LIMIT:  # a team's stores: let the index find them
            query = query.where(col(model.store_id).in_(list(wanted)))
        for store_id, day, units in session.execute(query.order_by(col(model.day))):
            if wanted is None or store_id in wanted:
                getattr(out[store_id], attr).append((day, units))
    return out


def definition(settings: Settings) -> dict[str, Any]:
    return {
        "stock": "units on the shelf and in the back room at the visit, after that day's delivery",
        "distribution": "share of the stores whose latest count of the SKU was above zero",
        "placement": "first day with a count above zero or a delivery, on or after the launch",
        "sold": "earlier count + deliveries since − later count, never below zero",
        "sell_through": f"share of the stores placed where it sold within {settings.sell_through_days} days",
        "window_days": settings.sell_through_days,
    }


def launches(session: Session) -> list[Sku]:
    """The new products, latest launch first."""
    return list(
        session.exec(select(Sku).where(col(Sku.launch_date).is_not(None)).order_by(col(Sku.launch_date).desc()))
    )


def launch_view(sku: Sku, settings: Settings) -> dict[str, Any]:
    return {
        "code": sku.code,
        "name": sku.name,
        "name_en": sku.name_en,
        "launch_date": sku.launch_date.isoformat() if sku.launch_date else None,
        "target": sku.launch_target if sku.launch_target is not None else settings.sell_through_target,
    }


@dataclass(frozen=True)
class Scope:
    """The stores a caller looks at, grouped by rep."""

    stores: list[str]
    reps: list[User]
    by_rep: dict[str, list[str]]


def store_scope(session: Session, actor: Actor, *, team: str | None, region: str | None) -> Scope:
    """A supervisor: their team's stores; an admin: a team's, a region's or every store."""
    team = team_scope(actor, team)
    reps_q = select(User).where(User.role == Role.rep.value)
    if team is not None:
        reps_q = reps_q.where(User.team_id == team)
    reps = list(session.exec(reps_q.order_by(User.username)))
    query = sa_select(col(Store.id), col(Store.rep_id))
    if team is not None:
        query = query.where(col(Store.rep_id).in_([r.id for r in reps]))
    if region is not None:
        query = query.where(col(Store.region_id) == region)
    by_rep: dict[str, list[str]] = defaultdict(list)
    stores = []
    for store_id, rep_id in session.execute(query):
        stores.append(store_id)
        by_rep[rep_id or ""].append(store_id)
    return Scope(stores, [r for r in reps if r.id in by_rep], by_rep)


def _sku(session: Session, code: str) -> Sku:
    sku = session.exec(select(Sku).where(Sku.code == code, col(Sku.launch_date).is_not(None))).first()
    if sku is None or sku.launch_date is None:
        raise NotFound("No such new product.")
    return sku


def week_ends(launch: date, last: date) -> list[date]:
    """Every Sunday from the launch's week to ``last``'s, the last one being ``last`` itself."""
    days = []
    day = launch + timedelta(days=6 - launch.weekday())
    while day < last:
        days.append(day)
        day += timedelta(days=7)
    return [*days, last]


def launch_report(
    session: Session, settings: Settings, actor: Actor, code: str, *, team: str | None, region: str | None
) -> dict[str, Any]:
    """One new product's distribution and sell-through, week by week since its launch, and per rep today."""
    authz.require(actor, authz.Action.REVIEW_READ)
    sku = _sku(session, code)
    assert sku.launch_date is not None
    scope = store_scope(session, actor, team=team, region=region)
    events = load_events(session, sku.id, scope.stores)
    window = settings.sell_through_days
    last = today(settings)
    weekly = series(events, scope.stores, sku.launch_date, week_ends(sku.launch_date, last), window)
    reps = [
        {
            "rep": {"id": r.id, "username": r.username, "name": r.display_name},
            **figures(events, scope.by_rep[r.id], sku.launch_date, last, window),
        }
        for r in scope.reps
    ]
    return {
        "sku": launch_view(sku, settings),
        "definition": definition(settings),
        "series": weekly,
        "latest": weekly[-1],
        "reps": reps,
    }


def export_launch(
    session: Session, settings: Settings, actor: Actor, code: str, *, team: str | None, region: str | None
) -> bytes:
    report = launch_report(session, settings, actor, code, team=team, region=region)
    keys = ("stores", "counted", "on_shelf", "distribution", "placed", "sold", "pending", "sell_through")
    code = report["sku"]["code"]
    rows = [[code, p["day"], "", *[p[k] for k in keys]] for p in report["series"]]
    rows += [[code, r["day"], r["rep"]["username"], *[r[k] for k in keys]] for r in report["reps"]]
    return csv_bytes(["sku", "day", "rep", *keys], rows)


# -- deliveries from a CSV --------------------------------------------------------------------


def import_deliveries(session: Session, actor: Actor, data: bytes) -> dict[str, Any]:
    """``ref,store_code,sku_code,day,units`` lines (UTF-8, a header line first). A ``ref`` seen
    before is skipped, so the same file imported twice changes nothing. Each bad line is named;
    the good ones are kept."""
    authz.require(actor, authz.Action.CATALOG_EDIT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("The file is not UTF-8 text.") from exc
    reader = csv.DictReader(io.StringIO(text))
    need = {"ref", "store_code", "sku_code", "day", "units"}
    if not need <= set(reader.fieldnames or []):
        raise InvalidInput(f"The header needs the columns {', '.join(sorted(need))}.")
    lines = list(reader)
    if len(lines) > MAX_DELIVERY_LINES:
        raise InvalidInput(f"At most {MAX_DELIVERY_LINES} lines at a time.")
    stores = dict(session.execute(sa_select(col(Store.code), col(Store.id))).all())
    skus = dict(session.execute(sa_select(col(Sku.code), col(Sku.id))).all())
    refs = {f"csv:{(line.get('ref') or '').strip()}" for line in lines}
    seen = set(session.execute(sa_select(col(Delivery.ref)).where(col(Delivery.ref).in_(list(refs)))).scalars())
    rows, problems, skipped = [], [], 0
    for number, line in enumerate(lines, start=2):
        ref = f"csv:{(line.get('ref') or '').strip()}"
        problem = None
        try:
            day = date.fromisoformat((line.get("day") or "").strip())
            units = int((line.get("units") or "").strip())
        except ValueError:
            day, units, problem = date.min, -1, "day is YYYY-MM-DD and units a whole number"
        if problem is None and (ref == "csv:" or len(ref) > 80):
            problem = "ref is 1 to 76 characters"
        elif problem is None and (line.get("store_code") or "").strip() not in stores:
            problem = "no store with this code"
        elif problem is None and (line.get("sku_code") or "").strip() not in skus:
            problem = "no SKU with this code"
        elif problem is None and not 0 <= units <= 100_000:
            problem = "units are 0 to 100000"
        if problem:
            problems.append({"line": number, "problem": problem})
            continue
        if ref in seen:
            skipped += 1
            continue
        seen.add(ref)
        rows.append(
            {
                "id": uuid7(),
                "ref": ref,
                "store_id": stores[line["store_code"].strip()],
                "sku_id": skus[line["sku_code"].strip()],
                "day": day,
                "units": units,
                "source": "csv",
            }
        )
    if rows:
        session.execute(insert(Delivery), rows)
    audit.record(
        session,
        actor,
        entity="delivery",
        entity_id="csv",
        action="import",
        changes={"added": len(rows), "skipped": skipped},
    )
    return {"added": len(rows), "skipped": skipped, "problems": problems[:100], "problem_count": len(problems)}
