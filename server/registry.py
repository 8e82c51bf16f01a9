"""What a domain declares, and the set of domains the app runs with.

Each domain declares itself in ``server/<domain>/domain.py`` as a ``Domain``: the collections
phones sync and the intents they send, who may write each intent, its rules (``checks``,
``derives``, ``guards``, ``followers``), which of its records move with their store, its jobs, what
it publishes to phones, and its routes. ``server/domains.py`` is the one place that lists them;
``install`` builds what sync and the worker read (``installed()``). Nothing here, and nothing in
``server/replication``, imports a domain: a new domain touches its own folder and one line there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from sync import CONFLICT_COLLECTION, Collection, Operation, OpType, Principal, RecordState, Registry

if TYPE_CHECKING:
    from server.jobs.service import JobKind
    from server.replication.context import RuleContext

Key = tuple[str, str]

# A domain rule refusing an operation (``OpRejected``): (the push's rule context, who, intent, op,
# the record as it stands); the context (``server/replication/context.py``) reads records once
Check = Callable[["RuleContext", Principal, OpType, Operation, RecordState | None], None]
# Fields the server derives after an operation applied: (rule context, who, intent, new state)
Derive = Callable[["RuleContext", Principal, OpType, RecordState], dict[str, Any] | None]
# After any operation applied (state includes what was derived): keep a domain's tables in step
Follower = Callable[[Session, Principal, OpType, Operation, RecordState], None]
# Whether a record moves with its store: (record, the other records at the store, the same question)
Follows = Callable[[RecordState, dict[Key, RecordState], Callable[[RecordState], bool]], bool]


@dataclass(frozen=True)
class Domain:
    name: str
    collections: Sequence[Collection] = ()
    intents: Sequence[OpType] = ()
    # intent -> role -> rule (``server.authz.Rule``); a role not listed may not send that intent
    writes: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    # a record hanging off another: collection -> (field naming the parent, parent collection)
    parents: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    checks: Mapping[str, Check] = field(default_factory=dict)  # per collection
    derives: Mapping[str, Derive] = field(default_factory=dict)  # per collection
    guards: Sequence[Check] = ()  # run for every operation, of any collection
    followers: Sequence[Follower] = ()  # run after every operation
    follows_store: Mapping[str, Follows] = field(default_factory=dict)  # per collection
    # roles that see every record of a collection, whatever its store (finance sees every claim)
    seen_by: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # a domain's own references to blobs outside synced records: (session, who, sha256, holders) -> may read
    blob_readers: Sequence[Callable[[Session, Principal, str, set[str]], bool]] = ()
    jobs: Sequence[JobKind] = ()
    publish: Callable[[Session], int] | None = None  # every server-owned record, to the phones
    routes: Sequence[Any] = ()


@dataclass
class Installed:
    domains: tuple[Domain, ...]
    registry: Registry
    writes: dict[str, Mapping[Any, Any]]
    parents: dict[str, tuple[str, str]]
    checks: dict[str, Check]
    derives: dict[str, Derive]
    guards: tuple[Check, ...]
    followers: tuple[Follower, ...]
    follows_store: dict[str, Follows]
    seen_by: dict[str, frozenset[str]]
    blob_readers: tuple[Callable[[Session, Principal, str, set[str]], bool], ...] = ()


def _merge(target: dict[str, Any], more: Mapping[str, Any], what: str, domain: str) -> None:
    for key, value in more.items():
        if key in target:
            raise ValueError(f"{what} {key!r} is declared twice (again by the {domain} domain)")
        target[key] = value


def build(domains: Sequence[Domain]) -> Installed:
    """Check the domains fit together (no collection, intent or rule declared twice) and index them."""
    registry = Registry()
    registry.add(CONFLICT_COLLECTION)
    found = Installed(tuple(domains), registry, {}, {}, {}, {}, (), (), {}, {})
    for d in domains:
        for collection in d.collections:
            registry.add(collection, *(t for t in d.intents if t.collection == collection.name))
        stray = [t.name for t in d.intents if t.collection not in {c.name for c in d.collections}]
        if stray:
            raise ValueError(f"the {d.name} domain sends intents for collections it does not declare: {stray}")
        _merge(found.writes, d.writes, "the write rule of", d.name)
        _merge(found.parents, d.parents, "the parent of", d.name)
        _merge(found.checks, d.checks, "the check of", d.name)
        _merge(found.derives, d.derives, "the derived fields of", d.name)
        _merge(found.follows_store, d.follows_store, "whether it follows its store:", d.name)
        _merge(found.seen_by, d.seen_by, "who sees all of", d.name)
        found.guards += tuple(d.guards)
        found.followers += tuple(d.followers)
        found.blob_readers += tuple(d.blob_readers)
    missing = sorted(set(registry.op_types) - set(found.writes))
    if missing:
        raise ValueError(f"intents without a write rule (server/authz.py): {missing}")
    return found


_installed: Installed | None = None


def install(domains: Sequence[Domain]) -> Installed:
    """Make these the domains sync, authorization and the worker run with (the app and the commands
    call it through ``server.domains.install``)."""
    global _installed
    from server.jobs import service as jobs

    _installed = build(domains)
    jobs.KINDS.clear()
    for d in domains:
        jobs.register(*d.jobs)
    return _installed


def installed() -> Installed:
    if _installed is None:
        raise RuntimeError("No domains are installed: call server.domains.install() first.")
    return _installed
