"""All queries on accounts live here. Which users a user may list is ``readable`` (``server/scope.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from server.accounts.models import AuthSession, LoginFailure, Region, Role, Team, User
from server.scope import visible_users


def user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def usernames(session: Session) -> list[str]:
    return list(session.exec(select(User.username)))


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def readable(user: User) -> SelectOfScalar[User]:
    """The users ``user`` may see, as decided in ``server/scope.py``: a supervisor their team, an
    admin everyone, anyone else themselves."""
    return select(User).where(visible_users(user))


def visible_users_of(session: Session, user: User) -> list[User]:
    """The users ``user`` may see, by username."""
    return list(session.exec(readable(user).order_by(col(User.username))))


def users(session: Session, *, team_id: str | None = None, role: str | None = None) -> list[User]:
    query = select(User)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if role is not None:
        query = query.where(User.role == role)
    return list(session.exec(query.order_by(User.username)))


def team(session: Session, team_id: str) -> Team | None:
    return session.get(Team, team_id)


def region(session: Session, region_id: str) -> Region | None:
    return session.get(Region, region_id)


def supervisors_of(session: Session, team_id: str) -> list[User]:
    return users(session, team_id=team_id, role=Role.supervisor.value)


def session_by_hash(session: Session, token_hash: str) -> AuthSession | None:
    return session.get(AuthSession, token_hash)


def delete_session(session: Session, token_hash: str) -> None:
    session.exec(delete(AuthSession).where(col(AuthSession.token_hash) == token_hash))  # type: ignore[call-overload]


def delete_expired_sessions(session: Session, now: datetime) -> None:
    session.exec(delete(AuthSession).where(col(AuthSession.expires_at) < now))  # type: ignore[call-overload]


@dataclass(frozen=True)
class FailureCounts:
    """Failed (or still being verified) sign-ins since some moment."""

    pair: int  # this account from this address
    pair_oldest: datetime | None
    address: int  # any account from this address: settled failures only
    address_oldest: datetime | None
    account: int  # this account from any address


def failure_counts(session: Session, *, username: str, address: str, since: datetime) -> FailureCounts:
    pair = and_(col(LoginFailure.username) == username, col(LoginFailure.address) == address)
    from_address = col(LoginFailure.address) == address
    failed_from_address = and_(from_address, col(LoginFailure.settled))
    query = sa_select(  # five columns: more than sqlmodel's select is typed for
        func.count(case((pair, 1))),
        func.min(case((pair, LoginFailure.at))),
        func.count(case((failed_from_address, 1))),
        func.min(case((failed_from_address, LoginFailure.at))),
        func.count(case((col(LoginFailure.username) == username, 1))),
    ).where(
        col(LoginFailure.at) >= since,
        or_(col(LoginFailure.username) == username, from_address),
    )
    pair_count, pair_oldest, address_count, address_oldest, account_count = session.execute(query).one()
    return FailureCounts(int(pair_count), pair_oldest, int(address_count), address_oldest, int(account_count))


def latest_failure(session: Session, *, username: str, since: datetime, excluding: int | None) -> datetime | None:
    """The newest failure on an account since ``since``, other than the one with id ``excluding``."""
    query = select(func.max(LoginFailure.at)).where(LoginFailure.username == username, col(LoginFailure.at) >= since)
    if excluding is not None:
        query = query.where(LoginFailure.id != excluding)
    return session.exec(query).one()


def add_failure(session: Session, *, username: str, address: str, at: datetime) -> int:
    failure = LoginFailure(username=username, address=address, at=at)
    session.add(failure)
    session.flush()
    assert failure.id is not None
    return failure.id


def settle_failure(session: Session, failure_id: int) -> None:
    """The attempt's password was wrong: its row is now a failure of its address too."""
    session.exec(
        update(LoginFailure).where(col(LoginFailure.id) == failure_id).values(settled=True)  # type: ignore[call-overload]
    )


def delete_failure(session: Session, failure_id: int) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.id) == failure_id))  # type: ignore[call-overload]


def clear_failures(session: Session, *, username: str, address: str) -> None:
    session.exec(
        delete(LoginFailure).where(  # type: ignore[call-overload]
            col(LoginFailure.username) == username, col(LoginFailure.address) == address
        )
    )


def prune_failures(session: Session, before: datetime) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) < before))  # type: ignore[call-overload]


def delete_sessions_of(session: Session, user_id: str) -> int:
    """End every session of a user; returns how many there were."""
    result = session.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


def clear_failures_of(session: Session, username: str) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username))  # type: ignore[call-overload]


def region_by_code(session: Session, code: str) -> Region | None:
    return session.exec(select(Region).where(Region.code == code)).first()


def admin_users(
    session: Session,
    *,
    q: str = "",
    role: str | None = None,
    team_id: str | None = None,
    active: bool | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[User], int]:
    """Users for the admin console, by username, with the total before paging."""
    query = select(User)
    if q:
        pattern = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(col(User.username).ilike(pattern, escape="\\"), col(User.display_name).ilike(pattern, escape="\\"))
        )
    if role is not None:
        query = query.where(User.role == role)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if active is not None:
        query = query.where(User.active == active)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(User.username)).offset(offset).limit(limit))
    return list(rows), int(total)


def regions(session: Session) -> list[Region]:
    return list(session.exec(select(Region).order_by(col(Region.code))))


def teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.name))))


def members_by_team(session: Session) -> dict[str, dict[str, int]]:
    """team id -> role -> how many active users of that role belong to it."""
    rows = session.exec(
        select(User.team_id, User.role, func.count())  # type: ignore[call-overload]
        .where(col(User.team_id).is_not(None), col(User.active).is_(True))
        .group_by(User.team_id, User.role)
    )
    out: dict[str, dict[str, int]] = {}
    for team_id, role, n in rows:
        out.setdefault(str(team_id), {})[role] = int(n)
    return out
