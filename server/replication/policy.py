"""Who may see and create which synced records (the server's ``ScopePolicy``), and domain checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlmodel import Session, select

from server import authz
from server.accounts.models import Role, User
from server.claims import rules as claim_rules
from server.dictation import rules as dictation_rules
from server.replication import blobaccess
from server.replication.store import can_see
from server.review import rules as review_rules
from server.stores.models import Store
from server.visits import rules as visit_rules
from sync import Operation, OpType, Principal, RecordState, Scope

# Domain rules per collection (e.g. visit steps in order), registered by domain modules.
Check = Callable[
    [Session, Principal, OpType, Operation, RecordState | None, dict[tuple[str, str], RecordState | None]], None
]
CHECKS: dict[str, Check] = {}
Derive = Callable[
    [Session, Principal, OpType, RecordState, dict[tuple[str, str], RecordState | None]], dict[str, Any] | None
]
DERIVES: dict[str, Derive] = {}
CHECKS.update({"visit": visit_rules.check_visit, "step": visit_rules.check_step})
DERIVES["visit"] = visit_rules.derive_visit
CHECKS["recording"] = dictation_rules.check_recording
DERIVES["recording"] = dictation_rules.derive_recording
CHECKS["claim"] = claim_rules.check_claim
CHECKS["day"] = review_rules.check_day
DERIVES["claim"] = claim_rules.derive_claim


class ServerScope:
    def __init__(self, session: Session) -> None:
        self.session = session
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
        fields = {**(current.fields if current else {}), **op.fields}
        store = self._store_scope(fields["store_id"]) if "store_id" in fields else None
        authz.check_sync_write(self.session, who, op_type, fields, current, lookup, store[0] if store else None)
        blobaccess.check_named_blobs(self.session, who, op.fields)
        review_rules.check_confirmed_day(self.session, who, op_type, op, current, lookup)
        rule = CHECKS.get(op_type.collection)
        if rule is not None:
            rule(self.session, who, op_type, op, current, lookup)

    def derive(
        self,
        who: Principal,
        op_type: OpType,
        op: Operation,
        state: RecordState,
        lookup: dict[tuple[str, str], RecordState | None],
    ) -> dict[str, Any] | None:
        rule = DERIVES.get(op_type.collection)
        derived = rule(self.session, who, op_type, state, lookup) if rule is not None else None
        blobaccess.note_named_blobs(self.session, state.collection, state.id, op.fields)
        seen = replace(state, fields={**state.fields, **derived}) if derived else state
        review_rules.follow(self.session, who, op_type, op, seen)
        return derived
