"""Alerts on the rep's route, evaluated by a durable job and synced to the phone, so a rep sees
them offline at the first stop of the morning.

The ``insights.rep_alerts`` job runs once a day (each run queues the next for 05:00 local time
the next morning) and whenever an admin asks. For each rep it evaluates the rules that concern
the rep (``store_overdue`` for their stores: a store planned on ``alert_overdue_cycles`` visit days
since its last visit, none visited) and publishes each as an ``alert`` record to that rep's phone
(and the supervisor's), in both languages with what to do; one no longer true is published
``active: false`` and the route stops showing it. The supervisor's and finance's alerts stay evaluated on
request (``alerts.py``): they read them online, and want them current to the minute.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from server.accounts.models import Role, User
from server.db import utcnow
from server.insights.alerts import overdue
from server.jobs.models import Job
from server.jobs.service import Claimed, Inputs, JobKind
from server.replication.models import SyncRecord
from server.replication.publish import publish_records
from server.settings import Settings
from sync import Collection, Field, Policy, Scope, uuid7

REP_ALERTS = "insights.rep_alerts"
FIELDS = ("kind", "store_id", "text", "text_en", "active", "at")
ALERT = Collection("alert", {f: Field(Policy.SERVER) for f in FIELDS}, device_writable=False)
_IDS = uuid.UUID("5b0c3c1e-6a52-4a53-9f3e-1f0c2a9d7e11")
RUN_AT = (5, 0)  # local time of the daily run


def _id(rep_id: str, kind: str, subject: str) -> str:
    """One record per rep, rule and subject: the same alert tomorrow updates it, never repeats it."""
    return str(uuid.uuid5(_IDS, f"{rep_id}:{kind}:{subject}"))


def _texts(alert: dict[str, Any]) -> dict[str, str]:
    store, n = alert["store"], alert["missed"]
    last = alert["last_visit"] or "—"
    return {  # one text per language, what to do on its second line
        "text": f"{store['name']}（{store['code']}）已连续错过 {n} 次计划拜访，上次拜访：{last}\n"
        "今天去拜访，或告诉主管原因。",
        "text_en": f"{store['name']} ({store['code']}) missed {n} planned visits; last visit: {last}\n"
        "Visit it today, or tell your supervisor why not.",
    }


def evaluate(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Every rep's route alerts, published; the ones that stopped being true made inactive."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    reps = list(session.exec(select(User).where(User.role == Role.rep.value, col(User.active).is_(True))))
    items = []
    current: set[str] = set()
    for rep in reps:
        for alert in overdue(session, settings, [rep], today):
            record_id = _id(rep.id, alert["kind"], alert["store"]["id"])
            current.add(record_id)
            values = {"kind": alert["kind"], "store_id": alert["store"]["id"], **_texts(alert), "active": True,
                      "at": now.isoformat()}  # fmt: skip
            items.append((record_id, values, Scope(rep.id, rep.team_id)))
    teams = {r.id: r.team_id for r in reps}
    stale = session.exec(
        select(SyncRecord).where(SyncRecord.collection == ALERT.name, col(SyncRecord.deleted).is_(False))
    )
    for row in stale:
        if row.id not in current and row.fields.get("active"):
            items.append((row.id, {**row.fields, "active": False}, Scope(row.rep_id, teams.get(row.rep_id or ""))))
    written = publish_records(session, ALERT, items)
    return {"active": len(current), "written": written}


def next_run(settings: Settings, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(settings.timezone))
    run = local.replace(hour=RUN_AT[0], minute=RUN_AT[1], second=0, microsecond=0)
    return run if run > local else run + timedelta(days=1)


def schedule(session: Session, settings: Settings, now: datetime) -> None:
    """The next daily run, unless one is queued already."""
    at = next_run(settings, now)
    key = f"daily:{at.date().isoformat()}"
    exists = session.exec(select(Job.id).where(Job.kind == REP_ALERTS, Job.key == key)).first()
    if exists is None:
        session.add(Job(id=uuid7(), kind=REP_ALERTS, key=key, payload={}, run_after=at))


def _load(session: Session, settings: Settings, job: Claimed) -> Inputs:
    return Inputs(value=None)


def _write(session: Session, settings: Settings, inputs: Inputs, found: Any) -> dict[str, Any]:
    now = utcnow()
    result = evaluate(session, settings, now)
    schedule(session, settings, now + timedelta(minutes=1))
    return result


REP_ALERTS_JOB = JobKind(REP_ALERTS, load=_load, write=_write, schedule=schedule)
