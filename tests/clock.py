"""The one clock of a test run: the server, the demo seed and every browser read it.

The run starts on a fixed Wednesday morning in China; from there time runs at the machine's pace,
so the whole suite (well under an hour) stays on that day whatever the machine's date is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from server import clock

CHINA = ZoneInfo("Asia/Shanghai")
CLOCK = datetime(2026, 11, 25, 9, 0, tzinfo=CHINA)  # a Wednesday
CLOCK_ENV = {"FIELDVISIT_CLOCK": CLOCK.isoformat()}

clock.start(CLOCK)  # this process (factories, helpers) reads the same clock as the servers it starts


def now() -> datetime:
    """Now on the run's clock, in China."""
    return clock.now().astimezone(CHINA)


def today() -> date:
    """The business day (in China) on the run's clock."""
    return now().date()


def local_naive(delta: timedelta = timedelta(0)) -> datetime:
    """Wall-clock time in China without a zone (what a watermark or receipt prints), plus ``delta``."""
    return (now() + delta).replace(tzinfo=None)


def install(context):  # type: ignore[no-untyped-def]
    """Give a browser context the run's clock (it runs on from now, timers untouched)."""
    context.clock.install(time=clock.now())
    return context
