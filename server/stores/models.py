"""Stores (outlets) a rep visits."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from server.db import utcnow
from sync.ids import uuid7

DEFAULT_GEOFENCE_M = 150


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


class Store(StoreBase, table=True):
    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    code: str = Field(unique=True, index=True, max_length=32)
    rep_id: str | None = Field(default=None, foreign_key="user.id", index=True, max_length=36)
    region_id: str | None = Field(default=None, foreign_key="region.id", index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StoreCreate(StoreBase):
    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        return Channel(value).value


class StoreUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    address: str | None = Field(default=None, max_length=255)
    channel: str | None = Field(default=None, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lng: float | None = Field(default=None, ge=-180, le=180)
    geofence_m: int | None = Field(default=None, ge=10, le=5000)
    rep_id: str | None = Field(default=None, max_length=36)

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str | None) -> str | None:
        return None if value is None else Channel(value).value


class StorePublic(StoreBase):
    id: str
    updated_at: datetime
