"""Tallies: a rep counts something at a store (facings, say) and moves it through stages. One
collection with a field of each merge policy, three intents, a write rule, a domain check, the
store-following rule and a route: everything a domain declares."""

from __future__ import annotations

from typing import Any

from litestar import get

from server.authz import REP_ONLY
from server.deps import DB, CurrentActor
from server.registry import Domain
from server.replication.context import RuleContext
from server.replication.store import RECORDS
from sync import Collection, Field, Operation, OpRejected, OpType, Policy, Principal, RecordState

STAGES = ("new", "started", "done")
TALLY = Collection(
    "tally",
    {
        "store_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "count": Field(Policy.COUNTER, "int"),
        "stage": Field(Policy.MONOTONIC, order=STAGES),
        "flags": Field(Policy.SET, "list"),
    },
)
INTENTS = (
    OpType("tally.create", "tally", "create"),
    OpType("tally.update", "tally", "update"),
    OpType("tally.delete", "tally", "delete"),
)
MAX_STEP = 1_000


def check_tally(ctx: RuleContext, who: Principal, op_type: OpType, op: Operation, current: RecordState | None) -> None:
    """A domain rule: a count moves by at most MAX_STEP in one operation."""
    count = op.fields.get("count")
    step = count.get("add") if isinstance(count, dict) else count
    if isinstance(step, int | float) and abs(step) > MAX_STEP:
        raise OpRejected("tally_step", f"A tally moves by at most {MAX_STEP} at a time.")


@get("/api/tallies/count", sync_to_thread=True)
def tally_count(db: DB, actor: CurrentActor) -> dict[str, Any]:
    """How many tallies the server holds (a domain's own route)."""
    from sqlalchemy import func, select

    n = db.execute(select(func.count()).select_from(RECORDS).where(RECORDS.c.collection == "tally")).scalar_one()
    return {"tallies": int(n)}


TALLY_DOMAIN = Domain(
    "tallies",
    collections=[TALLY],
    intents=INTENTS,
    writes={t.name: REP_ONLY for t in INTENTS},  # written like a rep's own records
    checks={"tally": check_tally},
    follows_store={"tally": lambda _state, _at_store, _follows: True},
    routes=[tally_count],
)
