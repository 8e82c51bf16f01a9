"""HTTP routes of the sync protocol (docs/sync-protocol.md)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.concurrency import sync_to_thread
from litestar.params import FromPath, QueryParameter
from litestar.response import File

from server.deps import DB, AppSettings, CurrentActor, read_limited
from server.errors import InvalidInput, PayloadTooLarge
from server.openapi import MAX_SAFE_INTEGER
from server.replication import service
from sync import check_sha256


class SyncController(Controller):
    path = "/api/sync"
    tags = ["sync"]

    @post("/push", status_code=200, request_max_body_size=None)
    async def push(self, request: Request, db: DB, actor: CurrentActor, settings: AppSettings) -> dict[str, Any]:
        """Apply a batch of operations (see docs/sync-protocol.md); each is answered in ``results``."""
        body = await read_limited(request, settings.sync_max_body_bytes)
        return await sync_to_thread(service.push_batch, db, settings, actor, body)

    @get("/pull")
    async def pull(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        cursor: Annotated[int, QueryParameter(ge=0, le=MAX_SAFE_INTEGER)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=5000)] = 500,
    ) -> dict[str, Any]:
        """Changes after ``cursor`` that the caller may see, oldest first."""
        return await sync_to_thread(service.pull_page, db, actor, cursor, min(limit, settings.sync_pull_page_max))

    @get("/conflicts", sync_to_thread=True)
    def conflicts(self, db: DB, actor: CurrentActor) -> list[dict[str, Any]]:
        """Open conflicts in the caller's scope: the kept value and the other, for a person to choose."""
        return service.open_conflicts(db, actor)

    @get("/records/{collection:str}/{record_id:str}", sync_to_thread=True)
    def record(
        self, db: DB, actor: CurrentActor, collection: FromPath[str], record_id: FromPath[str]
    ) -> dict[str, Any]:
        return service.get_record(db, actor, collection, record_id)


class BlobController(Controller):
    path = "/api/blobs"
    tags = ["sync"]

    @get("/{sha256:str}/status", sync_to_thread=True)
    def status(self, db: DB, actor: CurrentActor, settings: AppSettings, sha256: FromPath[str]) -> dict[str, Any]:
        """``complete``, ``partial`` (with ``received`` bytes of your own upload), ``missing`` or
        ``refused``. A blob you may not read looks ``missing``: send its bytes to hold it."""
        return service.blob_status(db, settings, actor, check_sha256(sha256))

    @put("/{sha256:str}", status_code=200, request_max_body_size=None)
    async def upload(
        self,
        request: Request,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        sha256: FromPath[str],
        offset: Annotated[int, QueryParameter(le=MAX_SAFE_INTEGER)],
        total: Annotated[int, QueryParameter(le=MAX_SAFE_INTEGER)],
    ) -> dict[str, Any]:
        """Append one chunk at ``offset`` of a blob of ``total`` bytes (``application/octet-stream``);
        the last chunk verifies the hash. An empty chunk at ``offset == total`` finishes an upload
        whose bytes all arrived but which was never completed (the server stopped in between).
        The blob's type is told from its bytes: photos (JPEG, PNG, WebP) and recordings (WebM, Ogg,
        MP4, WAV); anything else is 422 ``unsupported_blob_type``."""
        check_sha256(sha256)
        if offset < 0 or total < 1:
            raise InvalidInput("offset must be >= 0 and total >= 1")
        if total > settings.max_blob_bytes:
            raise PayloadTooLarge(f"A blob is at most {settings.max_blob_bytes:,} bytes.")
        data = await read_limited(request, settings.blob_chunk_bytes)
        if not data and offset != total:  # an empty chunk at the end finishes an upload whose bytes are all there
            raise InvalidInput("The chunk is empty.")
        return await sync_to_thread(service.blob_append, db, settings, actor, sha256, offset, total, data)

    @get("/{sha256:str}", sync_to_thread=True)
    def download(self, db: DB, actor: CurrentActor, settings: AppSettings, sha256: FromPath[str]) -> File:
        path, content_type = service.blob_for_download(db, settings, actor, check_sha256(sha256))
        return File(path, media_type=content_type, headers={"Cache-Control": "private, max-age=31536000, immutable"})
