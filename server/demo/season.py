"""A season of the demo distributor's stock records: weekly counts of each store's core SKU, two
product launches placed, restocked and (in some stores) sold, the deliveries, and a display fact
per visit (own facings, the yes/no checks, the owner's reorder intent in liquor shops).

Everything is drawn from a **hidden per-store propensity** (``latent``: the owner's drive and the
shop's traffic), a neighbourhood effect per district and a channel effect, so what the
store-potential model can learn is true by construction and never read by it: the model sees only
the counts, deliveries and visit facts, as it would at a real distributor. Like the visit history,
these are rows as if imported from the distributor's previous system (one visit a week per store
with a count), not synced records.

Launch A (BEV-008) came out ``LAUNCH_A_DAYS`` before today and its 90-day window has closed;
launch B (BEV-009) ``LAUNCH_B_DAYS`` before today, its window closing now: the model trained on A
is back-tested on B (``bench/store_potential.py``).
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from server.catalog.models import Sku
from server.insights.models import Delivery, ShelfCount, VisitFact
from server.stores.models import Store
from sync.ids import uuid7

LAUNCH_A_DAYS = 150
LAUNCH_B_DAYS = 91
PRE_SEASON_DAYS = 56  # counts before launch A: what the model reads about a store before a launch
LAUNCHES = {"BEV-008": (LAUNCH_A_DAYS, 0.6), "BEV-009": (LAUNCH_B_DAYS, 0.35)}
CORE = {"tobacco_liquor": "LIQ-002", "restaurant": "LIQ-003"}  # others: BEV-001
CHANNEL_EFFECT = {"convenience": 0.35, "supermarket": 0.45, "tobacco_liquor": -0.25, "restaurant": -0.1, "other": -0.45}
CASE = 6  # a new product goes in by the half case
DISTRICT = re.compile(r"市(.+?区)")


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; lam stays small here."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class _Shop:
    store: Store
    latent: float
    propensity: float  # log-odds of selling a new product
    core_rate: float  # core SKU units a week
    skip: float  # chance a week passes without a visit


def seed_season(session: Session, today: date, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed + 19)
    skus = {s.code: s for s in session.exec(select(Sku))}
    for code, (days, target) in LAUNCHES.items():
        skus[code].launch_date = today - timedelta(days=days)
        skus[code].launch_target = target
        session.add(skus[code])
    stores = list(session.exec(select(Store).where(col(Store.rep_id).is_not(None)).order_by(Store.code)))
    districts: dict[str, float] = defaultdict(lambda: rng.gauss(0, 0.45))
    rep_care: dict[str, float] = defaultdict(lambda: rng.uniform(0.85, 0.99))
    shops = []
    for store in stores:
        latent = rng.gauss(0, 1)
        found = DISTRICT.search(store.address or "")
        neighbourhood = districts[found.group(1) if found else ""]
        channel = CHANNEL_EFFECT.get(store.channel, 0.0)
        shops.append(
            _Shop(
                store,
                latent,
                propensity=2.0 * latent + neighbourhood + channel - 1.4,
                core_rate=math.exp(1.4 + 0.45 * latent + 0.5 * neighbourhood + 0.5 * channel),
                skip=(1 - rep_care[store.rep_id or ""]) + 0.08 * (1 - _sigmoid(latent)),
            )
        )
    start = today - timedelta(days=LAUNCH_A_DAYS + PRE_SEASON_DAYS)
    start -= timedelta(days=start.weekday())  # a Monday
    counts: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    launch_days = {code: today - timedelta(days=days) for code, (days, _) in LAUNCHES.items()}
    for shop in shops:
        store = shop.store
        weekday = min(int(d) for d in store.visit_days.split(",") if d.strip().isdigit()) - 1
        core = skus[CORE.get(store.channel, "BEV-001")]
        stock = {core.id: 24}
        sells = {code: rng.random() < _sigmoid(shop.propensity + rng.gauss(0, 0.5)) for code in LAUNCHES}
        accepts = {code: rng.random() < _sigmoid(shop.latent + 1.4) for code in LAUNCHES}  # some owners never take it
        week = start
        while week <= today:
            day = week + timedelta(days=weekday)
            week += timedelta(days=7)
            if day > today or rng.random() < shop.skip:
                continue
            visit_id = uuid7()
            base = {"visit_id": visit_id, "store_id": store.id, "rep_id": store.rep_id, "day": day}

            # a week's sales since the last visit, then today's delivery, then the count
            sold = min(stock[core.id], _poisson(rng, shop.core_rate))
            stock[core.id] -= sold
            if stock[core.id] < shop.core_rate * 1.5:
                _deliver(deliveries, stock, base, core.id, 24)
            for code, launch in launch_days.items():
                sku_id = skus[code].id
                if day < launch:
                    continue
                if sku_id in stock:
                    if sells[code]:
                        stock[sku_id] -= min(stock[sku_id], _poisson(rng, 0.6 + 2.2 * _sigmoid(shop.propensity)))
                        if stock[sku_id] <= 1 and rng.random() < 0.8:  # else out of stock until next week
                            _deliver(deliveries, stock, base, sku_id, CASE)
                elif accepts[code] and rng.random() < 0.1 + 0.06 * _sigmoid(shop.latent):
                    _deliver(deliveries, stock, base, sku_id, CASE)  # placed at this visit
            counts += [{"id": uuid7(), **base, "sku_id": s, "units": n} for s, n in stock.items()]
            checks = [rng.random() < _sigmoid(0.7 * shop.latent + 1.0) for _ in range(3)]
            facts.append(
                {
                    **base,
                    "facings": _poisson(rng, 1.5 + 2.5 * _sigmoid(shop.latent)),
                    "display_ok": round(sum(checks) / len(checks), 3),
                    "reorder_intent": _intent(rng, shop.latent) if store.channel == "tobacco_liquor" else None,
                }
            )
    for model, rows in ((ShelfCount, counts), (Delivery, deliveries), (VisitFact, facts)):
        for i in range(0, len(rows), 20_000):
            session.execute(insert(model), rows[i : i + 20_000])
    return {"counts": len(counts), "deliveries": len(deliveries), "visit_facts": len(facts)}


def _deliver(rows: list[dict[str, Any]], stock: dict[str, int], visit: dict[str, Any], sku_id: str, units: int) -> None:
    """A delivery recorded at the visit (before its count)."""
    rows.append(
        {"id": uuid7(), "ref": f"visit:{visit['visit_id']}:{sku_id}"[:80], "store_id": visit["store_id"],
         "sku_id": sku_id, "day": visit["day"], "units": units, "source": "visit"}
    )  # fmt: skip
    stock[sku_id] = stock.get(sku_id, 0) + units


def _intent(rng: random.Random, latent: float) -> str:
    x = latent + rng.gauss(0, 0.9)
    return "high" if x > 0.6 else "medium" if x > -0.6 else "low"
