"""The store-potential model on constructed data where the answer is known: stores that sell a lot
of the established range sold both launches, the others neither. Retrained by the durable job,
back-tested (trained on the first launch, scored on the second), every store scored with its top
factors and model version; the ranking per role; trial samples to the top stores in one action."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.catalog.models import Material, MaterialAllocation, Sku
from server.insights.models import Delivery, PotentialModel, ShelfCount, StorePotential, VisitFact
from server.jobs.worker import run_pending
from server.settings import Settings
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World, create_store

FIRST, SECOND = date(2026, 6, 1), date(2026, 8, 10)  # both windows (90 days) closed by Nov 25
STORES_PER_REP = 8


def _events(session: Session, store_id: str, sku: Sku, start: date, weeks: int, per_week: int) -> None:
    """Weekly visits: a count after selling ``per_week``, restocked to 20 when it runs low."""
    units = 20
    session.add(Delivery(ref=f"t:{uuid7()}", store_id=store_id, sku_id=sku.id, day=start, units=20))
    for w in range(weeks):
        day = start + timedelta(days=7 * w)
        units -= min(units, per_week) if w else 0
        if units < per_week:
            session.add(Delivery(ref=f"t:{uuid7()}", store_id=store_id, sku_id=sku.id, day=day, units=20))
            units += 20
        session.add(ShelfCount(visit_id=uuid7(), store_id=store_id, sku_id=sku.id, day=day, units=units))
        session.add(VisitFact(visit_id=uuid7(), store_id=store_id, day=day, facings=3, display_ok=1.0))


def _world(session: Session, world: World) -> dict[str, bool]:
    core = Sku(code="CORE-1", name="常规品")
    first = Sku(code="NEW-A", name="新品甲", launch_date=FIRST)
    second = Sku(code="NEW-B", name="新品乙", launch_date=SECOND)
    session.add_all([core, first, second, Material(code="POSM-008", name="试饮装", unit="pack")])
    session.flush()
    good: dict[str, bool] = {}
    for team in (world.east, world.west):
        for rep in team.reps:
            stores = team.stores[rep.username] + [
                create_store(session, rep, team.region) for _ in range(STORES_PER_REP - 3)
            ]
            for i, store in enumerate(stores):
                good[store.id] = i % 4 == 0  # a quarter of the stores sell well
                rate = 9 if good[store.id] else 1
                _events(session, store.id, core, date(2026, 3, 30), 34, rate)
                for launch in (first, second):
                    assert launch.launch_date is not None
                    # placed a week after launch everywhere; the good stores sell 2 a week, the others none
                    _events(
                        session,
                        store.id,
                        launch,
                        launch.launch_date + timedelta(days=7),
                        10,
                        2 if good[store.id] else 0,
                    )
    session.commit()
    return good


def test_retrained_by_the_job_backtested_and_explained(
    app_client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    good = _world(session, world)
    sign_in(app_client, world.east.supervisor.username)
    assert app_client.get("/api/insights/potential").json()["model"] is None  # nothing trained yet
    assert app_client.post("/api/insights/potential/retrain").status_code == 403  # an admin's to ask
    sign_in(app_client, world.admin.username)
    queued = app_client.post("/api/insights/potential/retrain")
    assert queued.status_code == 202 and queued.json()["queued"] is True
    assert app_client.post("/api/insights/potential/retrain").json()["already_waiting"] is True
    assert run_pending(settings) == 1  # one job, however many times it was asked for

    model = session.exec(select(PotentialModel)).one()
    assert (model.version, model.trained_on, model.window_days, model.stores) == (1, "NEW-B", 90, len(good))
    assert model.detail["backtest"]["trained_on"] == "NEW-A" and model.tested_on == "NEW-B"
    assert model.auc == 1.0  # the constructed signal separates the stores exactly
    assert model.lift_top20 == 4.0  # a quarter of the stores sold: the top 20 % all did
    scores = session.exec(select(StorePotential).where(StorePotential.model_id == model.id)).all()
    assert len(scores) == len(good)
    top = [s for s in scores if s.top]
    assert len(top) == 7  # ceil(32 x 0.2)
    assert all(good[s.store_id] for s in top)
    # its reasons: it sells the established range, and it sold the earlier launch
    assert {f["key"] for f in top[0].factors} >= {"core_sold", "earlier_launch_sold"}
    assert all(f["effect"] > 0 for f in top[0].factors[:2])

    sign_in(app_client, world.east.supervisor.username)
    ranked = app_client.get("/api/insights/potential").json()
    assert ranked["model"]["version"] == 1 and ranked["model"]["backtest"]["auc"] == 1.0
    assert ranked["total"] == 16  # the team's stores only (3 each in the world, 5 more per rep here)
    assert [i["rank"] for i in ranked["items"]] == sorted(i["rank"] for i in ranked["items"])
    assert all(i["rep"]["username"] in {r.username for r in world.east.reps} for i in ranked["items"])
    tops = app_client.get("/api/insights/potential", params={"top_only": "true"}).json()
    assert tops["total"] == tops["top_total"] and all(i["top"] for i in tops["items"])
    exported = app_client.get("/api/insights/potential.csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 16 and rows[0]["model_version"] == "1" and "core_sold" in rows[0]["top_factors"]


def test_trial_samples_to_the_top_stores_in_one_action(
    app_client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    _world(session, world)
    sign_in(app_client, world.admin.username)
    app_client.post("/api/insights/potential/retrain")
    run_pending(settings)
    sign_in(app_client, world.east.supervisor.username)
    tops = app_client.get("/api/insights/potential", params={"top_only": "true"}).json()
    per_rep: dict[str, int] = {}
    for item in tops["items"]:
        per_rep[item["rep"]["username"]] = per_rep.get(item["rep"]["username"], 0) + 1

    sent = app_client.post("/api/insights/potential/1/samples", json={"material": "POSM-008", "per_store": 3})
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["stores"] == tops["top_total"] and body["units"] == 3 * tops["top_total"]
    assert {r["rep"]: r["added"] for r in body["reps"]} == {rep: 3 * n for rep, n in per_rep.items()}
    material = session.exec(select(Material).where(Material.code == "POSM-008")).one()
    given = {
        a.rep_id: a.quantity
        for a in session.exec(select(MaterialAllocation).where(MaterialAllocation.material_id == material.id))
    }
    assert set(given) <= {r.id for r in world.east.reps}  # never another team's reps
    assert sum(given.values()) == body["units"]
    assert app_client.get("/api/insights/potential").json()["samples"]["units"] == body["units"]

    again = app_client.post("/api/insights/potential/1/samples", json={"material": "POSM-008", "per_store": 3})
    assert again.status_code == 409 and again.json()["code"] == "already_allocated"
    assert app_client.post("/api/insights/potential/1/samples", json={"per_store": 0}).status_code == 400
    assert app_client.post("/api/insights/potential/1/samples", json={"material": "NOPE"}).status_code == 400
    assert app_client.post("/api/insights/potential/9/samples", json={}).status_code == 404
    sign_in(app_client, world.east.reps[0].username)
    assert app_client.post("/api/insights/potential/1/samples", json={}).status_code == 403

    sign_in(app_client, world.admin.username)  # a newer model: the old list is no longer the one to act on
    app_client.post("/api/insights/potential/retrain")
    run_pending(settings)
    outdated = app_client.post("/api/insights/potential/1/samples", json={})
    assert outdated.status_code == 409 and outdated.json()["code"] == "model_outdated"
    west = app_client.post("/api/insights/potential/2/samples", params={"team": world.west.team.id}, json={})
    assert west.status_code == 200 and all(
        r["rep"] in {u.username for u in world.west.reps} for r in west.json()["reps"]
    )


def test_no_closed_launch_gives_up_with_a_reason(
    app_client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    session.add(Sku(code="NEW-C", name="新品丙", launch_date=date(2026, 11, 1)))  # its window is still open
    session.commit()
    sign_in(app_client, world.admin.username)
    app_client.post("/api/insights/potential/retrain")
    run_pending(settings)
    jobs = app_client.get("/api/admin/jobs", params={"kind": "insights.retrain"}).json()["items"]
    assert jobs[0]["state"] == "dead" and "window" in jobs[0]["last_error"]
    assert session.exec(select(PotentialModel)).first() is None
