"""The insights domain: measures over the other domains' tables, the stock counts it follows from
the display step, and the store-potential model. It owns no synced records."""

from __future__ import annotations

from server.insights.controller import InsightsController
from server.insights.ranking import RETRAIN_JOB
from server.insights.stock import follow_step
from server.registry import Domain

DOMAIN = Domain("insights", followers=[follow_step], jobs=[RETRAIN_JOB], routes=[InsightsController])
