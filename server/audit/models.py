"""The audit log: who changed what, when, from which device."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.db import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: str | None = Field(default=None, index=True, max_length=36)
    device_id: str = Field(default="", max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(index=True, max_length=64)
    action: str = Field(max_length=32)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
