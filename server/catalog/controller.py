"""Read-only catalogues for every signed-in user (the phone caches them for offline use)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody
from pydantic import BaseModel

from ocr import ImageError, read_barcodes
from server.catalog import repository
from server.catalog.matching import match_competitor
from server.catalog.models import CompetitorSku, Material, Sku
from server.deps import DB, AppSettings, CurrentActor
from server.errors import Unprocessable
from server.replication.service import blob_for_download
from sync import check_sha256


class DecodeRequest(BaseModel):
    sha256: str


class CatalogController(Controller):
    path = "/api/catalog"
    tags = ["catalog"]

    @get("/skus", sync_to_thread=True)
    def skus(self, db: DB, actor: CurrentActor) -> list[Sku]:
        return repository.skus(db)

    @get("/competitor-skus", sync_to_thread=True)
    def competitor_skus(self, db: DB, actor: CurrentActor) -> list[CompetitorSku]:
        return repository.competitor_skus(db)

    @get("/competitor-skus/match", sync_to_thread=True)
    def match_competitor(
        self, db: DB, actor: CurrentActor, code: FromQuery[str] = "", name: FromQuery[str] = ""
    ) -> dict[str, Any]:
        """The competitor SKU with this barcode, else the closest names (fuzzy) for the rep to choose."""
        return match_competitor(db, code=code, name=name)

    @post("/barcodes/decode", sync_to_thread=True, status_code=200)
    def decode_barcodes(
        self, db: DB, actor: CurrentActor, settings: AppSettings, data: JSONBody[DecodeRequest]
    ) -> dict[str, Any]:
        """Read the barcodes in an uploaded photo (by its SHA-256) and match each to the catalogue."""
        path, _ = blob_for_download(db, settings, actor, check_sha256(data.sha256))
        try:
            codes = read_barcodes(path.read_bytes())
        except ImageError as exc:
            raise Unprocessable(f"The photo cannot be read: {exc}.", code=exc.code) from None
        return {"codes": [{"code": c.code, "format": c.format, **match_competitor(db, code=c.code)} for c in codes]}

    @get("/materials", sync_to_thread=True)
    def materials(self, db: DB, actor: CurrentActor) -> list[Material]:
        return repository.materials(db)
