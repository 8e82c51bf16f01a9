"""The job table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import utcnow


class Job(SQLModel, table=True):
    """One piece of long work. ``key`` makes enqueueing idempotent per kind (e.g. one transcription
    per recording); ``waits_for`` names a blob the job needs before it can run."""

    __tablename__ = "job"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_job_kind_key"),
        Index("ix_job_due", "status", "run_after"),
        Index("ix_job_waits_for", "waits_for"),
    )

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=32)
    key: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=16)  # queued, running, done, dead
    attempts: int = 0
    run_after: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    waits_for: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=2000)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
