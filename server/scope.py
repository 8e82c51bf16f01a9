"""What each user may see, decided once here and used by every repository.

A rep sees the stores assigned to them; a supervisor the stores of their
team's reps; finance and admins all stores.  Anything outside a user's scope
answers 404, never 403, so its existence is not revealed.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true
from sqlmodel import col, select

from server.accounts.models import Role, User
from server.stores.models import Store


def team_member_ids(team_id: str):  # type: ignore[no-untyped-def]
    return select(User.id).where(User.team_id == team_id)


def visible_stores(user: User) -> ColumnElement[bool]:
    role = Role(user.role)
    if role in (Role.admin, Role.finance):
        return true()
    if role is Role.rep:
        return col(Store.rep_id) == user.id
    if role is Role.supervisor and user.team_id:
        return col(Store.rep_id).in_(team_member_ids(user.team_id))
    return false()


def visible_users(user: User) -> ColumnElement[bool]:
    role = Role(user.role)
    if role is Role.admin:
        return true()
    if role is Role.supervisor and user.team_id:
        return col(User.team_id) == user.team_id
    return col(User.id) == user.id
