"""HTTP routes of the outcome measures: supervisors and admins see effective visits (their team's),
finance and admins the claim cycle time; each as JSON with its definition, or as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from pydantic import BaseModel, Field

from server.authz import Action
from server.deps import DB, AppSettings, CurrentActor, read_limited
from server.guards import requires
from server.insights import alerts, measures, ranking, stock
from server.openapi import Offset

From = Annotated[date | None, QueryParameter(name="from")]
To = Annotated[date | None, QueryParameter(name="to")]
Team = Annotated[str | None, QueryParameter(max_length=36)]
RegionId = Annotated[str | None, QueryParameter(max_length=36)]


class SampleRequest(BaseModel):
    material: str = Field(default=ranking.SAMPLE_MATERIAL, min_length=1, max_length=32)
    per_store: int = Field(default=2, ge=1, le=100)


def _csv(body: bytes, name: str) -> Response[bytes]:
    return Response(
        body, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="fieldvisit-{name}.csv"'}
    )


class InsightsController(Controller):
    path = "/api/insights"
    tags = ["insights"]

    @get("/alerts", sync_to_thread=True, guards=[requires(Action.ALERT_READ)])
    def alerts(self, db: DB, actor: CurrentActor, settings: AppSettings) -> dict[str, Any]:
        """What slipped, for the caller to act on: stores overdue, days not confirmed (supervisors),
        claims waiting for a decision, pools nearly spent (finance), with the thresholds."""
        return alerts.alerts(db, settings, actor)

    @get("/effective-visits", sync_to_thread=True, guards=[requires(Action.REVIEW_READ)])
    def effective(
        self, db: DB, actor: CurrentActor, settings: AppSettings, start: From = None, end: To = None, team: Team = None
    ) -> dict[str, Any]:
        """Effective visits per rep and day (and why the others were not), per rep per day worked
        against the team's, with the definition."""
        return measures.effective_visits(db, settings, actor, start=start, end=end, team=team)

    @get("/effective-visits.csv", sync_to_thread=True, media_type="text/csv", guards=[requires(Action.REVIEW_READ)])
    def effective_csv(
        self, db: DB, actor: CurrentActor, settings: AppSettings, start: From = None, end: To = None, team: Team = None
    ) -> Response[bytes]:
        """The same per rep and day, as CSV (UTF-8 with BOM)."""
        body = measures.export_effective(db, settings, actor, start=start, end=end, team=team)
        return _csv(body, "effective-visits")

    @get("/claim-cycle", sync_to_thread=True, guards=[requires(Action.CLAIM_READ)])
    def cycle(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        start: From = None,
        end: To = None,
        region: RegionId = None,
    ) -> dict[str, Any]:
        """Claim cycle time per ISO week and region: submitted → read → decided, median and p90
        hours, with the definition and the reference figures."""
        return measures.claim_cycle(db, settings, actor, start=start, end=end, region=region)

    @get("/claim-cycle.csv", sync_to_thread=True, media_type="text/csv", guards=[requires(Action.CLAIM_READ)])
    def cycle_csv(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        start: From = None,
        end: To = None,
        region: RegionId = None,
    ) -> Response[bytes]:
        """The same per week and region, as CSV (UTF-8 with BOM)."""
        body = measures.export_cycle(db, settings, actor, start=start, end=end, region=region)
        return _csv(body, "claim-cycle")

    @get("/launches", sync_to_thread=True, guards=[requires(Action.REVIEW_READ)])
    def launches(self, db: DB, actor: CurrentActor, settings: AppSettings) -> dict[str, Any]:
        """The new products (latest launch first), with their sell-through targets."""
        return {"items": [stock.launch_view(s, settings) for s in stock.launches(db)]}

    @get("/launches/{code:str}", sync_to_thread=True, guards=[requires(Action.REVIEW_READ)])
    def launch(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        code: FromPath[str],
        team: Team = None,
        region: RegionId = None,
    ) -> dict[str, Any]:
        """One new product's distribution (铺货率) and sell-through (动销率) week by week since its
        launch and per rep today, over the caller's stores, with the definitions."""
        return stock.launch_report(db, settings, actor, code, team=team, region=region)

    @get("/launches/{code:str}/csv", sync_to_thread=True, media_type="text/csv", guards=[requires(Action.REVIEW_READ)])
    def launch_csv(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        code: FromPath[str],
        team: Team = None,
        region: RegionId = None,
    ) -> Response[bytes]:
        """The same week by week and per rep, as CSV (UTF-8 with BOM)."""
        return _csv(stock.export_launch(db, settings, actor, code, team=team, region=region), f"launch-{code}")

    @post("/deliveries.csv", status_code=200, request_max_body_size=None, guards=[requires(Action.CATALOG_EDIT)])
    async def deliveries(self, request: Request, db: DB, actor: CurrentActor, settings: AppSettings) -> dict[str, Any]:
        """Body: the CSV file itself (text/csv), ``ref,store_code,sku_code,day,units``; a ref
        imported before is skipped, each bad line named, the good ones kept."""
        body = await read_limited(request, settings.max_csv_bytes)
        return await sync_to_thread(stock.import_deliveries, db, actor, body)

    @get("/potential", sync_to_thread=True, guards=[requires(Action.REVIEW_READ)])
    def potential(
        self,
        db: DB,
        actor: CurrentActor,
        team: Team = None,
        region: RegionId = None,
        top_only: Annotated[bool, QueryParameter()] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """The caller's stores ranked by the latest store-potential model, each with its top
        factors; the model's version and back-test; the trial samples already allocated."""
        return ranking.ranking(db, actor, team=team, region=region, top_only=top_only, limit=limit, offset=offset)

    @get("/potential.csv", sync_to_thread=True, media_type="text/csv", guards=[requires(Action.REVIEW_READ)])
    def potential_csv(self, db: DB, actor: CurrentActor, team: Team = None, region: RegionId = None) -> Response[bytes]:
        """The whole ranking of the caller's stores, as CSV (UTF-8 with BOM)."""
        return _csv(ranking.export_ranking(db, actor, team=team, region=region), "store-potential")

    @post("/potential/retrain", sync_to_thread=True, status_code=202, guards=[requires(Action.MODEL_TRAIN)])
    def retrain(self, db: DB, actor: CurrentActor) -> dict[str, Any]:
        """Queue a retraining of the model (a durable job; its result is the new version)."""
        return ranking.request_retrain(db, actor)

    @post(
        "/potential/{version:int}/samples",
        sync_to_thread=True,
        status_code=200,
        guards=[requires(Action.SAMPLE_ALLOCATE)],
    )
    def samples(
        self,
        db: DB,
        actor: CurrentActor,
        settings: AppSettings,
        version: Annotated[int, PathParameter(ge=1, le=1_000_000)],
        data: JSONBody[SampleRequest],
        team: Team = None,
        region: RegionId = None,
    ) -> dict[str, Any]:
        """Trial samples to this ranking's top stores of the caller's scope, in one action: each
        rep's allocation of the material this month grows by ``per_store`` per top store."""
        return ranking.allocate_samples(
            db, settings, actor, version=version, material_code=data.material, per_store=data.per_store,
            team=team, region=region,
        )  # fmt: skip
