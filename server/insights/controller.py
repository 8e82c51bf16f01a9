"""HTTP routes of the outcome measures: supervisors and admins see effective visits (their team's),
finance and admins the claim cycle time; each as JSON with its definition, or as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.params import QueryParameter

from server.authz import Action
from server.deps import DB, AppSettings, CurrentActor
from server.guards import requires
from server.insights import alerts, measures

From = Annotated[date | None, QueryParameter(name="from")]
To = Annotated[date | None, QueryParameter(name="to")]
Team = Annotated[str | None, QueryParameter(max_length=36)]
RegionId = Annotated[str | None, QueryParameter(max_length=36)]


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
