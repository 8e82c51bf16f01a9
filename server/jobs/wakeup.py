"""Waking job workers: at once in this process, through PostgreSQL ``LISTEN/NOTIFY`` in every other.

A transaction that makes work due (a job enqueued, a blob a job waited for arrived, an admin's
retry) calls ``announce``: once it commits, this process's worker looks at once, and on PostgreSQL
the ``NOTIFY`` it queued reaches every process listening (``Listener``: the web servers' embedded
workers and ``fieldvisit worker`` processes, on any machine). PostgreSQL sends a transaction's
notifications only if it commits, and folds identical ones into one. Polling every
``jobs_poll_seconds`` stays as the fallback (SQLite, a listener reconnecting).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import make_url, text
from sqlmodel import Session

from server.db import after_commit

log = logging.getLogger("fieldvisit.jobs")
CHANNEL = "fieldvisit_jobs"
_wakeup = threading.Event()


def poke() -> None:
    """New work in this process: look at once instead of at the next poll."""
    _wakeup.set()


def wait(seconds: float) -> None:
    """Until poked (from here or, through the listener, from another process) or ``seconds`` pass."""
    _wakeup.wait(seconds)
    _wakeup.clear()


def announce(session: Session) -> None:
    """Wake the workers once this unit of work commits."""
    after_commit(session, poke)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


class Listener:
    """A thread with its own PostgreSQL connection, waiting for ``NOTIFY fieldvisit_jobs``."""

    def __init__(self, database_url: str, stop: threading.Event) -> None:
        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._stop = stop
        self._thread = threading.Thread(target=self._loop, name="fv-jobs-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _loop(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    poke()  # anything announced while we were not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            poke()
            except Exception as exc:  # the database is away: poll until it is back
                log.warning("job wake-ups: listening failed (%s); polling meanwhile", exc)
                self._stop.wait(5)
