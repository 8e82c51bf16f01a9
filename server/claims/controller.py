"""HTTP routes for promotions and finance's review of claims (claims themselves travel through sync)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from server.authz import Action
from server.claims import service
from server.deps import DB, CurrentActor
from server.guards import requires
from server.openapi import Offset


class PoolSpec(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    amount_cents: int = Field(gt=0, le=10**12)
    starts_on: date | None = None
    ends_on: date | None = None
    region_id: str | None = Field(default=None, max_length=36)
    channels: list[str] = Field(default_factory=list, max_length=10)
    store_ids: list[str] = Field(default_factory=list, max_length=5000)


class PromotionSpec(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    starts_on: date
    ends_on: date
    pools: list[PoolSpec] = Field(min_length=1, max_length=100)


class PromotionController(Controller):
    path = "/api"
    tags = ["claims"]

    @get("/promotions", sync_to_thread=True)
    def promotions(self, db: DB, actor: CurrentActor) -> list[dict[str, Any]]:
        """Promotions and their budget pools (balances for finance and admins)."""
        return service.list_promotions(db, actor)

    @post("/admin/promotions", sync_to_thread=True, guards=[requires(Action.PROMOTION_CREATE)])
    def create_promotion(self, db: DB, actor: CurrentActor, data: JSONBody[PromotionSpec]) -> dict[str, Any]:
        """A promotion with its budget pools (admins)."""
        return service.create_promotion(db, actor, data.model_dump())


class ClaimController(Controller):
    path = "/api/claims"
    tags = ["claims"]

    @get("/", sync_to_thread=True, guards=[requires(Action.CLAIM_READ)])
    def list_claims(
        self,
        db: DB,
        actor: CurrentActor,
        status: Annotated[str | None, QueryParameter(pattern="^(reading|review|approved|rejected)$")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Claims newest first, with their status, amounts, flags and pool balance (finance)."""
        return service.list_claims(db, actor, status=status, limit=limit, offset=offset)

    @get("/{claim_id:str}", sync_to_thread=True, guards=[requires(Action.CLAIM_READ)])
    def claim(self, db: DB, actor: CurrentActor, claim_id: FromPath[str]) -> dict[str, Any]:
        """One claim: the OCR reading with confidences, photo checks, the matched pool and its balance."""
        return service.claim_detail(db, actor, claim_id)

    @post("/{claim_id:str}/decision", status_code=200, sync_to_thread=True, guards=[requires(Action.CLAIM_DECIDE)])
    def decide(
        self, db: DB, actor: CurrentActor, claim_id: FromPath[str], data: JSONBody[service.Decision]
    ) -> dict[str, Any]:
        """Approve, correct (approve with corrected fields) or reject with a reason. 409 when the claim
        was decided already or the pool cannot cover the amount."""
        return service.decide(db, actor, claim_id, data)
