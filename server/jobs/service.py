"""Enqueueing, claiming and finishing jobs. Claims are a conditional UPDATE, so several workers
(threads or processes, SQLite or PostgreSQL) never run one job twice at the same time; a job whose
worker died is claimed again when its lease runs out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from server.db import utcnow
from server.jobs.models import Job
from sync import uuid7

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5


class Retry(Exception):
    """Raised by a handler: try again after ``delay`` (a model not installed yet, a database hiccup)."""

    def __init__(self, detail: str, delay: timedelta = timedelta(minutes=1), *, waits_for: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.delay, self.waits_for = detail, delay, waits_for


@dataclass(frozen=True)
class Claimed:
    id: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int


Handler = Callable[[Any, Claimed], dict[str, Any] | None]  # (settings, job) -> result
HANDLERS: dict[str, Handler] = {}


def enqueue(session: Session, kind: str, key: str, payload: dict[str, Any], *, waits_for: str | None = None) -> None:
    """Add a job in the caller's transaction, unless one of this kind and key exists already."""
    exists = session.execute(select(Job.id).where(Job.kind == kind, Job.key == key)).first()  # type: ignore[call-overload]
    if exists is None:
        session.add(Job(id=uuid7(), kind=kind, key=key, payload=payload, waits_for=waits_for))


def wake(session: Session, blob_sha256: str) -> int:
    """Make the jobs waiting for this blob due now."""
    result = session.execute(
        update(Job)
        .where(Job.waits_for == blob_sha256, Job.status == "queued")  # type: ignore[arg-type]
        .values(run_after=utcnow(), waits_for=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _due(now: datetime) -> Any:
    return or_(
        and_(Job.status == "queued", Job.run_after <= now),  # type: ignore[arg-type]
        and_(Job.status == "running", Job.lease_until < now),  # type: ignore[arg-type, operator]
    )


def claim(session: Session, kinds: list[str]) -> Claimed | None:
    """Take the oldest due job of these kinds; commits, so the claim is visible to other workers."""
    now = utcnow()
    for _ in range(5):  # another worker may win the race for a row; then look again
        row = session.execute(
            select(Job.id, Job.kind, Job.key, Job.payload, Job.attempts)  # type: ignore[call-overload]
            .where(_due(now), Job.kind.in_(kinds))  # type: ignore[attr-defined]
            .order_by(Job.run_after)
            .limit(1)
        ).first()
        if row is None:
            return None
        taken = session.execute(
            update(Job)
            .where(Job.id == row.id, _due(now))  # type: ignore[arg-type]
            .values(status="running", lease_until=now + LEASE, attempts=Job.attempts + 1)
        )
        session.commit()
        if getattr(taken, "rowcount", 0) == 1:
            return Claimed(row.id, row.kind, row.key, dict(row.payload), row.attempts + 1)
    return None


def finish(session: Session, job_id: str, result: dict[str, Any] | None) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)  # type: ignore[arg-type]
        .values(status="done", result=result, lease_until=None, finished_at=utcnow(), last_error=None)
    )


def fail(session: Session, job: Claimed, error: str, *, retry: Retry | None = None) -> None:
    """Record a failure: retried with back-off until MAX_ATTEMPTS, except a ``Retry``, which waits freely."""
    values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
    if retry is not None:
        values.update(status="queued", run_after=utcnow() + retry.delay, waits_for=retry.waits_for)
        values["attempts"] = max(0, job.attempts - 1)  # waiting is not a failed attempt
    elif job.attempts >= MAX_ATTEMPTS:
        values.update(status="failed", finished_at=utcnow())
    else:
        values.update(status="queued", run_after=utcnow() + timedelta(seconds=10 * 2**job.attempts))
    session.execute(update(Job).where(Job.id == job.id).values(**values))  # type: ignore[arg-type]
