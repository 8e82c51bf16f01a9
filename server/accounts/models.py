"""Accounts: regions, teams, users, sessions and failed sign-ins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from server.db import utcnow
from sync.ids import uuid7


class Role(StrEnum):
    rep = "rep"
    supervisor = "supervisor"
    finance = "finance"
    admin = "admin"


class Region(SQLModel, table=True):
    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)


class Team(SQLModel, table=True):
    """Reps of one region under one supervisor.

    The supervisor is the user with role ``supervisor`` whose ``team_id`` is this
    team; keeping the link on the user side avoids a user <-> team key cycle.
    """

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    name: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=100)
    region_id: str = Field(foreign_key="region.id", index=True, max_length=36)


class UserBase(SQLModel):
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    team_id: str | None = Field(default=None, max_length=36)


class User(UserBase, table=True):
    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    username: str = Field(unique=True, index=True, max_length=64)
    team_id: str | None = Field(default=None, foreign_key="team.id", index=True, max_length=36)
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class UserPublic(UserBase):
    id: str
    active: bool


class AuthSession(SQLModel, table=True):
    """A signed-in device. Only the SHA-256 of the cookie token is stored."""

    __tablename__ = "auth_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="user.id", index=True, max_length=36)
    device_id: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=64)
    address: str = Field(index=True, max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)
    # False while its password is being verified; True once the password was wrong (a failure)
    settled: bool = Field(default=False)
