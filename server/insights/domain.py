"""The insights domain: measures over the other domains' tables, the stock counts it follows from
the display step, the store-potential model, and the alerts it syncs to each rep's route (a
server-owned collection; phones never write it)."""

from __future__ import annotations

from server.insights.controller import InsightsController
from server.insights.ranking import RETRAIN_JOB
from server.insights.rep_alerts import ALERT, REP_ALERTS_JOB
from server.insights.stock import follow_step
from server.registry import Domain

DOMAIN = Domain(
    "insights",
    collections=[ALERT],  # the rep's route alerts, server-owned
    followers=[follow_step],
    jobs=[RETRAIN_JOB, REP_ALERTS_JOB],
    routes=[InsightsController],
)
