"""Promotions, their budget pools, the finance side of each claim, and the hashes of submitted photos.

Money is kept in integer fen (cents): ``amount_cents``. A pool's ``spent_cents`` only moves by a
conditional UPDATE (see ``service.decide``), and a CHECK constraint refuses an overdraw even if
some other code path forgot the condition.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import utcnow
from sync.ids import uuid7


class Promotion(SQLModel, table=True):
    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    starts_on: date
    ends_on: date
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

    def synced(self) -> dict[str, Any]:
        """What phones and the API see of a promotion (never its money)."""
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "active": self.active,
        }


class BudgetPool(SQLModel, table=True):
    """Money set aside for one promotion, for a period, limited to channels, a region or stores
    (an empty list means all)."""

    __tablename__ = "budget_pool"
    __table_args__ = (
        CheckConstraint("spent_cents >= 0 AND spent_cents <= amount_cents", name="ck_budget_pool_within_amount"),
    )

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    promotion_id: str = Field(foreign_key="promotion.id", index=True, max_length=36)
    name: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    starts_on: date
    ends_on: date
    region_id: str | None = Field(default=None, foreign_key="region.id", max_length=36)
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    store_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    spent_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = Field(default_factory=utcnow)


class ClaimReview(SQLModel, table=True):
    """Finance's side of a claim (the claim itself is a synced record, which holds its status): the
    pool it draws on, and the decision. One row per claim, so a claim is decided once."""

    __tablename__ = "claim_review"
    __table_args__ = (Index("ix_claim_review_submitted", "submitted_at"),)

    claim_id: str = Field(primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="store.id", index=True, max_length=36)
    rep_id: str | None = Field(default=None, foreign_key="user.id", max_length=36)
    pool_id: str | None = Field(default=None, foreign_key="budget_pool.id", max_length=36)
    claimed_cents: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    approved_cents: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    action: str | None = Field(default=None, max_length=16)  # approve, correct, reject
    reason: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, max_length=1000)
    corrections: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    decided_by: str | None = Field(default=None, foreign_key="user.id", max_length=36)
    submitted_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    decided_at: datetime | None = None


class PhotoHash(SQLModel, table=True):
    """Perceptual hashes of a photo submitted with a record, to find a photo used again."""

    __tablename__ = "photo_hash"
    __table_args__ = (UniqueConstraint("sha256", "collection", "record_id", name="uq_photo_hash_use"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    collection: str = Field(max_length=32)
    record_id: str = Field(max_length=36, index=True)
    store_id: str | None = Field(default=None, max_length=36)
    hashes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
