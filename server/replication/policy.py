"""Who may see and create which synced records (the server's ``ScopePolicy``), and the domains'
rules for each operation, as the installed domains declare them (``server/registry.py``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import Session, select

from server import authz
from server.accounts.models import Role, User
from server.registry import Installed, installed
from server.replication import blobaccess
from server.replication.context import RuleContext
from server.scope import can_see
from server.stores.models import Store
from sync import Operation, OpType, Principal, RecordState, Scope


class ServerScope:
    def __init__(self, session: Session, domains: Installed | None = None) -> None:
        self.session = session
        self.domains = domains or installed()
        self.ctx = RuleContext(session)  # one per push: what the rules read, read once
        self._stores: dict[str, tuple[str | None, str | None] | None] = {}

    def _store_scope(self, store_id: Any) -> tuple[str | None, str | None] | None:
        if not isinstance(store_id, str):
            return None
        if store_id not in self._stores:
            row = self.session.exec(
                select(Store.rep_id, User.team_id)
                .join(User, User.id == Store.rep_id, isouter=True)  # type: ignore[arg-type]
                .where(Store.id == store_id)
            ).first()
            self._stores[store_id] = (row[0], row[1]) if row else None
        return self._stores[store_id]

    def scope_for_create(self, who: Principal, collection: str, fields: dict[str, Any]) -> Scope | None:
        if "store_id" in fields:
            found = self._store_scope(fields["store_id"])
            if found is None:
                return None
            scope = Scope(found[0], found[1], fields["store_id"])
            return scope if can_see(who, collection, scope) else None
        role = Role(who.role)
        if role is Role.rep:
            return Scope(who.user_id, who.team_id)
        if role is Role.supervisor:
            return Scope(None, who.team_id)
        return Scope() if role is Role.admin else None

    def can_see(self, who: Principal, collection: str, scope: Scope) -> bool:
        return can_see(who, collection, scope)

    def check(
        self,
        who: Principal,
        op_type: OpType,
        op: Operation,
        current: RecordState | None,
        lookup: dict[tuple[str, str], RecordState | None],
    ) -> None:
        self.ctx.lookup = lookup
        fields = {**(current.fields if current else {}), **op.fields}
        store = self._store_scope(fields["store_id"]) if "store_id" in fields else None
        authz.check_sync_write(self.ctx, who, op_type, fields, current, store[0] if store else None)
        blobaccess.check_named_blobs(self.session, who, op.fields)
        for guard in self.domains.guards:
            guard(self.ctx, who, op_type, op, current)
        rule = self.domains.checks.get(op_type.collection)
        if rule is not None:
            rule(self.ctx, who, op_type, op, current)

    def derive(
        self,
        who: Principal,
        op_type: OpType,
        op: Operation,
        state: RecordState,
        lookup: dict[tuple[str, str], RecordState | None],
    ) -> dict[str, Any] | None:
        self.ctx.lookup = lookup
        rule = self.domains.derives.get(op_type.collection)
        derived = rule(self.ctx, who, op_type, state) if rule is not None else None
        blobaccess.note_named_blobs(self.session, state.collection, state.id, op.fields)
        seen = replace(state, fields={**state.fields, **derived}) if derived else state
        for follower in self.domains.followers:
            follower(self.session, who, op_type, op, seen)
        return derived
