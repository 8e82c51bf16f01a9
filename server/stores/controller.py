"""HTTP routes for stores. Handlers call the service and return its result."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.concurrency import sync_to_thread
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.authz import Action
from server.deps import DB, AppSettings, CurrentActor, read_limited
from server.guards import requires
from server.openapi import Offset
from server.stores import service
from server.stores.models import StoreCreate, StorePublic, StoreUpdate


class StoreController(Controller):
    path = "/api/stores"
    tags = ["stores"]

    @get("/", sync_to_thread=True)
    def list_stores(
        self,
        db: DB,
        actor: CurrentActor,
        q: Annotated[str, QueryParameter(description="Matches name, code or address")] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=service.MAX_PAGE)] = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        stores, total = service.list_stores(db, actor, q=q, limit=limit, offset=offset)
        return {
            "items": [StorePublic.model_validate(s).model_dump(mode="json") for s in stores],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @get("/{store_id:str}", sync_to_thread=True)
    def get_store(self, db: DB, actor: CurrentActor, store_id: FromPath[str]) -> StorePublic:
        return StorePublic.model_validate(service.get_store(db, actor, store_id))

    @post("/", sync_to_thread=True, guards=[requires(Action.STORE_CREATE)])
    def create_store(self, db: DB, actor: CurrentActor, data: JSONBody[StoreCreate]) -> StorePublic:
        return StorePublic.model_validate(service.create_store(db, actor, data))

    @patch("/{store_id:str}", sync_to_thread=True, guards=[requires(Action.STORE_EDIT)])
    def update_store(
        self, db: DB, actor: CurrentActor, store_id: FromPath[str], data: JSONBody[StoreUpdate]
    ) -> StorePublic:
        return StorePublic.model_validate(service.update_store(db, actor, store_id, data))


class StoreAdminController(Controller):
    path = "/api/admin/stores"
    tags = ["admin"]

    @post("/import", status_code=200, request_max_body_size=None, guards=[requires(Action.STORE_CREATE)])
    async def import_csv(
        self, request: Request, db: DB, actor: CurrentActor, settings: AppSettings, dry_run: FromQuery[bool] = False
    ) -> dict[str, Any]:
        """Body: the CSV file itself (text/csv). Answers a per-row report; nothing is written on dry_run."""
        body = await read_limited(request, settings.max_csv_bytes)
        return await sync_to_thread(service.import_csv, db, actor, body, dry_run=dry_run)

    @get("/export.csv", sync_to_thread=True, media_type="text/csv", guards=[requires(Action.STORE_CREATE)])
    def export_csv(self, db: DB, actor: CurrentActor) -> Response[bytes]:
        return Response(
            service.export_csv(db, actor),
            media_type="text/csv",  # Litestar adds "; charset=utf-8"
            headers={"Content-Disposition": 'attachment; filename="stores.csv"'},
        )
