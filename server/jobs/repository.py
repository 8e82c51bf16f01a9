"""The queries admins' view of the jobs reads (``server/jobs/service.py`` keeps the job machinery's
own: enqueue, claim, finish, fail, wake).

Jobs are not user-scoped records: nobody but an admin reads them (``authz.Action.JOB_READ``), and
an admin reads all of them, so nothing here is narrowed by ``server/scope.py``.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlmodel import Session

from server.db import utcnow
from server.jobs.models import Job


def page(session: Session, *, state: str | None, kind: str | None, limit: int, offset: int) -> list[Job]:
    """Jobs newest first, of this state and kind (None: any)."""
    query = select(Job)
    if state:
        query = query.where(Job.status == state)  # type: ignore[arg-type]
    if kind:
        query = query.where(Job.kind == kind)  # type: ignore[arg-type]
    rows = session.execute(
        query.order_by(Job.created_at.desc(), Job.id.desc()).offset(offset).limit(limit)  # type: ignore[attr-defined]
    ).scalars()
    return list(rows)


def count_by_state(session: Session, *, kind: str | None) -> dict[str, int]:
    """How many jobs (of this kind, None: any) are in each state that has any."""
    counted = select(Job.status, func.count()).group_by(Job.status)  # type: ignore[call-overload]
    if kind:
        counted = counted.where(Job.kind == kind)
    return {status: int(n) for status, n in session.execute(counted).all()}


def get(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def requeue(session: Session, job_id: str) -> bool:
    """Make a dead or queued job due now with its attempts reset (a conditional UPDATE: a job a worker
    took meanwhile is left alone); False when it was not dead or queued any more. The last error
    stays until the job runs."""
    taken = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(("dead", "queued")))  # type: ignore[arg-type, attr-defined]
        .values(status="queued", attempts=0, run_after=utcnow(), waits_for=None, finished_at=None, lease_until=None)
    )
    return getattr(taken, "rowcount", 0) == 1
