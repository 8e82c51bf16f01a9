"""Signing in and out, sessions, creating users (limits on failed sign-ins: ``throttle``).

Services never commit: the request or command that calls them owns the
transaction.  The one exception is a failed sign-in, which is recorded in its
own short transaction because the request that carries it fails.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from server.accounts import password_policy, passwords, throttle, usernames
from server.accounts import repository as repo
from server.accounts.models import AuthSession, Role, User
from server.db import utcnow
from server.errors import Conflict, Forbidden, InvalidInput, Unauthorized
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


def login(
    session: Session, settings: Settings, *, username: str, password: str, address: str, device_id: str
) -> tuple[User, str]:
    """Sign in; the attempt is counted (``throttle``) before the password is verified. A wrong
    password and an unknown or disabled user get the same answer after the same work."""
    username = usernames.normalize(username)
    attempt = throttle.begin(settings, username[: usernames.MAX_LENGTH], address[:64])
    user = repo.user_by_username(session, username)
    if user is None:
        passwords.verify_unknown_user(password)
        attempt.failed()
    if not passwords.verify_password(user.password_hash, password) or not user.active:
        attempt.failed()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    attempt.succeeded(session)
    now = utcnow()
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
