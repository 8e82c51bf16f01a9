"""The job worker: a loop that claims due jobs and runs each through its kind's skeleton
(``JobKind``: load → wait for blobs → read outside any transaction → write, the job's outcome
committed with its effects). In the embedded setup a thread of the web server runs it; in
production ``fieldvisit worker`` processes do."""

from __future__ import annotations

import logging
import threading
import traceback

from sqlalchemy import make_url
from sqlmodel import Session

from server.db import session_scope, utcnow
from server.jobs import service, wakeup
from server.jobs.service import Claimed, Done, GiveUp, JobKind, Retry
from server.jobs.wakeup import poke
from server.settings import Settings

log = logging.getLogger("fieldvisit.jobs")
__all__ = ["Worker", "poke", "run_one", "run_pending"]


def _claim(settings: Settings, kinds: list[str]) -> Claimed | None:
    for _ in range(5):  # another worker may win the race for a row; then look again
        try:
            with session_scope(settings) as session:
                return service.claim(session, kinds)
        except service.Lost:
            continue
    return None


def run_one(settings: Settings, kinds: list[str] | None = None) -> bool:
    """Claim and run one due job; False when there was none."""
    job = _claim(settings, kinds or sorted(service.KINDS))
    if job is None:
        return False
    kind = service.KINDS[job.kind]
    try:
        _run(settings, kind, job)
    except Retry as retry:
        log.info("job %s %s waits: %s", job.kind, job.key, retry.detail)
        _failed(settings, kind, job, retry.detail, retry.detail, retry=retry)
    except GiveUp as exc:
        _failed(settings, kind, job, str(exc), str(exc), give_up=True)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("job %s %s failed (attempt %d): %s", job.kind, job.key, job.attempts, reason)
        _failed(settings, kind, job, f"{reason}\n{traceback.format_exc(limit=3)}", reason)
    return True


def _run(settings: Settings, kind: JobKind, job: Claimed) -> None:
    looked_at = utcnow()
    with session_scope(settings) as session:
        inputs = kind.load(session, settings, job)
    if isinstance(inputs, Done):
        with session_scope(settings) as session:
            service.finish(session, job.id, inputs.result)
        return
    missing = inputs.missing()
    if missing and (inputs.wait_until is None or utcnow() < inputs.wait_until):
        raise Retry(inputs.waiting, inputs.delay, waits_for=missing[0], looked_at=looked_at)
    found = kind.read(settings, inputs)  # the slow part: no transaction, no lock
    with session_scope(settings) as session:
        try:
            result = kind.write(session, settings, inputs, found)
        except Retry as retry:  # what the write noted commits with the job's new state
            log.info("job %s %s waits: %s", job.kind, job.key, retry.detail)
            if service.fail(session, job, retry.detail, retry=retry) == "dead":
                _dead(session, settings, kind, job, retry.detail)
            return
        service.finish(session, job.id, result)


def _failed(
    settings: Settings,
    kind: JobKind,
    job: Claimed,
    error: str,
    reason: str,
    *,
    retry: Retry | None = None,
    give_up: bool = False,
) -> None:
    with session_scope(settings) as session:
        if service.fail(session, job, error, retry=retry, give_up=give_up) == "dead":
            _dead(session, settings, kind, job, reason)


def _dead(session: Session, settings: Settings, kind: JobKind, job: Claimed, reason: str) -> None:
    """A job gave up: say so in the log, and let its kind tell the record it served, in the same
    transaction (a savepoint: if telling fails, the job is dead all the same)."""
    log.error("job %s %s is dead after %d attempt(s): %s", job.kind, job.key, job.attempts, reason)
    if kind.dead is None:
        return
    try:
        with session.begin_nested():
            kind.dead(session, settings, job, reason)
    except Exception:  # the job stays dead and visible to admins; the hook's trouble goes to the log
        log.exception("job %s %s: telling its record that it is dead failed", job.kind, job.key)


def run_pending(settings: Settings, kinds: list[str] | None = None, limit: int = 1000) -> int:
    """Run due jobs until none is left (tests and the command line)."""
    done = 0
    while done < limit and run_one(settings, kinds):
        done += 1
    return done


def schedule_recurring(settings: Settings) -> None:
    """Queue the next run of every recurring job kind (a worker starting; idempotent)."""
    for kind in list(service.KINDS.values()):
        if kind.schedule is None:
            continue
        try:
            with session_scope(settings) as session:
                kind.schedule(session, settings, utcnow())
        except Exception:  # never keeps the worker from starting; the next start tries again
            log.exception("job %s: scheduling its next run failed", kind.name)


class Worker:
    def __init__(self, settings: Settings, name: str = "fv-jobs") -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        url = settings.resolved_database_url()
        # on PostgreSQL, other processes' new work wakes this one (LISTEN/NOTIFY); polling stays
        self._listener = wakeup.Listener(url, self._stop) if make_url(url).get_backend_name() == "postgresql" else None

    def start(self) -> None:
        if self._listener is not None:
            self._listener.start()
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        poke()
        self._thread.join(timeout)
        if self._listener is not None:
            self._listener.join(timeout)

    def _loop(self) -> None:
        schedule_recurring(self.settings)
        while not self._stop.is_set():
            try:
                busy = run_one(self.settings)
            except Exception:  # the database is away for a moment: keep the worker alive
                log.exception("job worker could not reach the database")
                busy = False
            if not busy:
                wakeup.wait(self.settings.jobs_poll_seconds)
