"""Where the app collects its domains: one line each. A new domain is a folder with a
``domain.py`` declaring its ``Domain`` (``server/registry.py``) and a line here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from server.accounts.domain import DOMAIN as ACCOUNTS
from server.catalog.domain import DOMAIN as CATALOG
from server.claims.domain import DOMAIN as CLAIMS
from server.dictation.domain import DOMAIN as DICTATION
from server.insights.domain import DOMAIN as INSIGHTS
from server.notes.domain import DOMAIN as NOTES
from server.registry import Domain, Installed
from server.registry import install as _install
from server.review.domain import DOMAIN as REVIEW
from server.stores.domain import DOMAIN as STORES
from server.visits.domain import DOMAIN as VISITS

DOMAINS: tuple[Domain, ...] = (
    ACCOUNTS,
    STORES,
    CATALOG,
    NOTES,
    DICTATION,
    VISITS,
    CLAIMS,
    REVIEW,
    INSIGHTS,
)


def install(domains: Sequence[Domain] = DOMAINS) -> Installed:
    """Run the app, the worker or a command with these domains."""
    return _install(domains)


def publish_all(session: Session, domains: Sequence[Domain] = DOMAINS) -> int:
    """Every server-owned record of every domain into the change sequence (after seeding or a
    migration), in the caller's transaction."""
    return sum(d.publish(session) for d in domains if d.publish is not None)
