"""The review domain: day confirmations, the supervisor's review queue and the check-in photo job."""

from __future__ import annotations

from server.authz import REP_ONLY
from server.registry import Domain
from server.review.controller import ReviewController, TeamController, photo_thumbnail
from server.review.rules import DAY, OP_TYPES, check_confirmed_day, check_day, follow
from server.review.service import INSPECT_CHECKIN_JOB, review_photo_reader

DOMAIN = Domain(
    "review",
    collections=[DAY],
    intents=OP_TYPES,
    writes={t.name: REP_ONLY for t in OP_TYPES},
    checks={"day": check_day},
    guards=[check_confirmed_day],  # a confirmed day's visits and steps change only with a reason
    followers=[follow],  # the review queue follows visits, steps and days
    blob_readers=[review_photo_reader],  # a supervisor sees the team's check-in photos, history's too
    jobs=[INSPECT_CHECKIN_JOB],
    routes=[ReviewController, TeamController, photo_thumbnail],
)
