"""HTTP routes for promotions and finance's review of claims (claims themselves travel through sync)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from server.authz import Action
from server.claims import admin, service
from server.deps import DB, AppSettings, CurrentActor
from server.errors import InvalidInput
from server.guards import requires
from server.openapi import Offset
from server.stores.models import Channel


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


class PromotionEdit(BaseModel):
    """What an admin changes of a promotion (fields left out stay)."""

    name: str = Field(default="", min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True


class PoolEdit(BaseModel):
    """A new budget pool (``name`` and ``amount_cents`` needed), or what changes of one."""

    name: str = Field(default="", min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    amount_cents: int = Field(default=0, gt=0, le=10**12)
    starts_on: date | None = None
    ends_on: date | None = None
    region_id: str | None = Field(default=None, min_length=1, max_length=36)
    channels: list[Channel] = Field(default_factory=list, max_length=10)


def _edits(spec: BaseModel) -> dict[str, Any]:
    data = spec.model_dump(exclude_unset=True)
    if "channels" in data:
        data["channels"] = sorted({Channel(c).value for c in data["channels"]})
    for key in ("starts_on", "ends_on"):
        if key in data and data[key] is None:
            data.pop(key)
    return data


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

    @get("/admin/promotions", sync_to_thread=True, guards=[requires(Action.PROMOTION_CREATE)])
    def admin_promotions(self, db: DB, actor: CurrentActor) -> dict[str, Any]:
        """Every promotion with its budget pools' amount, spent and left, and the regions (admins)."""
        return admin.overview(db, actor)

    @patch("/admin/promotions/{promotion_id:str}", sync_to_thread=True, guards=[requires(Action.PROMOTION_CREATE)])
    def update_promotion(
        self, db: DB, actor: CurrentActor, promotion_id: FromPath[str], data: JSONBody[PromotionEdit]
    ) -> dict[str, Any]:
        """Change a promotion's names, period or whether it is active (admins)."""
        return admin.update_promotion(db, actor, promotion_id, _edits(data))

    @post("/admin/promotions/{promotion_id:str}/pools", sync_to_thread=True, guards=[requires(Action.PROMOTION_CREATE)])
    def add_pool(
        self, db: DB, actor: CurrentActor, promotion_id: FromPath[str], data: JSONBody[PoolEdit]
    ) -> dict[str, Any]:
        """A new budget pool for a promotion (admins); its period defaults to the promotion's."""
        edits = _edits(data)
        if "name" not in edits or "amount_cents" not in edits:
            raise InvalidInput("A new pool needs a name and an amount.", code="missing_field")
        return admin.add_pool(db, actor, promotion_id, edits)

    @patch("/admin/pools/{pool_id:str}", sync_to_thread=True, guards=[requires(Action.PROMOTION_CREATE)])
    def update_pool(
        self, db: DB, actor: CurrentActor, pool_id: FromPath[str], data: JSONBody[PoolEdit]
    ) -> dict[str, Any]:
        """Change a budget pool (admins). 409 ``below_spent`` for an amount under what it paid out."""
        return admin.update_pool(db, actor, pool_id, _edits(data))


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
    def claim(self, db: DB, actor: CurrentActor, settings: AppSettings, claim_id: FromPath[str]) -> dict[str, Any]:
        """One claim: the OCR reading with confidences, photo checks, the matched pool and its balance,
        and whether this user may still reopen its decision (``can_reopen``)."""
        return service.claim_detail(db, actor, claim_id, settings)

    @post("/{claim_id:str}/decision", status_code=200, sync_to_thread=True, guards=[requires(Action.CLAIM_DECIDE)])
    def decide(
        self, db: DB, actor: CurrentActor, claim_id: FromPath[str], data: JSONBody[service.Decision]
    ) -> dict[str, Any]:
        """Approve, correct (approve with corrected fields) or reject with a reason. 409 when the claim
        was decided already or the pool cannot cover the amount."""
        return service.decide(db, actor, claim_id, data)

    @post("/{claim_id:str}/reopen", status_code=200, sync_to_thread=True, guards=[requires(Action.CLAIM_DECIDE)])
    def reopen(self, db: DB, actor: CurrentActor, settings: AppSettings, claim_id: FromPath[str]) -> dict[str, Any]:
        """Take back one's own decision the same day: the claim is back in review, an approval's amount
        back in its pool (audited). 403 for someone else's decision, 409 when not decided or decided
        on an earlier day."""
        return service.reopen(db, settings, actor, claim_id)
