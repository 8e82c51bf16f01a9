"""Catalogues: our own SKUs, competitor SKUs (by barcode) and POSM materials."""

from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from sync.ids import uuid7


class Sku(SQLModel, table=True):
    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    code: str = Field(unique=True, max_length=32)
    barcode: str = Field(default="", index=True, max_length=32)
    name: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    category: str = Field(default="", max_length=32)
    # A new product: its launch day, and the sell-through it should reach (share of the stores it
    # was placed in, 0–1; the alert fires below it). None for the established range.
    launch_date: date | None = None
    launch_target: float | None = Field(default=None, ge=0, le=1)


class CompetitorSku(SQLModel, table=True):
    __tablename__ = "competitor_sku"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    barcode: str = Field(unique=True, max_length=32)
    brand: str = Field(max_length=64)
    name: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    category: str = Field(default="", max_length=32)


class Material(SQLModel, table=True):
    """Point-of-sale material (POSM): posters, shelf talkers, price cards, fridge stickers."""

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=120)
    name_en: str = Field(default="", max_length=120)
    unit: str = Field(default="pcs", max_length=16)


class MaterialAllocation(SQLModel, table=True):
    """How many of a POSM item a rep may place in a month."""

    __tablename__ = "material_allocation"
    __table_args__ = (UniqueConstraint("rep_id", "material_id", "period"),)

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    rep_id: str = Field(foreign_key="user.id", index=True, max_length=36)
    material_id: str = Field(foreign_key="material.id", max_length=36)
    period: str = Field(max_length=7, regex=r"^\d{4}-\d{2}$")  # "2026-11"
    quantity: int = Field(ge=0)
