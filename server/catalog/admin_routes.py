"""Admins' routes for the catalogues and the monthly material allocations (``server/catalog/admin.py``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from server.authz import Action
from server.catalog import admin
from server.deps import DB, CurrentActor
from server.guards import requires
from server.openapi import Offset

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$"
BARCODE = r"^[0-9A-Za-z\-]{1,32}$"
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


class CatalogItem(BaseModel):
    """The fields of any catalogue item; each catalogue takes the ones it has (a SKU: code, barcode,
    name, name_en, category; a competitor SKU: barcode, brand, name, name_en, category; a material:
    code, name, name_en, unit). Leaving a field out keeps it."""

    code: str | None = Field(default=None, pattern=CODE)
    barcode: str | None = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z\-]*$")
    brand: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    category: str | None = Field(default=None, max_length=32)
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    # a SKU only: a new product's launch day and the sell-through it should reach (0–1); null clears
    launch_date: date | None = None
    launch_target: float | None = Field(default=None, ge=0, le=1)

    def values(self) -> dict[str, Any]:
        """What was sent: the text fields left out or null are kept, the launch fields sent as
        null are cleared (a product that is no longer new)."""
        out = self.model_dump(exclude_none=True, exclude={"launch_date", "launch_target"})
        for key in sorted({"launch_date", "launch_target"} & self.model_fields_set):
            value = getattr(self, key)
            out[key] = value.isoformat() if isinstance(value, date) else value
        return out


class AllocationSpec(BaseModel):
    rep_id: str = Field(min_length=1, max_length=36)
    material_id: str = Field(min_length=1, max_length=36)
    period: str = Field(pattern=PERIOD)
    quantity: int = Field(ge=0, le=100_000)


class CatalogAdminController(Controller):
    path = "/api/admin"
    tags = ["admin"]

    @post("/catalog/{kind:str}", sync_to_thread=True, guards=[requires(Action.CATALOG_EDIT)])
    def create_item(self, db: DB, actor: CurrentActor, kind: FromPath[str], data: JSONBody[CatalogItem]) -> Any:
        """A new SKU, competitor SKU or material (409 ``duplicate_code`` / ``duplicate_barcode``);
        every phone pulls it on its next sync."""
        return admin.create_item(db, actor, kind, data.values())

    @patch("/catalog/{kind:str}/{item_id:str}", sync_to_thread=True, guards=[requires(Action.CATALOG_EDIT)])
    def update_item(
        self,
        db: DB,
        actor: CurrentActor,
        kind: FromPath[str],
        item_id: FromPath[str],
        data: JSONBody[CatalogItem],
    ) -> Any:
        """Change a catalogue item's names, code or barcode (a SKU's launch day and target too);
        phones pull the change."""
        return admin.update_item(db, actor, kind, item_id, data.values())

    @get("/allocations", sync_to_thread=True, guards=[requires(Action.CATALOG_EDIT)])
    def allocations(
        self,
        db: DB,
        actor: CurrentActor,
        period: Annotated[str, QueryParameter(pattern=PERIOD)],
        q: Annotated[str, QueryParameter(max_length=64)] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Reps (searched by name, username or team) with each material's allocation in ``period``."""
        return admin.list_allocations(db, actor, period=period, q=q, limit=limit, offset=offset)

    @put("/allocations", sync_to_thread=True, guards=[requires(Action.CATALOG_EDIT)])
    def set_allocation(self, db: DB, actor: CurrentActor, data: JSONBody[AllocationSpec]) -> dict[str, Any]:
        """Set how many of a material a rep may place in a month; the rep's phone pulls it."""
        return admin.set_allocation(db, actor, **data.model_dump())
