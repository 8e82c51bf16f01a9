"""The visits domain: a visit at a store and its ordered steps, checked against the template."""

from __future__ import annotations

from server.authz import REP_ONLY
from server.registry import Domain
from server.visits.controller import TemplateController
from server.visits.publish import TEMPLATE, publish_templates
from server.visits.rules import OP_TYPES, STEP, VISIT, check_step, check_visit, derive_step, derive_visit


def _step_follows(state, at_store, follows):  # type: ignore[no-untyped-def]
    visit = at_store.get(("visit", str(state.fields.get("visit_id"))))
    return visit is not None and follows(visit)


DOMAIN = Domain(
    "visits",
    collections=[VISIT, STEP, TEMPLATE],
    intents=OP_TYPES,
    writes={t.name: REP_ONLY for t in OP_TYPES},
    parents={"step": ("visit_id", "visit")},
    checks={"visit": check_visit, "step": check_step},
    derives={"visit": derive_visit, "step": derive_step},
    # work in progress moves with its store; a checked-out visit stays with the rep who made it
    follows_store={
        "visit": lambda state, _at_store, _follows: state.fields.get("status") != "checked_out",
        "step": _step_follows,
    },
    publish=publish_templates,
    routes=[TemplateController],
)
