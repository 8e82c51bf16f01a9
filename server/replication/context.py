"""What the rules of one push read, read once.

A rep's day arrives as one push: a dozen visits, each with its steps, every step checked against
its visit and the visit's other steps. ``RuleContext`` is handed to every rule of the push
(``Domain.checks``, ``derives``, ``guards``): it answers a record by id from this push's own
records first (``lookup``, kept by the engine as operations apply) and else from the database,
once; the records hanging off a parent (a visit's steps) by the parent index; and any other value
a rule computes once per push (``memo``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session

from server.replication.store import RECORDS, parent_of, state_of
from sync import RecordState

T = TypeVar("T")
Key = tuple[str, str]


class RuleContext:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.lookup: dict[Key, RecordState | None] = {}
        self._records: dict[Key, RecordState | None] = {}
        self._children: dict[Key, dict[str, RecordState]] = {}
        self._memo: dict[Any, Any] = {}

    def record(self, collection: str, record_id: Any) -> RecordState | None:
        """A record as this push has it so far (deleted ones included; None when there is none)."""
        if not isinstance(record_id, str):
            return None
        key = (collection, record_id)
        pending = self.lookup.get(key)
        if pending is not None:
            return pending
        if key not in self._records:
            row = self.session.execute(
                select(RECORDS).where(RECORDS.c.collection == collection, RECORDS.c.id == record_id)
            ).first()
            self._records[key] = state_of(row) if row else None
        return self._records[key]

    def pending(self, collection: str) -> Iterator[RecordState]:
        """This push's records of ``collection`` (those its operations name), as they stand now."""
        for (name, _), state in self.lookup.items():
            if name == collection and state is not None:
                yield state

    def children(self, collection: str, parent_id: str) -> dict[str, RecordState]:
        """The live records of ``collection`` hanging off ``parent_id``, by id: the stored ones read
        once by the parent index, with this push's own on top."""
        key = (collection, parent_id)
        if key not in self._children:
            rows = self.session.execute(
                select(RECORDS).where(
                    RECORDS.c.collection == collection,
                    RECORDS.c.parent_id == parent_id,
                    RECORDS.c.deleted.is_(False),
                )
            )
            self._children[key] = {row.id: state_of(row) for row in rows}
        found = dict(self._children[key])
        for state in self.pending(collection):
            if parent_of(state) == parent_id:
                found[state.id] = state
        return found

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per push for ``key``."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]
