"""The one clock of a test run: the server, the demo seed and every browser read it.

The run starts on a fixed Wednesday morning in China; from there time runs at the machine's pace,
so the whole suite (well under an hour) stays on that day whatever the machine's date is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
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


# Chromium stamps GPS fixes with the machine's clock, which Playwright's clock does not move: shift
# them by the same amount, as on a phone whose one clock reads the run's time.
_GPS_SHIFT = """(() => {
  const shift = %d;
  const geo = navigator.geolocation;
  if (!geo) return;
  const moved = (p) => ({ coords: p.coords, timestamp: p.timestamp + shift, toJSON: () => ({}) });
  const wrap = (ok) => (p) => ok(moved(p));
  const get = geo.getCurrentPosition.bind(geo), watch = geo.watchPosition.bind(geo);
  geo.getCurrentPosition = (ok, err, opts) => get(wrap(ok), err, opts);
  geo.watchPosition = (ok, err, opts) => watch(wrap(ok), err, opts);
})();"""


def install(context):  # type: ignore[no-untyped-def]
    """Give a browser context the run's clock (it runs on from now, timers untouched)."""
    shift_ms = round((clock.now() - datetime.now(UTC)).total_seconds() * 1000)
    context.add_init_script(_GPS_SHIFT % shift_ms)
    context.clock.install(time=clock.now())
    return context
