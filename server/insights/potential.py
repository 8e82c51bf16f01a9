"""The store-potential model: which stores will sell the next new product through.

**Why logistic regression** (scikit-learn, on standardised features): a supervisor has to be able
to say why a store is on the list. A linear model's contribution of each feature to a store's
score is its coefficient times the store's standardised value, exactly, so the top factors shown
are the model itself, not an approximation of it (a boosted forest would need SHAP values for
that). It trains on a few thousand stores in well under a second, and on this data it ranks about
as well as gradient boosting did when both were tried (``bench/store_potential.py --compare``).

**Features**, each read as of a day (the launch being learned, or today when scoring), over the
``LOOKBACK`` before it, from the tables the app keeps (never from the demo's hidden propensity):

- ``visits_per_week``: visits with a display check, per week — visit regularity;
- ``display_ok``: share of the display's yes/no checks answered yes — display compliance;
- ``facings``: own facings counted, per visit;
- ``core_sold``: units of the established range sold per week (consecutive counts + deliveries);
- ``range``: own SKUs on the shelf at the latest count;
- ``earlier_launch_sold``: 1 when an earlier launch (out at least four weeks) sold there;
- ``reorder_intent``: the owner's answer in the interview (high 2, medium 1, low 0; 1 when never asked);
- ``claims``: promotion claims filed for the store;
- ``neighbourhood``: the mean ``core_sold`` of the stores of its district;
- ``channel_*``: the store's channel.

**Label**: of the stores where the launch was placed by the end of its first window (launch day +
``sell_through_days``), whether it had sold there by then — the launch's sell-through on that day
(``stock.figures``), store by store. A launch can be learned from once that day has passed.

**Training** (``train``, run by the ``insights.retrain`` job): on the latest launch whose window
has closed (features as of its launch day). When an earlier closed launch exists, the model is
first *back-tested*: trained on the earlier launch and scored on the later one, AUC and the lift of
the top 20 % (their sell-through over the average) kept with the version. Every store is then
scored with today's features; the top ``potential_top_share`` are marked for trial samples. Each
score row names its model version.
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server.catalog.models import Sku
from server.claims.models import ClaimReview
from server.insights.models import Delivery, PotentialModel, ShelfCount, StorePotential, VisitFact
from server.insights.stock import Events, load_events, sell_through_state
from server.stores.models import Channel, Store

LOOKBACK = timedelta(days=56)
EARLIER_MIN = timedelta(days=28)
CHANNELS = [c.value for c in Channel]
NUMERIC = (
    "visits_per_week",
    "display_ok",
    "facings",
    "core_sold",
    "range",
    "earlier_launch_sold",
    "reorder_intent",
    "claims",
    "neighbourhood",
)
FEATURES = (*NUMERIC, *(f"channel_{c}" for c in CHANNELS))
INTENT = {"high": 2.0, "medium": 1.0, "low": 0.0}
DISTRICT = re.compile(r"市(.+?区)")


@dataclass
class Table:
    stores: list[str]
    rows: np.ndarray  # stores x FEATURES


def features(session: Session, as_of: date, launches: list[Sku], window: int) -> Table:
    """Every store's features as of ``as_of`` (from what happened in the ``LOOKBACK`` before it)."""
    start = as_of - LOOKBACK
    stores = list(session.execute(sa_select(col(Store.id), col(Store.channel), col(Store.address)).order_by(Store.id)))
    index = {s[0]: i for i, s in enumerate(stores)}
    x = np.zeros((len(stores), len(FEATURES)))
    f = {name: i for i, name in enumerate(FEATURES)}
    x[:, f["reorder_intent"]] = 1.0

    visits: dict[str, set[date]] = defaultdict(set)
    ok: dict[str, list[float]] = defaultdict(list)
    facings: dict[str, list[int]] = defaultdict(list)
    intents: dict[str, list[float]] = defaultdict(list)
    query = sa_select(
        col(VisitFact.store_id), col(VisitFact.day), col(VisitFact.display_ok), col(VisitFact.facings),
        col(VisitFact.reorder_intent),
    ).where(col(VisitFact.day) >= start, col(VisitFact.day) < as_of)  # fmt: skip
    for store_id, day, display_ok, facing, intent in session.execute(query):
        visits[store_id].add(day)
        if display_ok is not None:
            ok[store_id].append(display_ok)
        if facing is not None:
            facings[store_id].append(facing)
        if intent in INTENT:
            intents[store_id].append(INTENT[intent])

    new = {s.id for s in launches}
    counts: dict[tuple[str, str], Events] = defaultdict(Events)
    for model, attr in ((ShelfCount, "counts"), (Delivery, "deliveries")):
        events_query = (
            sa_select(col(model.store_id), col(model.sku_id), col(model.day), col(model.units))
            .where(col(model.day) >= start, col(model.day) < as_of)
            .order_by(col(model.day))
        )
        for store_id, sku_id, day, units in session.execute(events_query):
            if sku_id not in new:
                getattr(counts[(store_id, sku_id)], attr).append((day, units))
    core: dict[str, float] = defaultdict(float)
    ranges: dict[str, int] = defaultdict(int)
    weeks = LOOKBACK.days / 7
    for (store_id, _), events in counts.items():
        if events.counts:
            core[store_id] += sum(n for _, n in events.pairs()) / weeks  # from its first count on
            ranges[store_id] += events.counts[-1][1] > 0

    earlier = [s for s in launches if s.launch_date is not None and s.launch_date <= as_of - EARLIER_MIN]
    sold_before: set[str] = set()
    for sku in earlier:
        assert sku.launch_date is not None
        for store_id, events in load_events(session, sku.id).items():
            if sell_through_state(events, sku.launch_date, as_of - timedelta(days=1), window) == "sold":
                sold_before.add(store_id)
    claims = dict(
        session.execute(
            sa_select(col(ClaimReview.store_id), func.count())
            .where(col(ClaimReview.submitted_at) >= _moment(start), col(ClaimReview.submitted_at) < _moment(as_of))
            .group_by(col(ClaimReview.store_id))
        ).all()
    )
    district_of: dict[str, str] = {}
    for store_id, channel, address in stores:
        i = index[store_id]
        found = DISTRICT.search(address or "")
        district_of[store_id] = found.group(1) if found else ""
        x[i, f["visits_per_week"]] = len(visits[store_id]) / weeks
        x[i, f["display_ok"]] = float(np.mean(ok[store_id])) if ok[store_id] else 0.0
        x[i, f["facings"]] = float(np.mean(facings[store_id])) if facings[store_id] else 0.0
        x[i, f["core_sold"]] = core[store_id]
        x[i, f["range"]] = ranges[store_id]
        x[i, f["earlier_launch_sold"]] = 1.0 if store_id in sold_before else 0.0
        if intents[store_id]:
            x[i, f["reorder_intent"]] = float(np.mean(intents[store_id]))
        x[i, f["claims"]] = claims.get(store_id, 0)
        if channel in CHANNELS:
            x[i, f[f"channel_{channel}"]] = 1.0
    by_district: dict[str, list[float]] = defaultdict(list)
    for store_id, _, _ in stores:
        by_district[district_of[store_id]].append(core[store_id])
    for store_id, _, _ in stores:
        x[index[store_id], f["neighbourhood"]] = float(np.mean(by_district[district_of[store_id]]))
    return Table([s[0] for s in stores], x)


