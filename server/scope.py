"""What each user may see, decided once here and used by every repository and by sync.

A rep sees the stores assigned to them and what is written there; a supervisor their team's; an
admin everything; finance the collections domains open to it (every store and every claim,
``Domain.seen_by``); everyone the public records (catalogues, templates). ``audience`` is that
decision, made once per user; ``Audience.admits`` (one record, in Python) and ``Audience.clause``
(rows, in SQL) are its two readings, so the two can never disagree. Anything outside a user's scope
answers 404, never 403, so its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col, select

from server.accounts.models import Role, User
from server.registry import installed
from server.stores.models import Store
from sync import Principal, Scope


@dataclass(frozen=True)
class Audience:
    """The records a user sees besides public ones: those of ``rep_id``, of ``team_id``, and every
    record of ``collections``."""

    rep_id: str | None = None
    team_id: str | None = None
    collections: frozenset[str] = frozenset()

    def admits(self, collection: str, scope: Scope) -> bool:
        return (
            scope.public
            or (self.rep_id is not None and scope.rep_id == self.rep_id)
            or (self.team_id is not None and scope.team_id == self.team_id)
            or collection in self.collections
        )

    def clause(self, table: Any) -> Any:
        """The same as ``admits`` over a table with the audience columns (public, rep_id, team_id,
        collection): the change rows and the records."""
        clauses = [table.c.public.is_(True)]
        if self.rep_id is not None:
            clauses.append(table.c.rep_id == self.rep_id)
        if self.team_id is not None:
            clauses.append(table.c.team_id == self.team_id)
        if self.collections:
            clauses.append(table.c.collection.in_(sorted(self.collections)))
        return or_(*clauses)


def audience(who: Principal | User) -> Audience | None:
    """What ``who`` sees; None for everything (an admin)."""
    role = Role(who.role)
    user_id = who.user_id if isinstance(who, Principal) else who.id
    if role is Role.admin:
        return None
    seen_whole = frozenset(c for c, roles in installed().seen_by.items() if role.value in roles)
    if role is Role.rep:
        return Audience(rep_id=user_id, collections=seen_whole)
    if role is Role.supervisor:
        return Audience(team_id=who.team_id or None, collections=seen_whole)
    return Audience(collections=seen_whole)


def can_see(who: Principal, collection: str, scope: Scope) -> bool:
    """Whether ``who`` may see a record of ``collection`` with ``scope``."""
    found = audience(who)
    return found is None or found.admits(collection, scope)


def audience_clause(who: Principal, table: Any) -> Any:
    """Which change rows (or records) ``who`` may see; None when they see all."""
    found = audience(who)
    return None if found is None else found.clause(table)


def team_member_ids(team_id: str):  # type: ignore[no-untyped-def]
    return select(User.id).where(User.team_id == team_id)


def rep_rows(user: User | Principal, collection: str, rep_column: Any) -> ColumnElement[bool]:
    """Rows of ``collection`` that ``user`` sees, for a table that names a row's rep in
    ``rep_column`` (a row's team is its rep's team): the audience above, read on that table."""
    found = audience(user)
    if found is None or collection in found.collections:
        return true()
    if found.rep_id is not None:
        return col(rep_column) == found.rep_id
    if found.team_id is not None:
        return col(rep_column).in_(team_member_ids(found.team_id))
    return false()


def visible_stores(user: User) -> ColumnElement[bool]:
    """The stores ``user`` sees."""
    return rep_rows(user, "store", Store.rep_id)


def visible_users(user: User) -> ColumnElement[bool]:
    role = Role(user.role)
    if role is Role.admin:
        return true()
    if role is Role.supervisor and user.team_id:
        return col(User.team_id) == user.team_id
    return col(User.id) == user.id
