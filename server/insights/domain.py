"""The insights domain: read-only measures over the other domains' tables, no synced records."""

from __future__ import annotations

from server.insights.controller import InsightsController
from server.registry import Domain

DOMAIN = Domain("insights", routes=[InsightsController])