def _moment(day: date) -> datetime:
    """Midnight of a local (China) day, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)


def labels(session: Session, sku: Sku, window: int) -> dict[str, int]:
    """Of the stores where the launch was placed by the end of its first window (launch day +
    ``window``): 1 where it had sold by then, else 0 — the launch's sell-through on that day, store
    by store. Stores it never reached are left out."""
    assert sku.launch_date is not None
    end = sku.launch_date + timedelta(days=window)
    out = {}
    for store_id, events in load_events(session, sku.id).items():
        state = sell_through_state(events, sku.launch_date, end, window)
        if state is not None:
            out[store_id] = int(state == "sold")
    return out


def _fit(table: Table, known: dict[str, int]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rows = [i for i, s in enumerate(table.stores) if s in known]
    y = np.array([known[table.stores[i]] for i in rows])
    if len(rows) < 20 or len(set(y.tolist())) < 2:
        raise ValueError("Too few stores with a known sell-through to learn from.")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    model.fit(table.rows[rows], y)
    return model


def auc_and_lift(scores: np.ndarray, y: np.ndarray, top: float = 0.2) -> tuple[float, float]:
    """ROC AUC, and the sell-through of the top ``top`` share by score over the average."""
    from sklearn.metrics import roc_auc_score

    auc = float(roc_auc_score(y, scores))
    n = max(1, math.ceil(len(y) * top))
    best = np.argsort(-scores, kind="stable")[:n]
    return auc, float(y[best].mean() / y.mean()) if y.mean() else 0.0


def closed_launches(session: Session, today: date, window: int) -> list[Sku]:
    """New products whose first sell-through window has closed, oldest first."""
    rows = session.exec(select(Sku).where(col(Sku.launch_date).is_not(None)).order_by(col(Sku.launch_date)))
    return [s for s in rows if s.launch_date is not None and s.launch_date + timedelta(days=window) <= today]


def backtest(
    session: Session,
    train_on: Sku,
    test_on: Sku,
    today: date,
    window: int,
    tested: tuple[Table, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """Trained on ``train_on``, scored on ``test_on``; ``tested``: that launch's features and
    labels when the caller has them already (``train`` learns from the same)."""
    launches = list(session.exec(select(Sku).where(col(Sku.launch_date).is_not(None))))
    assert train_on.launch_date is not None and test_on.launch_date is not None
    model = _fit(features(session, train_on.launch_date, launches, window), labels(session, train_on, window))
    table, known = tested or (
        features(session, test_on.launch_date, launches, window),
        labels(session, test_on, window),
    )
    rows = [i for i, s in enumerate(table.stores) if s in known]
    y = np.array([known[table.stores[i]] for i in rows])
    auc, lift = auc_and_lift(model.predict_proba(table.rows[rows])[:, 1], y)
    return {"auc": round(auc, 4), "lift_top20": round(lift, 3), "stores": len(rows), "rate": round(float(y.mean()), 4)}


def explain(model: Any, row: np.ndarray, k: int = 3) -> list[dict[str, Any]]:
    """The ``k`` features that moved this store's score most: coefficient x standardised value."""
    scaler, regression = model[0], model[-1]
    contributions = regression.coef_[0] * (row - scaler.mean_) / np.where(scaler.scale_ == 0, 1, scaler.scale_)
    order = np.argsort(-np.abs(contributions), kind="stable")[:k]
    return [
        {"key": FEATURES[i], "value": round(float(row[i]), 2), "effect": round(float(contributions[i]), 3)}
        for i in order
        if abs(contributions[i]) >= 0.01
    ]


