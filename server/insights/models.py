"""What the outcome measures keep of their own: stock counts and deliveries (projected from the
display step as it syncs, or imported), one row of display facts per visit, and the
store-potential model's versions with the scores each gave.

- ``shelf_count``: units of one own SKU on the shelf and in the back room, counted at a visit
  (the display step's ``stock`` field), after any delivery of that day.
- ``delivery``: units of one SKU delivered to a store on a day (recorded at a visit, or a line of
  a deliveries CSV); ``ref`` makes an import idempotent.
- ``visit_fact``: per visit, the own facings counted, the share of the display's yes/no checks
  answered yes, and the owner's reorder intent when the interview asked it.
- ``potential_model`` / ``store_potential``: each training of the model (its version, what it was
  trained and back-tested on, its coefficients) and the score, rank and top factors it gave each
  store; a score is never read without the model it came from.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import utcnow
from sync.ids import uuid7


class ShelfCount(SQLModel, table=True):
    __tablename__ = "shelf_count"
    __table_args__ = (
        UniqueConstraint("visit_id", "sku_id", name="uq_shelf_count_visit_sku"),
        Index("ix_shelf_count_sku_store_day", "sku_id", "store_id", "day"),
    )

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    visit_id: str = Field(max_length=36)
    store_id: str = Field(foreign_key="store.id", max_length=36)
    sku_id: str = Field(foreign_key="sku.id", max_length=36)
    rep_id: str | None = Field(default=None, max_length=36)
    day: date
    units: int = Field(ge=0)


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_sku_store_day", "sku_id", "store_id", "day"),)

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    ref: str = Field(unique=True, max_length=80)  # visit:<visit>:<sku>, or csv:<the file's own reference>
    store_id: str = Field(foreign_key="store.id", max_length=36)
    sku_id: str = Field(foreign_key="sku.id", max_length=36)
    day: date
    units: int = Field(ge=0)
    source: str = Field(default="csv", max_length=8)  # visit, csv
    created_at: datetime = Field(default_factory=utcnow)


class VisitFact(SQLModel, table=True):
    __tablename__ = "visit_fact"
    __table_args__ = (Index("ix_visit_fact_store_day", "store_id", "day"),)

    visit_id: str = Field(primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="store.id", max_length=36)
    rep_id: str | None = Field(default=None, max_length=36)
    day: date
    facings: int | None = None
    display_ok: float | None = None  # share of the display's yes/no checks answered yes
    reorder_intent: str | None = Field(default=None, max_length=8)  # high, medium, low


class PotentialModel(SQLModel, table=True):
    __tablename__ = "potential_model"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    version: int = Field(unique=True)
    trained_at: datetime = Field(default_factory=utcnow)
    trained_on: str = Field(max_length=32)  # the launch SKU's code whose sell-through it learned
    tested_on: str | None = Field(default=None, max_length=32)  # the launch it was back-tested on
    window_days: int
    stores: int  # stores it learned from (the launch was placed there)
    auc: float | None = None
    lift_top20: float | None = None
    train_seconds: float
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StorePotential(SQLModel, table=True):
    __tablename__ = "store_potential"
    __table_args__ = (Index("ix_store_potential_model_rank", "model_id", "rank"),)

    model_id: str = Field(foreign_key="potential_model.id", primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="store.id", primary_key=True, max_length=36)
    score: float
    rank: int
    top: bool = False  # in the top 20 %: trial samples go here first
    factors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
