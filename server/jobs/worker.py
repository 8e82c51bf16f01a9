"""The job worker: a loop that claims due jobs and runs their handlers. In the embedded setup a
thread of the web server runs it; in production ``fieldvisit worker`` processes do."""

from __future__ import annotations

import logging
import threading
import traceback

from server.db import session_scope
from server.jobs import service
from server.settings import Settings

log = logging.getLogger("fieldvisit.jobs")
_wakeup = threading.Event()


def poke() -> None:
    """New work in this process: look at once instead of at the next poll."""
    _wakeup.set()


def run_one(settings: Settings, kinds: list[str] | None = None) -> bool:
    """Claim and run one due job; False when there was none."""
    kinds = kinds or sorted(service.HANDLERS)
    with session_scope(settings) as session:
        job = service.claim(session, kinds)
    if job is None:
        return False
    handler = service.HANDLERS[job.kind]
    try:
        result = handler(settings, job)
    except service.Retry as retry:
        log.info("job %s %s waits: %s", job.kind, job.key, retry.detail)
        with session_scope(settings) as session:
            state = service.fail(session, job, retry.detail, retry=retry)
        reason = retry.detail
    except service.GiveUp as exc:
        reason = str(exc)
        with session_scope(settings) as session:
            state = service.fail(session, job, reason, give_up=True)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("job %s %s failed (attempt %d): %s", job.kind, job.key, job.attempts, reason)
        with session_scope(settings) as session:
            state = service.fail(session, job, f"{reason}\n{traceback.format_exc(limit=3)}")
    else:
        with session_scope(settings) as session:
            service.finish(session, job.id, result)
        return True
    if state == "dead":
        _dead(settings, job, reason)
    return True


def _dead(settings: Settings, job: service.Claimed, reason: str) -> None:
    """A job gave up: say so in the log, and let its kind tell the record it served."""
    log.error("job %s %s is dead after %d attempt(s): %s", job.kind, job.key, job.attempts, reason)
    hook = service.ON_DEAD.get(job.kind)
    if hook is None:
        return
    try:
        hook(settings, job, reason)
    except Exception:  # the job stays dead and visible to admins; the hook's trouble goes to the log
        log.exception("job %s %s: telling its record that it is dead failed", job.kind, job.key)


def run_pending(settings: Settings, kinds: list[str] | None = None, limit: int = 1000) -> int:
    """Run due jobs until none is left (tests and the command line)."""
    done = 0
    while done < limit and run_one(settings, kinds):
        done += 1
    return done


class Worker:
    def __init__(self, settings: Settings, name: str = "fv-jobs") -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        _wakeup.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = run_one(self.settings)
            except Exception:  # the database is away for a moment: keep the worker alive
                log.exception("job worker could not reach the database")
                busy = False
            if not busy:
                _wakeup.wait(self.settings.jobs_poll_seconds)
                _wakeup.clear()
