"""Stock, distribution (铺货率) and sell-through (动销率) on small constructed data whose answers are
worked out by hand: the definitions on one store's events, the launch report over a team's stores
(never another team's), the CSV, the display step's stock counts projected as the step syncs,
and the deliveries CSV import with its bad lines."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.audit.models import AuditEntry
from server.catalog.models import Sku
from server.insights.models import Delivery, ShelfCount, VisitFact
from server.insights.stock import Events, sell_through_state, week_ends
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import Phone
from tests.visithelp import Visit, answers, signed_in_with_templates

LAUNCH = date(2026, 9, 1)
D = [LAUNCH + timedelta(days=7 * i) for i in range(12)]  # weekly visits


def test_sold_units_from_consecutive_counts_and_deliveries() -> None:
    e = Events(counts=[(D[0], 6), (D[1], 4), (D[2], 7), (D[3], 9)], deliveries=[(D[0], 6), (D[2], 6)])
    assert e.placed(LAUNCH) == D[0]
    # 0 + 6 - 6 = 0 (the opening zero); 6 - 4 = 2; 4 + 6 - 7 = 3; 7 - 9 < 0 counts as none
    assert e.sold(D[0], D[3]) == 5
    assert e.sold(D[0], D[1]) == 2  # counted up to D[1] only
    assert e.on_shelf(D[1] + timedelta(days=3)) and not e.on_shelf(D[0] - timedelta(days=1))
    # a store stocked by someone else first: the first count above zero is the placement
    other = Events(counts=[(D[0], 0), (D[1], 3), (D[2], 3)])
    assert other.placed(LAUNCH) == D[1] and other.sold(D[1], D[2]) == 0
    # a delivery without a count that day places the product; what is gone at the next count sold
    delivered = Events(counts=[(D[2], 2)], deliveries=[(D[1], 6)])
    assert delivered.placed(LAUNCH) == D[1] and delivered.sold(D[1], D[2]) == 4


def test_sell_through_state_pending_sold_and_not_sold() -> None:
    sells = Events(counts=[(D[0], 6), (D[1], 5)], deliveries=[(D[0], 6)])
    stays = Events(counts=[(D[0], 6), (D[1], 6), (D[11], 6)], deliveries=[(D[0], 6)])
    late = Events(counts=[(D[0], 6), (D[10], 5)], deliveries=[(D[0], 6)])  # sold, but after 60 days
    assert sell_through_state(sells, LAUNCH, D[0] - timedelta(days=1), 60) is None  # not placed yet
    assert sell_through_state(sells, LAUNCH, D[1], 60) == "sold"
    assert sell_through_state(stays, LAUNCH, D[2], 60) == "pending"  # its 60 days are still running
    assert sell_through_state(stays, LAUNCH, D[11], 60) == "not_sold"
    assert sell_through_state(late, LAUNCH, D[11], 60) == "not_sold"  # the window closed first
    assert sell_through_state(late, LAUNCH, D[11], 90) == "sold"


def test_week_ends_run_from_the_launch_week_to_today() -> None:
    assert week_ends(date(2026, 9, 2), date(2026, 9, 16)) == [date(2026, 9, 6), date(2026, 9, 13), date(2026, 9, 16)]


def _launch(session: Session) -> Sku:
    sku = Sku(code="NEW-001", name="新品 测试 330ml", name_en="New test 330ml", launch_date=LAUNCH, launch_target=0.5)
    session.add(sku)
    session.flush()
    return sku


def _count(session: Session, store_id: str, sku: Sku, day: date, units: int) -> None:
    session.add(ShelfCount(visit_id=uuid7(), store_id=store_id, sku_id=sku.id, day=day, units=units))


def _deliver(session: Session, store_id: str, sku: Sku, day: date, units: int) -> None:
    session.add(Delivery(ref=f"t:{uuid7()}", store_id=store_id, sku_id=sku.id, day=day, units=units))


def test_a_launch_over_a_team_by_hand(app_client: TestClient, session: Session, world: World) -> None:
    sku = _launch(session)
    rep0, rep1 = world.east.reps
    a, b, c = world.east.stores[rep0.username]  # a sells; b placed, never sells; c never placed
    d = world.east.stores[rep1.username][0]  # placed late: pending today (window 90 days)
    _deliver(session, a.id, sku, D[0], 6)
    _count(session, a.id, sku, D[0], 6)
    _count(session, a.id, sku, D[1], 3)
    _count(session, a.id, sku, D[2], 0)  # sold out: not on the shelf at its latest count
    _deliver(session, b.id, sku, D[0], 6)
    _count(session, b.id, sku, D[0], 6)
    _count(session, b.id, sku, D[1], 6)
    _count(session, c.id, sku, D[1], 0)  # counted, never there
    _deliver(session, d.id, sku, D[11], 6)
    _count(session, d.id, sku, D[11], 6)
    west = world.west.stores[world.west.reps[0].username][0]
    _deliver(session, west.id, sku, D[0], 6)
    _count(session, west.id, sku, D[0], 6)
    _count(session, west.id, sku, D[1], 1)  # sold, but another team's
    session.commit()

    sign_in(app_client, world.east.supervisor.username)
    launches = app_client.get("/api/insights/launches").json()["items"]
    assert launches == [{"code": "NEW-001", "name": sku.name, "name_en": sku.name_en, "launch_date": "2026-09-01",
                         "target": 0.5}]  # fmt: skip
    answer = app_client.get("/api/insights/launches/NEW-001", params={"team": world.west.team.id})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["definition"]["window_days"] == 90
    latest = body["latest"]
    assert latest["day"] == "2026-11-25"  # the fixed clock's today
    # 6 east stores; counted a, b, c, d; on the shelf: b and d (a sold out)
    assert (latest["stores"], latest["counted"], latest["on_shelf"], latest["distribution"]) == (6, 4, 2, 0.3333)
    # placed a, b, d; sold a; b's 90 days since Sep 1 ended Nov 30 > today: pending, as is d
    assert (latest["placed"], latest["sold"], latest["pending"], latest["sell_through"]) == (3, 1, 2, 0.3333)
    first_week = body["series"][0]  # Sunday Sep 6: a and b placed on Sep 1, nothing sold yet
    assert first_week["day"] == "2026-09-06"
    assert (first_week["on_shelf"], first_week["placed"], first_week["sold"]) == (2, 2, 0)
    by_rep = {r["rep"]["username"]: r for r in body["reps"]}
    assert (by_rep[rep0.username]["placed"], by_rep[rep0.username]["sold"], by_rep[rep0.username]["stores"]) == (
        2,
        1,
        3,
    )
    assert (by_rep[rep1.username]["placed"], by_rep[rep1.username]["sell_through"]) == (1, 0.0)

    exported = app_client.get("/api/insights/launches/NEW-001/csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[-1]["rep"] == rep1.username and rows[-1]["placed"] == "1"
    assert [r["day"] for r in rows if not r["rep"]][-1] == "2026-11-25"

    assert app_client.get("/api/insights/launches/NOPE").status_code == 404
    sign_in(app_client, world.admin.username)  # an admin sees both teams
    everyone = app_client.get("/api/insights/launches/NEW-001").json()["latest"]
    assert (everyone["stores"], everyone["placed"], everyone["sold"]) == (12, 4, 2)
    sign_in(app_client, rep0.username)
    assert app_client.get("/api/insights/launches/NEW-001").status_code == 403


def test_the_display_steps_stock_counts_follow_the_sync(app_client: TestClient, session: Session, world: World) -> None:
    for code in ("BEV-001", "BEV-002"):
        session.add(Sku(code=code, name=code))
    template_id, _, store = signed_in_with_templates(app_client, world, session)
    visit = Visit(app_client, Phone(), store, template_id)
    assert visit.arrive(store.lat, store.lng)["status"] == "applied"
    given = {**answers("display"), "stock": {"BEV-001": 12, "BEV-002": 0, "NOT-A-SKU": 3}}
    assert visit.complete("display", given)["status"] == "applied"
    rows = {r.sku_id: r.units for r in session.exec(select(ShelfCount).where(ShelfCount.visit_id == visit.id))}
    skus = {s.code: s.id for s in session.exec(select(Sku))}
    assert rows == {skus["BEV-001"]: 12, skus["BEV-002"]: 0}  # an unknown code is not a count
    fact = session.get(VisitFact, visit.id)
    assert fact is not None and fact.facings == 4
    assert fact.display_ok == round(2 / 3, 3)  # cooler clean, own only, price tags missing
    bad = {**answers("display"), "stock": {"BEV-001": -1}}
    assert Visit(app_client, Phone(), store, template_id).complete("display", bad)["status"] == "rejected"


def test_deliveries_import_skips_repeats_and_names_bad_lines(
    app_client: TestClient, session: Session, world: World
) -> None:
    sku = _launch(session)
    session.commit()
    store = world.east.stores[world.east.reps[0].username][0]
    body = (
        "ref,store_code,sku_code,day,units\n"
        f"A1,{store.code},NEW-001,2026-09-01,6\n"
        f"A2,{store.code},NEW-001,2026-09-08,6\n"
        f"A3,NOPE,NEW-001,2026-09-08,6\n"
        f"A4,{store.code},NEW-001,yesterday,6\n"
        f"A5,{store.code},NEW-001,2026-09-08,-2\n"
    ).encode()
    sign_in(app_client, world.admin.username)
    first = app_client.post("/api/insights/deliveries.csv", content=body, headers={"content-type": "text/csv"})
    assert first.status_code == 200, first.text
    assert (first.json()["added"], first.json()["skipped"]) == (2, 0)
    assert [p["line"] for p in first.json()["problems"]] == [4, 5, 6]
    again = app_client.post("/api/insights/deliveries.csv", content=body, headers={"content-type": "text/csv"}).json()
    assert (again["added"], again["skipped"]) == (0, 2)
    rows = session.exec(select(Delivery).where(Delivery.sku_id == sku.id)).all()
    assert sorted(r.units for r in rows) == [6, 6]
    csv_type = {"content-type": "text/csv"}
    assert (
        app_client.post("/api/insights/deliveries.csv", content=b"\xff\xfe\x00bad", headers=csv_type).status_code == 400
    )
    assert (
        app_client.post("/api/insights/deliveries.csv", content=b"store,units\nx,1\n", headers=csv_type).status_code
        == 400
    )
    sign_in(app_client, world.east.supervisor.username)
    assert app_client.post("/api/insights/deliveries.csv", content=body, headers=csv_type).status_code == 403


def test_a_launch_below_its_target_is_an_alert_for_the_team(
    app_client: TestClient, session: Session, world: World
) -> None:
    start = date(2026, 7, 1)  # its 90 days closed on Sep 29, within the last 90 days of Nov 25
    sku = Sku(code="NEW-002", name="新品 乙", launch_date=start, launch_target=0.5)
    session.add(sku)
    session.flush()
    a, b, c = world.east.stores[world.east.reps[0].username]
    for store, after in ((a, 2), (b, 6), (c, 6)):  # a sold 4 within its window, b and c nothing
        _deliver(session, store.id, sku, start, 6)
        _count(session, store.id, sku, start, 6)
        _count(session, store.id, sku, start + timedelta(days=30), after)
    session.commit()

    def low(username: str) -> list[dict[str, object]]:
        sign_in(app_client, username)
        found = app_client.get("/api/insights/alerts").json()["alerts"]
        return [x for x in found if x["kind"] == "sell_through_low"]

    east = low(world.east.supervisor.username)
    assert len(east) == 1
    assert (east[0]["sell_through"], east[0]["target"], east[0]["placed"], east[0]["sold"], east[0]["day"]) == (
        0.3333, 0.5, 3, 1, "2026-09-29")  # fmt: skip
    assert low(world.west.supervisor.username) == []  # placed in none of the west's stores
    _count(session, b.id, sku, start + timedelta(days=40), 5)  # b sold one, within its window
    session.commit()
    assert low(world.east.supervisor.username) == []  # 2 of 3 is above the target
    assert low(world.finance.username) == []  # finance does not act on launches


def test_an_admin_makes_a_sku_a_new_product_and_back(app_client: TestClient, session: Session, world: World) -> None:
    sku = Sku(code="OLD-001", name="常规品")
    session.add(sku)
    session.commit()
    sign_in(app_client, world.admin.username)
    url = f"/api/admin/catalog/skus/{sku.id}"
    made = app_client.patch(url, json={"launch_date": "2026-11-02", "launch_target": 0.6})
    assert made.status_code == 200, made.text
    assert app_client.get("/api/insights/launches").json()["items"][0] | {} == {
        "code": "OLD-001", "name": "常规品", "name_en": "", "launch_date": "2026-11-02", "target": 0.6}  # fmt: skip
    assert app_client.patch(url, json={"name": "常规品 新装"}).status_code == 200  # other fields keep the launch
    assert app_client.get("/api/insights/launches").json()["items"][0]["launch_date"] == "2026-11-02"
    assert app_client.patch(url, json={"launch_target": 1.5}).status_code == 400
    assert app_client.patch(url, json={"launch_date": "someday"}).status_code == 400
    assert app_client.patch(url, json={"launch_date": None, "launch_target": None}).status_code == 200
    assert app_client.get("/api/insights/launches").json()["items"] == []
    changes = [e.changes for e in session.exec(select(AuditEntry).where(AuditEntry.entity == "sku"))]
    assert {"launch_date": [None, "2026-11-02"], "launch_target": [None, 0.6]} in changes  # audited, as text
