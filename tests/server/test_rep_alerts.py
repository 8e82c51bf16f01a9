"""Alerts on the rep's route: the daily job evaluates each rep's overdue stores and syncs them to
that rep's phone (both languages, what to do on the second line), never to another rep's; an
alert whose cause went away leaves the phone; the job queues its next morning's run."""

from __future__ import annotations

from datetime import UTC, date, datetime

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.db import utcnow
from server.insights import rep_alerts
from server.jobs.models import Job
from server.jobs.worker import run_pending
from server.review.models import VisitReview
from server.settings import Settings
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import pull_all


def _alerts(client: TestClient, username: str) -> list[dict[str, object]]:
    sign_in(client, username)
    seen, _ = pull_all(client)
    return [c for (collection, _), c in seen.items() if collection == "alert" and not c.get("deleted")]


def test_the_daily_job_puts_overdue_stores_on_the_reps_route(
    app_client: TestClient, session: Session, settings: Settings, world: World
) -> None:
    rep, other = world.east.reps
    store = world.east.stores[rep.username][0]
    store.visit_days = "1,2,3,4,5,6,7"  # daily, never visited: overdue
    session.add(store)
    session.add(Job(id=uuid7(), kind=rep_alerts.REP_ALERTS, key="now", payload={}))
    session.commit()
    assert run_pending(settings) == 1  # the run that was due; the next waits for tomorrow 05:00

    mine = _alerts(app_client, rep.username)
    assert len(mine) == 1
    fields = mine[0]["fields"]
    assert fields["kind"] == "store_overdue" and fields["store_id"] == store.id and fields["active"] is True
    assert f"（{store.code}）已连续错过 2 次计划拜访" in fields["text"] and "\n今天去拜访" in fields["text"]
    assert f"({store.code}) missed 2 planned visits" in fields["text_en"]
    assert _alerts(app_client, other.username) == []  # another rep's phone never gets it
    queued = session.exec(select(Job).where(Job.kind == rep_alerts.REP_ALERTS, Job.status == "queued")).all()
    assert [j.key for j in queued] == ["daily:2026-11-26"]  # tomorrow morning, China time
    assert queued[0].run_after.replace(tzinfo=UTC) == datetime(2026, 11, 25, 21, 0, tzinfo=UTC)

    # the rep visits it: the next evaluation takes the alert off their phone
    session.add(VisitReview(visit_id=uuid7(), store_id=store.id, rep_id=rep.id, team_id=rep.team_id,
                            day=date(2026, 11, 24), arrived_at=utcnow()))  # fmt: skip
    session.commit()
    rep_alerts.evaluate(session, settings, utcnow())
    session.commit()
    sign_in(app_client, rep.username)
    seen, _ = pull_all(app_client)
    assert seen[("alert", mine[0]["id"])]["fields"]["active"] is False  # the route stops showing it
