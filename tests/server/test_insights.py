"""The outcome measures on small constructed data whose answers are worked out by hand: effective
visits (each rule, the order of the reasons, per rep per day worked, the team) and claim cycle time
(local ISO weeks, regions, median and nearest-rank p90), who may see which, and bad ranges."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from litestar.testing import TestClient
from sqlmodel import Session

from server.claims.models import ClaimReview
from server.review.models import VisitReview, flag_bits
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World

DAY = date(2026, 11, 20)  # a Friday
RANGE = {"from": "2026-11-16", "to": "2026-11-22"}


def _visit(session: Session, world: World, rep_n: int, day: date, minutes: float | None, *, west: bool = False,
           flags: tuple[str, ...] = (), status: str = "pending") -> None:  # fmt: skip
    team = world.west if west else world.east
    rep = team.reps[rep_n]
    arrived = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    session.add(
        VisitReview(
            visit_id=uuid7(),
            store_id=team.stores[rep.username][0].id,
            rep_id=rep.id,
            team_id=team.team.id,
            day=day,
            arrived_at=arrived,
            checked_out_at=None if minutes is None else arrived + timedelta(minutes=minutes),
            flags=list(flags),
            flag_bits=flag_bits(list(flags)),  # as the review follower keeps them
            status=status,
        )
    )


def test_effective_visits_by_their_definition(app_client: TestClient, session: Session, world: World) -> None:
    _visit(session, world, 0, DAY, 12)  # effective
    _visit(session, world, 0, DAY, None)  # open: not checked out
    _visit(session, world, 0, DAY, 20, flags=("outside_geofence",))  # location: outside, not approved
    _visit(session, world, 0, DAY, 20, flags=("outside_geofence",), status="approved")  # effective: approved
    _visit(session, world, 0, DAY, 3)  # short: under 5 minutes
    _visit(session, world, 0, DAY, 2, flags=("location_missing",))  # location and short: location first
    _visit(session, world, 0, DAY + timedelta(days=1), 5)  # effective: exactly 5 minutes
    _visit(session, world, 1, DAY, 30)  # the other rep: effective
    _visit(session, world, 0, DAY, 30, west=True)  # another team's: never counted for the east
    session.commit()

    sign_in(app_client, world.east.supervisor.username)
    # asking for the west team still answers with the supervisor's own team
    answer = app_client.get("/api/insights/effective-visits", params={**RANGE, "team": world.west.team.id})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["definition"]["min_minutes"] == 5
    reps = {r["rep"]["username"]: r for r in body["reps"]}
    assert set(reps) == {r.username for r in world.east.reps}
    first, second = reps[world.east.reps[0].username], reps[world.east.reps[1].username]
    assert (first["days"], first["visits"], first["effective"], first["per_day"]) == (2, 7, 3, 1.5)
    assert (second["days"], second["visits"], second["effective"], second["per_day"]) == (1, 1, 1, 1.0)
    assert body["team"] == {"days": 3, "visits": 8, "effective": 4, "per_day": 1.33}
    friday = next(d for d in body["per_day"] if d["rep"] == world.east.reps[0].id and d["day"] == DAY.isoformat())
    assert friday == {"rep": world.east.reps[0].id, "day": "2026-11-20", "visits": 6, "effective": 2,
                      "open": 1, "location": 2, "short": 1}  # fmt: skip

    exported = app_client.get("/api/insights/effective-visits.csv", params=RANGE)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["day", "rep", "rep_name", "visits", "effective", "open", "location", "short"]
    assert len(rows) == 1 + 3  # three rep-days
    assert ["2026-11-20", world.east.reps[0].username, "rep user", "6", "2", "1", "2", "1"] in rows


def _claim(session: Session, world: World, submitted: datetime, read_h: float | None, decided_h: float | None,
           *, west: bool = False) -> None:  # fmt: skip
    team = world.west if west else world.east
    rep = team.reps[0]
    session.add(
        ClaimReview(
            claim_id=uuid7(),
            store_id=team.stores[rep.username][0].id,
            rep_id=rep.id,
            submitted_at=submitted,
            read_at=None if read_h is None else submitted + timedelta(hours=read_h),
            decided_at=None if decided_h is None else submitted + timedelta(hours=decided_h),
            action=None if decided_h is None else "approve",
        )
    )


def test_claim_cycle_time_per_local_week_and_region(app_client: TestClient, session: Session, world: World) -> None:
    at = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Chengdu, ISO week 47
    _claim(session, world, at, 0.5, 5)  # review 4.5 h, total 5 h
    _claim(session, world, at + timedelta(days=1), 1, 25)  # review 24, total 25
    _claim(session, world, at + timedelta(days=2), 2, None)  # read, still waiting for finance
    _claim(session, world, at + timedelta(days=3), 0.5, 11, west=True)  # review 10.5, total 11
    # Sunday 17:00 UTC is Monday 01:00 in Chengdu: week 48, by local time
    _claim(session, world, datetime(2026, 11, 22, 17, 0, tzinfo=UTC), 1, 3)  # review 2, total 3
    session.commit()

    sign_in(app_client, world.finance.username)
    answer = app_client.get("/api/insights/claim-cycle", params={"from": "2026-11-16", "to": "2026-11-29"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["definition"]["reference"] == {"claim_days_before": 47.0, "claim_days_after": 6.5,
                                               "finance_review_hours": 4.2}  # fmt: skip
    weeks = {w["week"]: w for w in body["weeks"]}
    assert set(weeks) == {"2026-W47", "2026-W48"}
    w47 = weeks["2026-W47"]
    assert (w47["submitted"], w47["decided"], w47["open"]) == (4, 3, 1)
    assert w47["total_hours"] == {"median": 11, "p90": 25}  # of 5, 11, 25: p90 is the 3rd of 3
    assert w47["review_hours"] == {"median": 10.5, "p90": 24}  # of 4.5, 10.5, 24
    assert w47["read_hours"] == {"median": 0.75, "p90": 2}  # of 0.5, 0.5, 1, 2: the 4th of 4
    assert weeks["2026-W48"]["total_hours"] == {"median": 3, "p90": 3}
    east = next(w for w in body["by_region"] if w["week"] == "2026-W47" and w["region"]["id"] == world.east.region.id)
    assert east["total_hours"] == {"median": 15, "p90": 25} and east["open"] == 1
    assert body["overall"]["total_hours"] == {"median": 8, "p90": 25}  # of 3, 5, 11, 25
    assert body["overall"]["oldest_open_hours"] is not None and body["overall"]["oldest_open_hours"] > 0

    west = app_client.get("/api/insights/claim-cycle", params={"from": "2026-11-16", "region": world.west.region.id})
    assert west.json()["overall"]["submitted"] == 1
    exported = app_client.get("/api/insights/claim-cycle.csv", params={"from": "2026-11-16", "to": "2026-11-29"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["week", "region", "submitted", "decided", "open"]
    assert ["2026-W47", "all", "4", "3", "1", "0.75", "2.0", "10.5", "24.0", "11.0", "25.0"] in [r[:11] for r in rows]


def test_who_sees_which_measure_and_bad_ranges(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    assert app_client.get("/api/insights/effective-visits").status_code == 403
    assert app_client.get("/api/insights/claim-cycle").status_code == 403
    sign_in(app_client, world.east.supervisor.username)
    assert app_client.get("/api/insights/claim-cycle").status_code == 403  # money is finance's
    assert app_client.get("/api/insights/effective-visits").status_code == 200
    sign_in(app_client, world.finance.username)
    assert app_client.get("/api/insights/effective-visits").status_code == 403
    assert app_client.get("/api/insights/claim-cycle").json()["overall"]["submitted"] == 0
    for params in ({"from": "2026-11-20", "to": "2026-11-01"}, {"from": "2026-01-01", "to": "2026-11-01"},
                   {"from": "2026-13-01"}, {"region": "x" * 37}):  # fmt: skip
        answer = app_client.get("/api/insights/claim-cycle", params=params)
        assert answer.status_code == 400, (params, answer.text)
    sign_in(app_client, world.admin.username)
    assert app_client.get("/api/insights/effective-visits", params=RANGE).json()["team"]["days"] == 0
