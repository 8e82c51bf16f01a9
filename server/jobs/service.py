"""Enqueueing, claiming and finishing jobs. Claims are a conditional UPDATE, so several workers
(threads or processes, SQLite or PostgreSQL) never run one job twice at the same time; a job whose
worker died is claimed again when its lease runs out.

States: ``queued`` (due at ``run_after``, or waiting for a blob), ``running``, ``done``, ``dead``.
Nothing retries for ever: a job that fails ``MAX_ATTEMPTS`` times, whose handler says its input
can never be read (``GiveUp``), or that has waited longer than ``MAX_WAIT`` is ``dead`` with its
last error, and its kind's ``dead`` step tells the record it served (a claim goes to finance
flagged, a recording says it failed). An admin sees dead jobs and may ``retry`` one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from server import authz
from server.accounts.service import Actor
from server.audit import service as audit
from server.db import serialize, utcnow
from server.errors import Conflict, NotFound
from server.jobs import repository
from server.jobs.models import Job
from server.jobs.wakeup import announce
from sync import uuid7

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
MAX_WAIT = timedelta(days=14)  # waiting (a model not installed, a blob never uploaded) ends too
STATES = ("queued", "running", "done", "dead")


class Retry(Exception):
    """Raised by a handler: try again after ``delay`` (a model not installed yet, a blob not
    uploaded yet). Waiting is not a failed attempt, unless ``counts`` (an OCR engine that fails
    on this input may fail on it every time) — and no job waits longer than ``MAX_WAIT``."""

    def __init__(
        self,
        detail: str,
        delay: timedelta = timedelta(minutes=1),
        *,
        waits_for: str | None = None,
        counts: bool = False,
        looked_at: datetime | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail, self.delay, self.waits_for, self.counts = detail, delay, waits_for, counts
        self.looked_at = looked_at  # when the job found ``waits_for`` missing


class GiveUp(Exception):
    """Raised by a handler whose input can never be read: the job is dead at once, with this reason."""


@dataclass(frozen=True)
class Claimed:
    id: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime | None = None


@dataclass
class Inputs:
    """What a job's ``load`` found: ``value`` for its later steps, and the blobs it needs. A needed
    blob that has not arrived (and was not refused) makes the job wait for it until ``wait_until``
    (None: as long as any job waits, ``MAX_WAIT``); after that it goes on without it."""

    value: Any
    blobs: dict[str, Path | None] = field(default_factory=dict)  # hash -> the file, None if not here
    refused: frozenset[str] = frozenset()
    wait_until: datetime | None = None
    waiting: str = "waiting for an upload"
    delay: timedelta = timedelta(hours=6)

    def missing(self) -> list[str]:
        return [sha for sha, path in self.blobs.items() if path is None and sha not in self.refused]


@dataclass(frozen=True)
class Done:
    """``load`` found nothing left to do: the job is done with this result."""

    result: dict[str, Any] | None


@dataclass(frozen=True)
class JobKind:
    """One skeleton for every job (``server/jobs/worker.py`` runs it):

    1. ``load(session, settings, job)`` in a short transaction: ``Inputs``, or ``Done``.
    2. Wait for the blobs it needs (``Inputs.missing``) until ``Inputs.wait_until``.
    3. ``read(settings, inputs)`` outside any transaction and lock: the slow part (OCR, speech).
    4. ``write(session, settings, inputs, found)`` in the transaction that also records the job
       done, so the outcome and its effects commit together. ``write`` may raise ``Retry`` after
       writing (a model not installed: say so on the record, and wait): both commit too.
    ``dead(session, settings, job, reason)`` tells the record the job served that it gave up, in
    the transaction that records the job dead (in a savepoint: if it fails, the job is still dead).
    ``schedule(session, settings, now)``, for a job that recurs, queues its next run.
    """

    name: str
    load: Callable[[Session, Any, Claimed], Inputs | Done]
    read: Callable[[Any, Inputs], Any] = lambda _settings, _inputs: None
    write: Callable[[Session, Any, Inputs, Any], dict[str, Any] | None] = lambda _s, _settings, _i, found: found
    dead: Callable[[Session, Any, Claimed, str], None] | None = None
    # A recurring job: queues its next run (session, settings, now); each worker calls it at start,
    # and the job's own ``write`` queues the one after.
    schedule: Callable[[Session, Any, datetime], None] | None = None


KINDS: dict[str, JobKind] = {}


def register(*kinds: JobKind) -> None:
    """Called by the app for each domain's job kinds (``server/domains.py``)."""
    for kind in kinds:
        KINDS[kind.name] = kind


