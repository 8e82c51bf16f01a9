"""Stores (outlets) a rep visits."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel

from server.db import utcnow
from sync.ids import uuid7

DEFAULT_GEOFENCE_M = 150
MAX_ROUTE_ORDER = 1_000_000  # route_order is an INTEGER column


class Channel(StrEnum):
    supermarket = "supermarket"
    convenience = "convenience"
    restaurant = "restaurant"
    tobacco_liquor = "tobacco_liquor"
    other = "other"


class StoreBase(SQLModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(default="", max_length=255)
    channel: str = Field(default=Channel.convenience.value, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    geofence_m: int = Field(default=DEFAULT_GEOFENCE_M, ge=10, le=5000)
    rep_id: str | None = Field(default=None, max_length=36)
    region_id: str | None = Field(default=None, max_length=36)
    # The visit cycle: ISO weekdays (1 = Monday) as "1,4", every `cycle_weeks` weeks counted from
    # `cycle_anchor`; `route_order` is a supervisor's fixed position in the day's route.
    visit_days: str = Field(default="", max_length=20)
    cycle_weeks: int = Field(default=1, ge=1, le=8)
    cycle_anchor: str = Field(default="2026-01-05", max_length=10)
    route_order: int | None = Field(default=None, ge=0, le=MAX_ROUTE_ORDER)


VISIT_DAYS = re.compile(r"^([1-7](,[1-7])*)?$")
ANCHOR = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TEXT_FIELDS = ("code", "name", "address")


def _check_cycle(visit_days: str | None, anchor: str | None) -> None:
    if visit_days is not None and not VISIT_DAYS.match(visit_days):
        raise ValueError("visit_days lists ISO weekdays 1–7, e.g. '1,4'")
    if anchor is not None:
        try:
            valid = bool(ANCHOR.match(anchor)) and date.fromisoformat(anchor) is not None
        except ValueError:
            valid = False
        if not valid:
            raise ValueError("cycle_anchor is a date, e.g. '2026-01-05'")


def one_line(value: str | None) -> str | None:
    """A store's code, name and address are one line of text: no line breaks, tabs, NUL or other
    control characters (they break CSV files and PostgreSQL refuses NUL)."""
    if value is not None and any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in value):
        raise ValueError("must be one line of text, without line breaks or control characters")
    return value


class Store(StoreBase, table=True):
    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    code: str = Field(unique=True, index=True, max_length=32)
    rep_id: str | None = Field(default=None, foreign_key="user.id", index=True, max_length=36)
    region_id: str | None = Field(default=None, foreign_key="region.id", index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StoreCreate(StoreBase):
    _one_line = field_validator(*TEXT_FIELDS)(one_line)

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        return Channel(value).value

    @model_validator(mode="after")
    def _cycle(self) -> StoreCreate:
        _check_cycle(self.visit_days, self.cycle_anchor)
        return self


class StoreUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    address: str | None = Field(default=None, max_length=255)
    channel: str | None = Field(default=None, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    geofence_m: int | None = Field(default=None, ge=10, le=5000)
    rep_id: str | None = Field(default=None, max_length=36)
    visit_days: str | None = Field(default=None, max_length=20)
    cycle_weeks: int | None = Field(default=None, ge=1, le=8)
    cycle_anchor: str | None = Field(default=None, max_length=10)
    route_order: int | None = Field(default=None, ge=0, le=MAX_ROUTE_ORDER)

    _one_line = field_validator("name", "address")(one_line)

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str | None) -> str | None:
        return None if value is None else Channel(value).value

    @model_validator(mode="after")
    def _cycle(self) -> StoreUpdate:
        _check_cycle(self.visit_days, self.cycle_anchor)
        return self

    @model_validator(mode="after")
    def _no_null_for_required(self) -> StoreUpdate:
        # Leaving a field out keeps it; null is a value only where a store may lack one (position, rep).
        for name in sorted(self.model_fields_set - NULLABLE):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


NULLABLE = frozenset({"lat", "lng", "rep_id", "route_order"})


class StorePublic(StoreBase):
    id: str
    updated_at: datetime
