"""Signing in and out, sessions, creating users (limits on failed sign-ins: ``throttle``).

Services never commit: the request or command that calls them owns the
transaction.  The one exception is a failed sign-in, which is recorded in its
own short transaction because the request that carries it fails.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from server.accounts import password_policy, passwords, throttle, usernames
from server.accounts import repository as repo
from server.accounts.models import AuthSession, Region, Role, Team, User
from server.db import utcnow
from server.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
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
        raise InvalidInput(f"A {role} belongs to a team.", code="team_required")
    if team_id is not None:
        _team_or_400(session, team_id)
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


# ---- the admin console: users, regions and teams -------------------------------------------------


def _user(session: Session, user_id: str) -> User:
    user = repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _team_or_400(session: Session, team_id: str) -> None:
    if repo.team(session, team_id) is None:
        raise InvalidInput("No such team.", code="unknown_team")


def _end_sessions(session: Session, user: User) -> int:
    return repo.delete_sessions_of(session, user.id)


def update_user(session: Session, actor: Actor, user_id: str, values: dict[str, Any]) -> tuple[User, dict[str, Any]]:
    """Change a user's display name, role, team or whether they may sign in. Returns the user and
    the changes (``{field: [old, new]}``, plus ``sessions_ended`` when their sessions ended).

    A user who is disabled, or whose role or team changes, is signed out everywhere: what their
    phone may see has changed. An admin cannot disable or demote themselves (409 ``own_account``);
    a rep who still has stores keeps the role rep until they are given to others (409
    ``rep_has_stores``). A rep moving to another team takes their stores (and what follows them)
    into the new team's scope."""
    from server.stores import repository as stores_repo

    require_role(actor, Role.admin)
    user = _user(session, user_id)
    if "display_name" in values:
        name = (values["display_name"] or "").strip()
        values["display_name"] = name or user.username
    role = Role(values.get("role", user.role)).value
    team_id = values.get("team_id", user.team_id)
    if user.id == actor.user_id and (values.get("active") is False or role != user.role):
        raise Conflict("You cannot disable your own account or change your own role.", code="own_account")
    if role in (Role.rep, Role.supervisor) and not team_id:
        raise InvalidInput(f"A {role} belongs to a team.", code="team_required")
    if team_id and team_id != user.team_id:
        _team_or_400(session, team_id)
    stores = stores_repo.by_rep(session, user.id) if user.role == Role.rep.value else []
    if stores and role != Role.rep.value:
        raise Conflict(
            f"{user.username} still has {len(stores)} store(s); give them to other reps first.",
            code="rep_has_stores",
            extra={"stores": len(stores)},
        )
    before = {"display_name": user.display_name, "role": user.role, "team_id": user.team_id, "active": user.active}
    user.display_name = values.get("display_name", user.display_name)
    user.role = role
    user.team_id = team_id or None
    if "active" in values and values["active"] is not None:
        user.active = bool(values["active"])
    after = {"display_name": user.display_name, "role": user.role, "team_id": user.team_id, "active": user.active}
    changes: dict[str, Any] = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return user, changes
    session.add(user)
    session.flush()
    # What their phone may see changed (a rep's follows them, not their team): they sign in again.
    moved_lead = "team_id" in changes and user.role == Role.supervisor.value
    if ("active" in changes and not user.active) or "role" in changes or moved_lead:
        changes["sessions_ended"] = _end_sessions(session, user)
    if "team_id" in changes and stores:
        from server.replication.rescope import follow_stores
        from server.stores.publish import publish_stores

        publish_stores(session, stores)
        follow_stores(session, stores)
    return user, changes


def reset_password(session: Session, actor: Actor, user_id: str, password: str) -> tuple[User, int]:
    """Set a new password (the password policy applies); the user's sessions end and failed sign-ins
    on the account are forgotten. Returns the user and how many sessions ended."""
    require_role(actor, Role.admin)
    user = _user(session, user_id)
    password_policy.check(password, username=user.username)
    user.password_hash = passwords.hash_password(password)
    session.add(user)
    repo.clear_failures_of(session, user.username)
    return user, _end_sessions(session, user)


def _name(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"A {what} needs a name.", code="name_required")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in text):
        raise InvalidInput(f"A {what}'s name is one line of text.", code="invalid_name")
    return text


def create_region(session: Session, actor: Actor, *, code: str, name: str, name_en: str) -> Region:
    require_role(actor, Role.admin)
    code = _name(code, "region code")
    if repo.region_by_code(session, code) is not None:
        raise Conflict(f"A region with code {code!r} exists.", code="duplicate_code")
    region = Region(code=code, name=_name(name, "region"), name_en=(name_en or "").strip())
    session.add(region)
    session.flush()
    return region


def update_region(session: Session, actor: Actor, region_id: str, values: dict[str, Any]) -> tuple[Region, dict]:
    require_role(actor, Role.admin)
    region = repo.region(session, region_id)
    if region is None:
        raise NotFound("No such region.")
    before = region.model_dump()
    if values.get("name") is not None:
        region.name = _name(values["name"], "region")
    if values.get("name_en") is not None:
        region.name_en = values["name_en"].strip()
    changes = {k: [before[k], v] for k, v in region.model_dump().items() if before[k] != v}
    session.add(region)
    return region, changes


def create_team(session: Session, actor: Actor, *, name: str, name_en: str, region_id: str) -> Team:
    require_role(actor, Role.admin)
    if repo.region(session, region_id) is None:
        raise InvalidInput("No such region.", code="unknown_region")
    team = Team(name=_name(name, "team"), name_en=(name_en or "").strip(), region_id=region_id)
    session.add(team)
    session.flush()
    return team


def update_team(session: Session, actor: Actor, team_id: str, values: dict[str, Any]) -> tuple[Team, dict]:
    """Rename a team, move it to another region, or name its supervisor (``supervisor_id``: that
    supervisor moves to this team and is signed out; the team's other supervisors stay)."""
    require_role(actor, Role.admin)
    team = repo.team(session, team_id)
    if team is None:
        raise NotFound("No such team.")
    before = team.model_dump()
    if values.get("name") is not None:
        team.name = _name(values["name"], "team")
    if values.get("name_en") is not None:
        team.name_en = values["name_en"].strip()
    if values.get("region_id") is not None:
        if repo.region(session, values["region_id"]) is None:
            raise InvalidInput("No such region.", code="unknown_region")
        team.region_id = values["region_id"]
    changes: dict[str, Any] = {k: [before[k], v] for k, v in team.model_dump().items() if before[k] != v}
    if values.get("supervisor_id") is not None:
        lead = repo.user_by_id(session, values["supervisor_id"])
        if lead is None or lead.role != Role.supervisor.value:
            raise InvalidInput("supervisor_id does not name a supervisor.", code="not_a_supervisor")
        if lead.team_id != team.id:
            changes["supervisor"] = [lead.team_id, lead.id]
            lead.team_id = team.id
            session.add(lead)
            _end_sessions(session, lead)
    session.add(team)
    session.flush()
    return team, changes