def enqueue(session: Session, kind: str, key: str, payload: dict[str, Any], *, waits_for: str | None = None) -> None:
    """Add a job in the caller's transaction, unless one of this kind and key exists already."""
    exists = session.execute(select(Job.id).where(Job.kind == kind, Job.key == key)).first()  # type: ignore[call-overload]
    if exists is None:
        session.add(Job(id=uuid7(), kind=kind, key=key, payload=payload, waits_for=waits_for))
        if waits_for is None:
            announce(session)


def wake(session: Session, blob_sha256: str) -> int:
    """Make the jobs waiting for this blob due now."""
    result = session.execute(
        update(Job)
        .where(Job.waits_for == blob_sha256, Job.status == "queued")  # type: ignore[arg-type]
        .values(run_after=utcnow(), waits_for=None)
    )
    woken = int(getattr(result, "rowcount", 0) or 0)
    if woken:
        announce(session)
    return woken


def _due(now: datetime) -> Any:
    return or_(
        and_(Job.status == "queued", Job.run_after <= now),  # type: ignore[arg-type]
        and_(Job.status == "running", Job.lease_until < now),  # type: ignore[arg-type, operator]
    )


class Lost(Exception):
    """Another worker took the job this one was about to claim."""


def claim(session: Session, kinds: list[str]) -> Claimed | None:
    """Take the oldest due job of these kinds, None when none is due; ``Lost`` when another worker
    took it first. The caller commits at once, so the claim is visible to other workers."""
    now = utcnow()
    row = session.execute(
        select(Job.id, Job.kind, Job.key, Job.payload, Job.attempts, Job.created_at)  # type: ignore[call-overload]
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
    if getattr(taken, "rowcount", 0) != 1:
        raise Lost(row.id)
    return Claimed(row.id, row.kind, row.key, dict(row.payload), row.attempts + 1, row.created_at)


def finish(session: Session, job_id: str, result: dict[str, Any] | None) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)  # type: ignore[arg-type]
        .values(status="done", result=result, lease_until=None, finished_at=utcnow(), last_error=None)
    )


def fail(session: Session, job: Claimed, error: str, *, retry: Retry | None = None, give_up: bool = False) -> str:
    """Record a failure and answer the job's new state: ``queued`` again (with back-off until
    MAX_ATTEMPTS; a ``Retry`` waits as it says, for at most MAX_WAIT) or ``dead``."""
    values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
    now = utcnow()
    waited_too_long = job.created_at is not None and now - job.created_at > MAX_WAIT
    counts = retry is None or retry.counts
    if give_up or (counts and job.attempts >= MAX_ATTEMPTS) or (retry is not None and waited_too_long):
        if retry is not None and waited_too_long and not give_up:
            values["last_error"] = f"gave up after waiting {MAX_WAIT.days} days: {error}"[:2000]
        values.update(status="dead", finished_at=now, waits_for=None)
    elif retry is not None:
        values.update(status="queued", run_after=now + retry.delay, waits_for=retry.waits_for)
        if not retry.counts:
            values["attempts"] = max(0, job.attempts - 1)  # waiting is not a failed attempt
    else:
        values.update(status="queued", run_after=now + timedelta(seconds=10 * 2**job.attempts))
    session.execute(update(Job).where(Job.id == job.id).values(**values))  # type: ignore[arg-type]
    waits_for = values.get("waits_for")
    if retry is not None and waits_for and _came_meanwhile(session, waits_for, retry.looked_at):
        # the blob's upload committed while the job looked: its wake-up found nobody waiting yet
        session.execute(update(Job).where(Job.id == job.id).values(run_after=now, waits_for=None))  # type: ignore[arg-type]
    return str(values.get("status"))


