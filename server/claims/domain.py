"""The claims domain: promotion claims filed by reps, read by OCR, decided by finance."""

from __future__ import annotations

from server.authz import REP_ONLY
from server.claims.controller import ClaimController, PromotionController
from server.claims.publish import PROMOTION, publish_promotions
from server.claims.rules import CLAIM, OP_TYPES, check_claim, derive_claim
from server.claims.service import DECIDED, READ_CLAIM_JOB
from server.registry import Domain

DOMAIN = Domain(
    "claims",
    collections=[CLAIM, PROMOTION],
    intents=OP_TYPES,
    writes={t.name: REP_ONLY for t in OP_TYPES},
    checks={"claim": check_claim},
    derives={"claim": derive_claim},
    # money still in play moves with its store; a decided claim stays with the rep who filed it
    follows_store={"claim": lambda state, _at_store, _follows: state.fields.get("status") not in DECIDED},
    seen_by={"claim": frozenset({"finance"})},
    jobs=[READ_CLAIM_JOB],
    publish=publish_promotions,
    routes=[ClaimController, PromotionController],
)