@dataclass
class Trained:
    model: PotentialModel
    scored: int


def train(session: Session, now: datetime, today: date, window: int, top_share: float) -> Trained:
    """A new model version trained on the latest closed launch, back-tested when it can be, and a
    score for every store from today's features (in the caller's transaction)."""
    started = time.perf_counter()
    closed = closed_launches(session, today, window)
    if not closed:
        raise ValueError("No launch has had its sell-through window close yet: nothing to learn from.")
    target = closed[-1]
    assert target.launch_date is not None
    launches = list(session.exec(select(Sku).where(col(Sku.launch_date).is_not(None))))
    learned = features(session, target.launch_date, launches, window)
    known = labels(session, target, window)
    tested = backtest(session, closed[-2], target, today, window, (learned, known)) if len(closed) >= 2 else None
    model = _fit(learned, known)
    table = features(session, today, launches, window)
    scores = model.predict_proba(table.rows)[:, 1]
    order = np.argsort(-scores, kind="stable")
    top = math.ceil(len(order) * top_share)
    version = (session.execute(sa_select(func.max(PotentialModel.version))).scalar() or 0) + 1
    regression = model[-1]
    row = PotentialModel(
        version=version,
        trained_at=now,
        trained_on=target.code,
        tested_on=target.code if tested else None,
        window_days=window,
        stores=len(known),
        auc=tested["auc"] if tested else None,
        lift_top20=tested["lift_top20"] if tested else None,
        train_seconds=0.0,
        detail={
            "algorithm": "logistic regression on standardised features (scikit-learn)",
            "features": list(FEATURES),
            "coefficients": [round(float(c), 4) for c in regression.coef_[0]],
            "intercept": round(float(regression.intercept_[0]), 4),
            "backtest": {"trained_on": closed[-2].code, **tested} if tested else None,
            "top_share": top_share,
            "sold_rate": round(sum(known.values()) / len(known), 4),
        },
    )
    session.add(row)
    session.flush()
    session.execute(
        insert(StorePotential),
        [
            {
                "model_id": row.id,
                "store_id": table.stores[i],
                "score": round(float(scores[i]), 4),
                "rank": rank + 1,
                "top": rank < top,
                "factors": explain(model, table.rows[i]),
            }
            for rank, i in enumerate(order)
        ],
    )
    row.train_seconds = round(time.perf_counter() - started, 2)
    session.add(row)
    return Trained(row, len(order))