def _came_meanwhile(session: Session, blob_sha256: str, looked_at: datetime | None) -> bool:
    """Whether the blob arrived (or was refused) after the job found it missing. Asked after the
    job's row says it waits, under the blob's lock, which its upload holds until it commits (on
    SQLite the one writer does it): either that upload's ``wake`` finds this job waiting, or this
    sees the upload's row. A few seconds of slack cover the clocks of several machines."""
    from server.replication.models import BlobHolder

    serialize(session, f"blob:{blob_sha256}")
    since = (looked_at or utcnow()) - timedelta(seconds=5)
    query = select(BlobHolder.user_id).where(  # type: ignore[call-overload]
        BlobHolder.sha256 == blob_sha256,  # type: ignore[arg-type]
        BlobHolder.created_at >= since,  # type: ignore[arg-type]
    )
    return session.execute(query.limit(1)).first() is not None


_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s'\"`,;:]+")


def public_reason(reason: str, limit: int = 200) -> str:
    """A job's failure as a record may carry it (phones and finance read records): its first line,
    server paths taken out, short. The whole of it stays in ``last_error`` for admins."""
    first = (reason.strip().splitlines() or [""])[0]
    text = _PATH.sub("…", first)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- what admins see and do ---------------------------------------------------------------------

# A last error's kind, for the console to say in words (``last_error`` stays the detail): the
# texts are ours (``Inputs.waiting``, the OCR ``Retry``, ``fail``'s give-up, the worker's crash).
_ERROR_CODES = (
    ("waiting for ", "waiting_upload"),
    ("gave up after waiting ", "waited_too_long"),
    ("OCR failed", "ocr_failed"),
)
_CRASH = re.compile(r"^[A-Z]\w*(?:Error|Exception|Exit|Interrupt): ")


def error_code(last_error: str | None) -> str | None:
    """``waiting_upload``, ``waited_too_long``, ``ocr_failed``, ``crashed`` (an unexpected
    exception), ``failed`` (any other reason), or None without an error."""
    if not last_error:
        return None
    code = next((code for prefix, code in _ERROR_CODES if last_error.startswith(prefix)), None)
    return code or ("crashed" if _CRASH.match(last_error) else "failed")


def _record_of(payload: dict[str, Any]) -> dict[str, str] | None:
    """The synced record a job works for, named in its payload as ``<collection>_id``."""
    for name, value in payload.items():
        if name.endswith("_id") and isinstance(value, str):
            return {"collection": name.removesuffix("_id"), "id": value}
    return None


def job_view(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "key": job.key,
        "record": _record_of(job.payload),
        "state": job.status,
        "attempts": job.attempts,
        "max_attempts": MAX_ATTEMPTS,
        "last_error": job.last_error,
        "error_code": error_code(job.last_error),
        "waits_for": job.waits_for,
        "run_after": job.run_after.isoformat(),
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def list_jobs(
    session: Session,
    actor: Actor,
    *,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Jobs newest first, by state and kind, with the count of each state (admins)."""
    authz.require(actor, authz.Action.JOB_READ)
    items = [job_view(j) for j in repository.page(session, state=state, kind=kind, limit=limit, offset=offset)]
    counts = {name: 0 for name in STATES} | repository.count_by_state(session, kind=kind)
    return {"items": items, "counts": counts, "kinds": sorted(KINDS)}


def retry(session: Session, actor: Actor, job_id: str) -> dict[str, Any]:
    """Make a dead (or waiting) job due now with its attempts reset (admins); 404 when there is no
    such job, 409 ``job_running`` or ``job_done`` for one that is running or finished. The last
    error stays until it runs; the worker looks once the retry is committed."""
    authz.require(actor, authz.Action.JOB_RETRY)
    job = repository.get(session, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    state = job.status if job.status not in ("dead", "queued") else None
    if state is None and not repository.requeue(session, job_id):
        state = "running"  # a worker took it meanwhile
    if state is not None:
        raise Conflict(f"This job is {state}; only a dead or waiting job is retried.", code=f"job_{state}")
    session.refresh(job)
    audit.record(session, actor, entity="job", entity_id=job.id, action="retry", changes={"kind": job.kind})
    announce(session)
    return job_view(job)
