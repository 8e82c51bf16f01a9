"""Limits on guessing passwords, counted before a password is verified.

Every sign-in first writes a ``login_failure`` row in its own committed transaction, then counts the
rows; only an attempt still within the limits goes on to verify the password. Of N attempts racing
on one account, the k-th to commit counts at least k rows, so at most ``limit`` of them are ever
verified, on SQLite and PostgreSQL alike. A wrong password leaves its row, marked ``settled`` (it
is the failure); the right one clears the rows of its account and address in the request's
transaction; an attempt refused by a limit deletes its row again, so hammering a locked account
does not keep it locked. The limit per address counts settled failures only: forty reps signing in
at once behind one office or carrier address (CGNAT is common on Chinese mobile networks) are
never refused for each other's attempts in flight, while guesses racing on any one account stay
bounded as above.

The limits (``Settings.login_*``), all over the last ``login_window_minutes``:

- per account from one address (5): then that address may not sign in to that account, even with
  the right password, until the window passes. A stranger cannot lock a rep out of their own phone.
- per address over all accounts (30 settled failures): then that address may not sign in at all.
- per account over all addresses: past ``login_account_slowdown_after`` (10) failures, one attempt
  on the account may be verified every 1, 2, 4, ... seconds (at most
  ``login_account_slowdown_max_seconds``, 60): guessing from many addresses is slowed, the
  account is never locked for everyone.

The answers depend only on the name typed and the address, never on whether that user exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlmodel import Session

from server.accounts import repository as repo
from server.db import session_scope, utcnow
from server.errors import TooManyRequests, Unauthorized
from server.settings import Settings

KEEP_FAILURES = timedelta(days=1)
_MAX_DOUBLINGS = 30  # 2**30 s is far past any sensible maximum; keeps the arithmetic small


def _wait(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return int(window.total_seconds())
    return max(1, min(int(window.total_seconds()), math.ceil((oldest + window - now).total_seconds())))


def slowdown_seconds(settings: Settings, failures_before: int) -> int:
    """How long after the account's latest attempt the next may be verified (0: no slow-down)."""
    over = failures_before - settings.login_account_slowdown_after
    if over < 0:
        return 0
    return min(settings.login_account_slowdown_max_seconds, 2 ** min(over, _MAX_DOUBLINGS))


def _within_limits(
    session: Session, settings: Settings, username: str, address: str, now: datetime, pending: int | None
) -> repo.FailureCounts:
    """Raise ``TooManyRequests`` when one more attempt is not allowed. ``pending`` is this attempt's
    own row, already committed and so among the counted ones."""
    window = timedelta(minutes=settings.login_window_minutes)
    counts = repo.failure_counts(session, username=username, address=address, since=now - window)
    own = 0 if pending is None else 1
    if counts.pair - own >= settings.login_max_failures_per_account:
        wait = _wait(counts.pair_oldest, window, now)
        raise TooManyRequests(
            f"Too many failed sign-ins for this account. Try again in {math.ceil(wait / 60)} minute(s).",
            retry_after=wait,
            code="login_locked_account",
        )
    if counts.address >= settings.login_max_failures_per_address:  # (settled ones: never this attempt)
        wait = _wait(counts.address_oldest, window, now)
        raise TooManyRequests(
            f"Too many failed sign-ins from this address. Try again in {math.ceil(wait / 60)} minute(s).",
            retry_after=wait,
            code="login_locked_address",
        )
    delay = slowdown_seconds(settings, counts.account - own)
    if delay:
        gap = timedelta(seconds=delay)
        latest = repo.latest_failure(session, username=username, since=now - gap, excluding=pending)
        if latest is not None:
            # (an attempt racing this one may be stamped a moment after ``now``)
            wait = max(1, min(delay, math.ceil((latest + gap - now).total_seconds())))
            raise TooManyRequests(
                f"Many sign-ins to this account have failed, so they are slowed down. Try again in {wait} second(s).",
                retry_after=wait,
                code="login_slowed",
            )
    return counts


@dataclass(frozen=True)
class Attempt:
    """A sign-in allowed to verify its password; its failure row is already counted."""

    settings: Settings
    username: str
    address: str
    failure_id: int
    attempts_left: int  # after this one, should it fail
    retry_after: int  # when this account opens again from this address, should it fail

    def failed(self) -> NoReturn:
        """Raise the answer to a wrong username or password (the row stays: it is the failure, now
        of the address too)."""
        with session_scope(self.settings) as session:
            repo.settle_failure(session, self.failure_id)
        if self.attempts_left == 0:
            raise TooManyRequests(
                "Wrong username or password. Too many failed sign-ins for this account; "
                f"try again in {math.ceil(self.retry_after / 60)} minute(s).",
                retry_after=self.retry_after,
                code="login_locked_account",
            )
        raise Unauthorized(
            f"Wrong username or password. {self.attempts_left} attempt(s) left before sign-ins to this account "
            f"from this address are paused for {self.settings.login_window_minutes} minutes.",
            code="bad_credentials",
            extra={"attempts_left": self.attempts_left},
        )

    def succeeded(self, session: Session) -> None:
        """Forget this account's failures from this address (in the caller's transaction)."""
        repo.clear_failures(session, username=self.username, address=self.address)


def begin(settings: Settings, username: str, address: str) -> Attempt:
    """Count an attempt before its password is verified; ``TooManyRequests`` when over a limit."""
    with session_scope(settings) as session:  # a refusal while locked writes nothing
        _within_limits(session, settings, username, address, utcnow(), None)
    now = utcnow()
    with session_scope(settings) as session:
        repo.prune_failures(session, now - max(KEEP_FAILURES, timedelta(minutes=settings.login_window_minutes)))
        failure_id = repo.add_failure(session, username=username, address=address, at=now)
    # Counted only once our own row is committed and visible to every other attempt.
    try:
        with session_scope(settings) as session:
            now = utcnow()
            counts = _within_limits(session, settings, username, address, now, failure_id)
    except TooManyRequests:
        with session_scope(settings) as session:
            repo.delete_failure(session, failure_id)
        raise
    window = timedelta(minutes=settings.login_window_minutes)
    return Attempt(
        settings=settings,
        username=username,
        address=address,
        failure_id=failure_id,
        attempts_left=max(0, settings.login_max_failures_per_account - counts.pair),
        retry_after=_wait(counts.pair_oldest, window, now),
    )
