"""HTTP routes for supervisors: the review queue and its decisions, thumbnails of photos, the
team's confirmations (to-do), the dashboard and CSV exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File

from ocr import ImageError
from server.authz import Action
from server.deps import DB, AppSettings, CurrentActor
from server.errors import NotFound, Unprocessable
from server.guards import requires
from server.replication.service import blob_for_download
from server.review import dashboard, service
from server.review.thumbs import SIZES, thumbnail
from sync.blobs import SHA256_RE

Flag = Annotated[
    str | None,
    QueryParameter(
        pattern="^(any|outside_geofence|location_missing|watermark_mismatch|recycled_photo|blurred_dark|exception|sign_mismatch)$"
    ),
]


class ReviewController(Controller):
    path = "/api/review"
    tags = ["review"]

    @get("/", sync_to_thread=True, guards=[requires(Action.REVIEW_READ)])
    def queue(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        status: Annotated[str, QueryParameter(pattern="^(pending|approved|rejected|all)$")] = "pending",
        rep: Annotated[str | None, QueryParameter(max_length=36)] = None,
        day: FromQuery[date | None] = None,
        store: Annotated[str | None, QueryParameter(max_length=64)] = None,
        flag: Flag = None,
        team: Annotated[str | None, QueryParameter(max_length=36)] = None,
        before: Annotated[str | None, QueryParameter(max_length=120)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        """The team's visits and check-ins newest first, with flags, thumbnails and the store's previous
        check-in; counts per flag under the other filters; ``next`` pages on (supervisors, admins)."""
        f = service.QueueFilter.model_validate(
            {"status": status, "rep": rep, "day": day, "store": store, "flag": flag, "team": team}
        )
        return service.queue(db, settings, actor, f, before=before, limit=limit)

    @get("/{visit_id:str}", sync_to_thread=True)
    def item(self, db: DB, actor: CurrentActor, settings: AppSettings, visit_id: FromPath[str]) -> dict[str, Any]:
        """One visit: the photo, capture data, flags, the template's steps in order with their answers
        and exceptions, and the previous check-in."""
        return service.detail(db, settings, actor, visit_id)

    @post("/decisions", status_code=200, sync_to_thread=True, guards=[requires(Action.REVIEW_DECIDE)])
    def decide(self, db: DB, actor: CurrentActor, data: JSONBody[service.Decision]) -> dict[str, Any]:
        """Approve or reject visits by id, or approve every pending item matching a filter. A rejection
        needs a reason code (and a comment for 'other'). 409 when the one visit named was decided, or
        is still in progress (not checked out, its day not confirmed)."""
        return service.decide(db, actor, data)

    @post("/reopen", status_code=200, sync_to_thread=True, guards=[requires(Action.REVIEW_DECIDE)])
    def reopen(
        self, db: DB, actor: CurrentActor, settings: AppSettings, data: JSONBody[service.Reopen]
    ) -> dict[str, Any]:
        """Take back one's own decisions of today (all named, or none): the visits wait for review
        again and the rep's phone gets ``review.status = pending``. 403 for another's decision, 409
        for one of an earlier day or a visit not decided."""
        return service.reopen(db, settings, actor, data)


@get("/api/blobs/{sha256:str}/thumb/{size:str}", sync_to_thread=True, tags=["review"])
def photo_thumbnail(
    db: DB, actor: CurrentActor, settings: AppSettings, sha256: FromPath[str], size: FromPath[str]
) -> File:
    """A photo scaled down (``s``: 240 px for lists, ``l``: 1280 px for the screen), made once and cached."""
    if size not in SIZES or not SHA256_RE.match(sha256):
        raise NotFound("No such thumbnail.")
    blob_for_download(db, settings, actor, sha256)  # who may see the photo may see its thumbnail
    try:
        path = thumbnail(settings, sha256, size)
    except ImageError as exc:  # the blob is not a picture (a recording, say)
        raise Unprocessable(f"This blob is not a photo: {exc}.", code="not_a_photo") from None
    if path is None:
        raise NotFound("No such thumbnail.")
    return File(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=31536000, immutable"})


class TeamController(Controller):
    path = "/api/team"
    tags = ["review"]

    @get("/confirmations", sync_to_thread=True, guards=[requires(Action.REVIEW_READ)])
    def confirmations(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        day: FromQuery[date | None] = None,
        team: Annotated[str | None, QueryParameter(max_length=36)] = None,
    ) -> dict[str, Any]:
        """The to-do: who confirmed the day (with what their phone showed) and who did not."""
        return dashboard.confirmations(db, settings, actor, day=day, team=team)

    @get("/dashboard", sync_to_thread=True, guards=[requires(Action.REVIEW_READ)])
    def board(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        start: Annotated[date | None, QueryParameter(name="from")] = None,
        end: Annotated[date | None, QueryParameter(name="to")] = None,
        team: Annotated[str | None, QueryParameter(max_length=36)] = None,
    ) -> dict[str, Any]:
        """Rep × day key actions with the on-time rate and its definition, route coverage, confirmations."""
        return dashboard.dashboard(db, settings, actor, start=start, end=end, team=team)

    @get("/export/{kind:str}", sync_to_thread=True, media_type="text/csv", guards=[requires(Action.REVIEW_READ)])
    def export(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        kind: FromPath[str],
        start: Annotated[date | None, QueryParameter(name="from")] = None,
        end: Annotated[date | None, QueryParameter(name="to")] = None,
        team: Annotated[str | None, QueryParameter(max_length=36)] = None,
    ) -> Response[bytes]:
        """CSV (UTF-8 with BOM) of ``visits``, ``reviews`` or ``confirmations`` for a date range."""
        body = dashboard.export(db, settings, actor, kind.removesuffix(".csv"), start=start, end=end, team=team)
        name = f"fieldvisit-{kind.removesuffix('.csv')}-{start or ''}-{end or ''}.csv"
        return Response(
            body,
            media_type="text/csv",  # Litestar adds "; charset=utf-8"
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
