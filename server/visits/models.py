"""Visit templates, versioned: saving a template makes a new row; visits keep the row they used."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import utcnow
from sync.ids import uuid7


class VisitTemplate(SQLModel, table=True):
    __tablename__ = "visit_template"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    code: str = Field(index=True, max_length=32)
    version: int = 1
    name: str = Field(max_length=60)
    name_en: str = Field(default="", max_length=60)
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True  # the newest version of a code is active; older ones stay for their visits
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=36)
