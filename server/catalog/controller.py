"""Read-only catalogues for every signed-in user (the phone caches them for offline use)."""

from __future__ import annotations

from litestar import Controller, get
from sqlmodel import select

from server.catalog.models import CompetitorSku, Material, Sku
from server.deps import DB, CurrentActor


class CatalogController(Controller):
    path = "/api/catalog"
    tags = ["catalog"]

    @get("/skus", sync_to_thread=True)
    def skus(self, db: DB, actor: CurrentActor) -> list[Sku]:
        return list(db.exec(select(Sku).order_by(Sku.code)))

    @get("/competitor-skus", sync_to_thread=True)
    def competitor_skus(self, db: DB, actor: CurrentActor) -> list[CompetitorSku]:
        return list(db.exec(select(CompetitorSku).order_by(CompetitorSku.brand, CompetitorSku.name)))

    @get("/materials", sync_to_thread=True)
    def materials(self, db: DB, actor: CurrentActor) -> list[Material]:
        return list(db.exec(select(Material).order_by(Material.code)))
