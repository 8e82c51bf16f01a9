"""All queries on accounts live here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from server.accounts.models import AuthSession, LoginFailure, Region, Role, Team, User


def user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def usernames(session: Session) -> list[str]:
    return list(session.exec(select(User.username)))


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


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


def count_failures(
    session: Session, *, since: datetime, username: str | None = None, address: str | None = None
) -> tuple[int, datetime | None]:
    """Failures since ``since`` for an account or an address, and the oldest one's time."""
    query = select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.at >= since)
    if username is not None:
        query = query.where(LoginFailure.username == username)
    if address is not None:
        query = query.where(LoginFailure.address == address)
    count, oldest = session.exec(query).one()
    return int(count), oldest


def clear_failures(session: Session, username: str) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username))  # type: ignore[call-overload]


def prune_failures(session: Session, before: datetime) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) < before))  # type: ignore[call-overload]
