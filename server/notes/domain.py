"""The notes domain: notes about a store, written by the rep or their supervisor."""

from __future__ import annotations

from server.authz import NOTES_WRITERS
from server.notes.rules import NOTE, OP_TYPES
from server.registry import Domain

DOMAIN = Domain(
    "notes",
    collections=[NOTE],
    intents=OP_TYPES,
    writes={t.name: NOTES_WRITERS for t in OP_TYPES},
    follows_store={"note": lambda _state, _at_store, _follows: True},  # what is known about the store
)
