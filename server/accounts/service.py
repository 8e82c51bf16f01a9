"""Signing in and out, sessions, rate limiting of failed sign-ins, creating users.

Services never commit: the request or command that calls them owns the
transaction.  The one exception is a failed sign-in, which is recorded in its
own short transaction because the request that carries it fails.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from server.accounts import password_policy, passwords, usernames
from server.accounts import repository as repo
from server.accounts.models import AuthSession, Role, User
from server.accounts.passwords import hash_password, needs_rehash, verify_password, verify_unknown_user
from server.db import session_scope, utcnow
from server.errors import Conflict, Forbidden, InvalidInput, TooManyRequests, Unauthorized
from server.settings import Settings

SESSION_TOUCH_INTERVAL = timedelta(minutes=10)


@dataclass(frozen=True)
class Actor:
    """Who does something, and from which device; recorded in the audit log."""

    user: User
    device_id: str = ""

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def role(self) -> Role:
        return Role(self.user.role)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _retry_after(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return int(window.total_seconds())
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def _check_rate_limits(session: Session, settings: Settings, username: str, address: str, now: datetime) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    limits = (
        ({"username": username}, settings.login_max_failures_per_account, "for this account", "login_locked_account"),
        ({"address": address}, settings.login_max_failures_per_address, "from this address", "login_locked_address"),
    )
    for who, limit, where, code in limits:
        count, oldest = repo.count_failures(session, since=now - window, **who)
        if count >= limit:
            wait = _retry_after(oldest, window, now)
            raise TooManyRequests(
                f"Too many failed sign-ins {where}. Try again in {math.ceil(wait / 60)} minute(s).",
                retry_after=wait,
                code=code,
            )


def _record_failure(settings: Settings, username: str, address: str) -> int:
    """Persist a failed attempt (own transaction) and return how many attempts the account has left."""
    from server.accounts.models import LoginFailure

    now = utcnow()
    with session_scope(settings) as own:
        own.add(LoginFailure(username=username, address=address, at=now))
        own.flush()
        repo.prune_failures(own, now - timedelta(days=1))
        count, _ = repo.count_failures(
            own, since=now - timedelta(minutes=settings.login_window_minutes), username=username
        )
    return max(0, settings.login_max_failures_per_account - count)


def login(
    session: Session, settings: Settings, *, username: str, password: str, address: str, device_id: str
) -> tuple[User, str]:
    username = usernames.normalize(username)
    now = utcnow()
    _check_rate_limits(session, settings, username, address, now)
    user = repo.user_by_username(session, username)
    if user is None:
        verify_unknown_user(password)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        left = _record_failure(settings, username, address)
        if left == 0:
            raise TooManyRequests(
                "Wrong username or password. Too many failed sign-ins for this account; "
                f"try again in {settings.login_window_minutes} minute(s).",
                retry_after=settings.login_window_minutes * 60,
                code="login_locked_account",
            )
        raise Unauthorized(
            f"Wrong username or password. {left} attempt(s) left before this account is locked "
            f"for {settings.login_window_minutes} minutes.",
            code="bad_credentials",
            extra={"attempts_left": left},
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    repo.clear_failures(session, username)
    repo.delete_expired_sessions(session, now)
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=hash_token(token),
            user_id=user.id,
            device_id=device_id[:64],
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=settings.session_days),
        )
    )
    return user, token


def logout(session: Session, token: str | None) -> None:
    if token:
        repo.delete_session(session, hash_token(token))


def user_for_token(session: Session, settings: Settings, token: str | None) -> User:
    if not token:
        raise Unauthorized("Sign in first.")
    auth = repo.session_by_hash(session, hash_token(token))
    now = utcnow()
    if auth is None or auth.expires_at <= now:
        raise Unauthorized("Your session has ended; sign in again.", code="session_expired")
    user = repo.user_by_id(session, auth.user_id)
    if user is None or not user.active:
        raise Unauthorized("This account is disabled.", code="account_disabled")
    if now - auth.last_seen_at > SESSION_TOUCH_INTERVAL:
        # Sliding expiry, written at most every few minutes to keep reads cheap.
        auth.last_seen_at = now
        auth.expires_at = now + timedelta(days=settings.session_days)
        session.add(auth)
    return user


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    team_id: str | None = None,
    password_hash: str | None = None,
) -> User:
    username = usernames.normalize(username)
    problem = usernames.problem(username)
    if problem:
        raise InvalidInput(problem, code="invalid_username")
    try:
        role = Role(role).value
    except ValueError:
        raise InvalidInput(f"Unknown role {role!r}; use one of {', '.join(r.value for r in Role)}.") from None
    if password_hash is None:
        password_policy.check(password, username=username)
    if role in (Role.rep, Role.supervisor) and team_id is None:
        raise InvalidInput(f"A {role} belongs to a team.")
    if team_id is not None and repo.team(session, team_id) is None:
        raise InvalidInput("No such team.")
    _require_distinct_username(session, username)
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        team_id=team_id,
        password_hash=password_hash or passwords.hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def _require_distinct_username(session: Session, username: str) -> None:
    """409 when the name is taken, or looks like one that is (``аdmin`` in Cyrillic beside ``admin``)."""
    if repo.user_by_username(session, username) is not None:
        raise Conflict(f"The username {username!r} is taken.", code="username_taken")
    shape = usernames.skeleton(username)
    for existing in repo.usernames(session):
        if usernames.skeleton(existing) == shape:
            raise Conflict(
                f"The username {username!r} looks like the existing {existing!r}; choose one that cannot be "
                "mistaken for it.",
                code="confusable_username",
            )


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise Forbidden("Your role cannot do this.")
