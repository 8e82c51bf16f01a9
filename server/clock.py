"""The server's one clock.

Every "now" on the server (records, sessions, jobs, the demo's history, "today" on the dashboard)
comes from ``now()``. Normally it is the machine's clock. ``start(at)`` (the ``FIELDVISIT_CLOCK``
setting) makes it read ``at`` at that moment and run on from there at the machine's pace, so a test
run, its seed and its browser agree on one day whatever the machine's date is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.schema import use_clock

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """Aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC) + _offset


def freeze(at: datetime | None) -> None:
    """Stop the clock at ``at`` (tests that step time by hand); None lets it run on as before."""
    global _frozen
    _frozen = at


def start(at: datetime | None) -> None:
    """Make ``now()`` read ``at`` (aware) from this moment on; None goes back to the machine's clock."""
    global _offset
    if at is None:
        _offset = timedelta(0)
        return
    if at.tzinfo is None:
        raise ValueError("the clock needs a time zone, e.g. 2026-11-25T10:00:00+08:00")
    _offset = at - datetime.now(UTC)


# The sync library's window of plausible times (sync.schema) follows this clock.
use_clock(now)
