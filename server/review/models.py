"""Tables behind the review queue and the team dashboard.

A visit is a synced record; ``visit_review`` is the supervisor's side of it, one row per visit,
kept in step with the visit as it syncs (flags, the check-in photo and what the server read from
it, the decision). ``key_action`` holds one row per key action (a step, a visit note, a claim)
with whether it was on time, so the dashboard is a GROUP BY. ``day_confirmation`` is the rep's
end-of-day confirmation (also a synced record, ``confirmation``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import utcnow

# The queue's filter flags, one bit each so a filter is one integer test.
FLAG_BITS = {
    "outside_geofence": 1,
    "location_missing": 2,
    "watermark_mismatch": 4,
    "recycled_photo": 8,
    "blurred_dark": 16,
    "exception": 32,
    "sign_mismatch": 64,
}
# Detailed flags (what the page says in words) → the filter they fall under.
FLAG_GROUP = {
    "outside_geofence": "outside_geofence",
    "location_missing": "location_missing",
    "store_unmapped": "location_missing",
    "watermark_missing": "watermark_mismatch",
    "watermark_store_mismatch": "watermark_mismatch",
    "watermark_time_mismatch": "watermark_mismatch",
    "recycled_photo": "recycled_photo",
    "blurred": "blurred_dark",
    "dark": "blurred_dark",
    "exception_taken": "exception",
    "sign_mismatch": "sign_mismatch",
}


def flag_bits(flags: list[str]) -> int:
    bits = 0
    for name in flags:
        group = FLAG_GROUP.get(name)
        if group:
            bits |= FLAG_BITS[group]
    return bits


class VisitReview(SQLModel, table=True):
    __tablename__ = "visit_review"
    __table_args__ = (
        Index("ix_visit_review_queue", "team_id", "status", "day", "arrived_at"),
        Index("ix_visit_review_team_day", "team_id", "day", "arrived_at"),
        Index("ix_visit_review_store", "store_id", "arrived_at"),
        Index("ix_visit_review_rep_day", "rep_id", "day"),
        Index("ix_visit_review_photo", "photo"),
    )

    visit_id: str = Field(primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="store.id", max_length=36)
    rep_id: str | None = Field(default=None, foreign_key="user.id", max_length=36)
    team_id: str | None = Field(default=None, max_length=36)
    day: date
    arrived_at: datetime  # the phone's clock, in UTC: orders the queue, never decides anything
    received_at: datetime = Field(default_factory=utcnow)
    planned: bool = False
    photo: str | None = Field(default=None, max_length=64)  # the check-in photo's SHA-256
    capture: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flag_bits: int = 0
    inspected: bool = False  # the server has read the check-in photo (watermark, light, reuse)
    steps_done: int = 0
    steps_excepted: int = 0
    # The phone's check-out time (UTC); until then the visit is in progress and stays out of the
    # queue, unless the rep confirmed its day (see ``repository.reviewable``).
    checked_out_at: datetime | None = None
    status: str = Field(default="pending", max_length=16)  # pending → approved | rejected
    reason: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, max_length=1000)
    decided_by: str | None = Field(default=None, foreign_key="user.id", max_length=36)
    decided_at: datetime | None = None


class KeyAction(SQLModel, table=True):
    """One key action of a rep's day: a step of a visit, or a note or claim that followed a visit.
    Whether it was on time is decided from ``done`` and ``lag_minutes`` when the dashboard is
    drawn, by the definition in settings (see ``review.dashboard``)."""

    __tablename__ = "key_action"
    __table_args__ = (Index("ix_key_action_team_day", "team_id", "day"),)

    record_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=16)  # step, note, claim
    rep_id: str | None = Field(default=None, foreign_key="user.id", max_length=36)
    team_id: str | None = Field(default=None, max_length=36)
    visit_id: str | None = Field(default=None, max_length=36)
    day: date
    done: bool = True  # a step done, not excepted
    lag_minutes: int | None = None  # a note or claim: minutes after the rep arrived at the store


class DayConfirmation(SQLModel, table=True):
    __tablename__ = "day_confirmation"
    __table_args__ = (
        UniqueConstraint("rep_id", "day", name="uq_day_confirmation_rep_day"),
        Index("ix_day_confirmation_team_day", "team_id", "day"),
    )

    id: str = Field(primary_key=True, max_length=36)  # the synced record's id
    rep_id: str = Field(foreign_key="user.id", max_length=36)
    team_id: str | None = Field(default=None, max_length=36)
    day: date
    confirmed_at: str = Field(max_length=40)  # the phone's clock, for display
    received_at: datetime = Field(default_factory=utcnow)
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
