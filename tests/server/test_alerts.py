"""Alerts on constructed data, on the run's fixed clock (Wednesday 25 November 2026, 09:00 in
China): which stores are overdue by their own visit cycle, who did not confirm, which claims wait,
which pools are nearly spent — and that each role sees only what it can act on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from server.claims.models import BudgetPool, ClaimReview, Promotion
from server.insights.alerts import missed_since
from server.review.models import DayConfirmation, VisitReview
from server.settings import Settings
from sync import uuid7
from tests.clock import now
from tests.conftest import sign_in
from tests.factories import World

YESTERDAY, TODAY = date(2026, 11, 24), date(2026, 11, 25)


def _visit(session: Session, world: World, rep_n: int, store_n: int, day: date, *, west: bool = False) -> None:
    team = world.west if west else world.east
    rep = team.reps[rep_n]
    session.add(
        VisitReview(
            visit_id=uuid7(),
            store_id=team.stores[rep.username][store_n].id,
            rep_id=rep.id,
            team_id=team.team.id,
            day=day,
            arrived_at=datetime(day.year, day.month, day.day, 2, tzinfo=UTC),
        )
    )


def _claim(session: Session, world: World, read_hours_ago: float, *, decided: bool = False, west: bool = False) -> str:
    team = world.west if west else world.east
    rep = team.reps[0]
    read = now() - timedelta(hours=read_hours_ago)
    claim = ClaimReview(
        claim_id=uuid7(),
        store_id=team.stores[rep.username][0].id,
        rep_id=rep.id,
        submitted_at=read - timedelta(minutes=5),
        read_at=read,
        decided_at=now() if decided else None,
    )
    session.add(claim)
    return claim.claim_id


def _pool(session: Session, name: str, amount: int, spent: int, ends: date) -> None:
    promo = Promotion(code=f"P-{uuid7()[-8:]}", name=name, starts_on=date(2026, 11, 1), ends_on=ends)
    session.add(promo)
    session.flush()
    session.add(BudgetPool(promotion_id=promo.id, name=name, starts_on=date(2026, 11, 1), ends_on=ends,
                           amount_cents=amount, spent_cents=spent))  # fmt: skip


def test_missed_visits_follow_the_stores_own_cycle() -> None:
    daily = "1,2,3,4,5,6,7"
    assert missed_since(daily, 1, "2026-01-05", YESTERDAY, YESTERDAY, 2) == 0  # seen yesterday
    assert missed_since(daily, 1, "2026-01-05", date(2026, 11, 23), YESTERDAY, 2) == 1
    assert missed_since(daily, 1, "2026-01-05", date(2026, 11, 10), YESTERDAY, 2) == 2  # stops at enough
    assert missed_since("3", 1, "2026-01-05", None, YESTERDAY, 5) == 5  # Wednesdays, never visited
    # every other Monday from the 23rd: the 9th and the 23rd are planned, the 16th is not
    assert missed_since("1", 2, "2026-11-23", date(2026, 11, 9), YESTERDAY, 5) == 1
    assert missed_since("", 1, "2026-01-05", None, YESTERDAY, 2) == 0  # no cycle, never due


def test_alerts_for_whoever_can_act(
    app_client: TestClient, session: Session, settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    east = world.east
    a, b, c = east.stores[east.reps[0].username]
    a.visit_days = b.visit_days = "1,2,3,4,5,6,7"  # daily
    c.visit_days = "3"  # Wednesdays, never visited: the 18th and the 11th missed
    other = east.stores[east.reps[1].username][0]
    other.visit_days, other.cycle_weeks, other.cycle_anchor = "1", 2, "2026-11-23"  # missed only the 23rd
    west_store = world.west.stores[world.west.reps[0].username][0]
    west_store.visit_days = "1,2,3,4,5,6,7"  # overdue, but another team's
    for store in (a, b, c, other, west_store):
        session.add(store)
    _visit(session, world, 0, 0, YESTERDAY)  # store a seen yesterday; rep 0 did not confirm
    _visit(session, world, 0, 0, TODAY)
    _visit(session, world, 0, 1, date(2026, 11, 21))  # store b: the 22nd, 23rd and 24th missed
    _visit(session, world, 1, 0, date(2026, 11, 9))
    _visit(session, world, 1, 1, YESTERDAY)  # rep 1 worked yesterday and confirmed
    session.add(DayConfirmation(id=uuid7(), rep_id=east.reps[1].id, team_id=east.team.id, day=YESTERDAY,
                                confirmed_at="2026-11-24T19:00:00+08:00"))  # fmt: skip
    late = _claim(session, world, 50)
    _claim(session, world, 10)  # not waiting long enough
    _claim(session, world, 80, decided=True)
    west_late = _claim(session, world, 60, west=True)
    _pool(session, "冬季陈列", 1000_00, 950_00, date(2026, 12, 31))  # 5 % left
    _pool(session, "春节堆头", 1000_00, 100_00, date(2026, 12, 31))
    _pool(session, "国庆", 1000_00, 999_00, YESTERDAY)  # closed: no alert
    session.commit()

    sign_in(app_client, east.supervisor.username)
    body = app_client.get("/api/insights/alerts").json()
    assert body["definition"] == {"overdue_cycles": 2, "confirm_by": "20:00", "claim_hours": 48, "pool_left": 0.1,
                                  "sell_through_target": 0.5, "sell_through_days": 90}  # fmt: skip
    kinds = [x["kind"] for x in body["alerts"]]
    assert kinds == ["claim_waiting", "day_unconfirmed", "store_overdue", "store_overdue"], kinds
    assert body["alerts"][0]["claim"] == late and body["alerts"][0]["hours"] == 50
    rep0 = {"id": east.reps[0].id, "username": east.reps[0].username, "name": "rep user"}
    assert body["alerts"][1] == {"kind": "day_unconfirmed", "rep": rep0, "day": "2026-11-24", "visits": 1}
    overdue = {x["store"]["id"]: x for x in body["alerts"] if x["kind"] == "store_overdue"}
    assert set(overdue) == {b.id, c.id}
    assert overdue[c.id]["last_visit"] is None and overdue[c.id]["missed"] == 2
    assert overdue[b.id]["last_visit"] == "2026-11-21"
    assert list(overdue) == [c.id, b.id]  # never visited first, then the longest since a visit

    # after the confirmation time, today's unconfirmed day is an alert too
    monkeypatch.setattr(settings, "alert_confirm_by", "08:30")
    days = [x["day"] for x in app_client.get("/api/insights/alerts").json()["alerts"] if x["kind"] == "day_unconfirmed"]
    assert days == ["2026-11-24", "2026-11-25"]

    sign_in(app_client, world.finance.username)
    body = app_client.get("/api/insights/alerts").json()
    waiting = [x["claim"] for x in body["alerts"] if x["kind"] == "claim_waiting"]
    assert waiting == [west_late, late]  # every region's, the longest waiting first
    pools = [x for x in body["alerts"] if x["kind"] == "pool_nearly_spent"]
    assert [p["pool"]["name"] for p in pools] == ["冬季陈列"] and pools[0]["left_cents"] == 50_00
    assert {x["kind"] for x in body["alerts"]} == {"claim_waiting", "pool_nearly_spent"}  # no stores, no days

    sign_in(app_client, east.reps[0].username)
    assert app_client.get("/api/insights/alerts").status_code == 403
