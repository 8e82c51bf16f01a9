"""Who may write what: one table for every synced operation and every REST action, enforced here.

Seeing is decided in ``server/scope.py`` (``audience``: what a user may read);
this module decides writing, which is narrower: a supervisor sees the rep's notes but does not
rewrite them; finance sees claims but never files or edits one. ``docs/authorization.md`` is the
same table in words, and ``tests/server/test_authorization.py`` checks both the document and the
server's behaviour against ``SYNC_WRITES`` and ``ACTIONS``.

Rules for synced operations (who, relative to the record):
- ``assigned``: a rep, at a store assigned to them; an existing record only if they wrote it and the
  store is still theirs. Records with no store (a day confirmation) are the rep's own.
- ``author``: anyone who may see the store may add one; an existing record only its author.
A record whose parent must be the writer's own (a step's visit, a recording's note) is refused
unless the writer wrote the parent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from server.accounts.models import Role
from server.accounts.service import Actor
from server.errors import Forbidden
from server.registry import installed
from server.replication.context import RuleContext
from sync import OpRejected, OpType, Principal, RecordState


class Rule(StrEnum):
    ASSIGNED = "assigned"
    AUTHOR = "author"


# The write rules domains give their intents (``Domain.writes``, collected in ``server/domains.py``).
REP_ONLY: dict[Role, Rule] = {Role.rep: Rule.ASSIGNED}
NOTES_WRITERS: dict[Role, Rule] = {Role.rep: Rule.ASSIGNED, Role.supervisor: Rule.AUTHOR, Role.admin: Rule.AUTHOR}


class _Installed(Mapping[str, Any]):
    """A read-only view of what the installed domains declare."""

    def __init__(self, part: str) -> None:
        self.part = part

    def _table(self) -> Mapping[str, Any]:
        return getattr(installed(), self.part)  # type: ignore[no-any-return]

    def __getitem__(self, key: str) -> Any:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


# operation type -> role -> rule; a role not listed may not send that operation at all.
SYNC_WRITES: Mapping[str, Mapping[Role, Rule]] = _Installed("writes")
# A record that hangs off another: collection -> (field naming the parent, parent collection).
PARENTS: Mapping[str, tuple[str, str]] = _Installed("parents")


class Action(StrEnum):
    """REST actions. Which records an allowed role may act on is the action's own scope (a
    supervisor decides their team's reviews only; anything out of scope answers 404)."""

    REVIEW_DECIDE = "review.decide"  # approve or reject a visit's check-in
    REVIEW_READ = "review.read"  # the review queue, team to-do, dashboard, exports
    CLAIM_DECIDE = "claim.decide"  # approve (moving money from a pool), correct or reject a claim
    CLAIM_READ = "claim.read"  # finance's claims queue
    STORE_CREATE = "store.create"  # one store, or a CSV import
    STORE_EDIT = "store.edit"  # a supervisor: route order and visit cycle of their team's stores only
    STORE_ASSIGN = "store.assign"  # which rep a store belongs to
    USER_CREATE = "user.create"
    USER_EDIT = "user.edit"  # a user's name, role, team, sign-in (disable) and password; regions and teams
    TEMPLATE_SAVE = "template.save"
    PROMOTION_CREATE = "promotion.create"  # promotions and their budget pools
    CATALOG_EDIT = "catalog.edit"  # own and competitor SKUs, materials, monthly material allocations
    JOB_READ = "job.read"  # the durable jobs: state, attempts, last error
    JOB_RETRY = "job.retry"  # run a dead job again
    STATUS_READ = "status.read"  # which speech models and OCR languages the server has
    ALERT_READ = "alert.read"  # what slipped, for whoever can act on it (server/insights/alerts.py)
    SAMPLE_ALLOCATE = "sample.allocate"  # trial samples to the model's top stores (a supervisor: their team's)
    MODEL_TRAIN = "model.train"  # retrain the store-potential model


ACTIONS: dict[Action, frozenset[Role]] = {
    Action.REVIEW_DECIDE: frozenset({Role.supervisor, Role.admin}),
    Action.REVIEW_READ: frozenset({Role.supervisor, Role.admin}),
    Action.CLAIM_DECIDE: frozenset({Role.finance}),
    Action.CLAIM_READ: frozenset({Role.finance, Role.admin}),
    Action.STORE_CREATE: frozenset({Role.admin}),
    Action.STORE_EDIT: frozenset({Role.admin, Role.supervisor}),
    Action.STORE_ASSIGN: frozenset({Role.admin}),
    Action.USER_CREATE: frozenset({Role.admin}),
    Action.USER_EDIT: frozenset({Role.admin}),
    Action.TEMPLATE_SAVE: frozenset({Role.admin}),
    Action.PROMOTION_CREATE: frozenset({Role.admin}),
    Action.CATALOG_EDIT: frozenset({Role.admin}),
    Action.JOB_READ: frozenset({Role.admin}),
    Action.JOB_RETRY: frozenset({Role.admin}),
    Action.STATUS_READ: frozenset({Role.admin}),
    Action.ALERT_READ: frozenset({Role.supervisor, Role.finance, Role.admin}),
    Action.SAMPLE_ALLOCATE: frozenset({Role.supervisor, Role.admin}),
    Action.MODEL_TRAIN: frozenset({Role.admin}),
}


def allowed(role: Role | str, action: Action) -> bool:
    return Role(role) in ACTIONS[action]


def require(actor: Actor, action: Action) -> None:
    """403 ``forbidden`` unless the actor's role may take this action."""
    if not allowed(actor.role, action):
        raise Forbidden(f"Your role ({actor.role.value}) cannot do this ({action.value}).")


def check_sync_write(
    ctx: RuleContext,
    who: Principal,
    op_type: OpType,
    fields: dict[str, Any],
    current: RecordState | None,
    store_rep: str | None,
) -> None:
    """Refuse (``OpRejected``) an operation its sender may not write. ``store_rep`` is the rep the
    operation's store is assigned to now (None for records without a store)."""
    role = Role(who.role)
    rule = SYNC_WRITES.get(op_type.name, {}).get(role)
    if rule is None:
        raise OpRejected("not_your_role", f"A {role.value} does not send {op_type.name}.")
    if rule is Rule.ASSIGNED and "store_id" in fields and store_rep != who.user_id:
        raise OpRejected("not_your_store", "This store is not assigned to you.")
    if current is not None and current.created_by != who.user_id:
        raise OpRejected("not_yours", f"Only the person who wrote this {op_type.collection} may change it.")
    parent = PARENTS.get(op_type.collection)
    if parent is not None and op_type.action == "create":
        field, collection = parent
        owner = ctx.record(collection, fields.get(field))
        if owner is not None and owner.created_by != who.user_id:
            raise OpRejected("not_yours", f"This {collection} was written by someone else.")
