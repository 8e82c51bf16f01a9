"""Tables behind the sync protocol: devices, records, the change sequence, blobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from server.db import utcnow


class SyncDevice(SQLModel, table=True):
    """One installed app of one user; ``last_seq`` is the highest operation seq applied."""

    __tablename__ = "sync_device"

    device_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="user.id", index=True, max_length=36)
    last_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = Field(default_factory=utcnow)
    last_push_at: datetime | None = None


class SyncRecord(SQLModel, table=True):
    """The current state of every synced record, field by field, with per-field versions."""

    __tablename__ = "sync_record"
    __table_args__ = (
        Index("ix_sync_record_rep", "collection", "rep_id"),
        Index("ix_sync_record_team", "collection", "team_id"),
        Index("ix_sync_record_store", "collection", "store_id"),
        Index("ix_sync_record_parent", "collection", "parent_id"),
    )

    collection: str = Field(primary_key=True, max_length=32)
    id: str = Field(primary_key=True, max_length=36)
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    versions: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    writers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
    deleted: bool = False
    rep_id: str | None = Field(default=None, max_length=36)
    team_id: str | None = Field(default=None, max_length=36)
    store_id: str | None = Field(default=None, max_length=36)
    # the record this one hangs off (a step's visit, a recording's note: ``Domain.parents``)
    parent_id: str | None = Field(default=None, max_length=36)
    public: bool = False
    created_by: str | None = Field(default=None, max_length=36)
    updated_at: datetime = Field(default_factory=utcnow)


class SyncChange(SQLModel, table=True):
    """The change sequence: one row per change and audience, numbered in commit order.

    When a record's scope changes, a second row carries the old audience so their devices
    learn the record left them (pull answers ``evict``).
    """

    __tablename__ = "sync_change"
    __table_args__ = (
        Index("ix_sync_change_rep_seq", "rep_id", "seq"),
        Index("ix_sync_change_team_seq", "team_id", "seq"),
        Index("ix_sync_change_public_seq", "public", "seq"),
        Index("ix_sync_change_collection_seq", "collection", "seq"),
        Index("ix_sync_change_record", "collection", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    collection: str = Field(max_length=32)
    record_id: str = Field(max_length=36)
    rep_id: str | None = Field(default=None, max_length=36)
    team_id: str | None = Field(default=None, max_length=36)
    public: bool = False


class SyncCounter(SQLModel, table=True):
    """The single row whose lock serialises writers: ``value`` is the last change seq handed out;
    ``horizon`` the seq below which changes may have been compacted."""

    __tablename__ = "sync_counter"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    horizon: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class BlobMeta(SQLModel, table=True):
    """A complete, verified blob (or refused bytes) and who uploaded it first."""

    __tablename__ = "blob_meta"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    content_type: str = Field(default="application/octet-stream", max_length=100)
    uploaded_by: str = Field(foreign_key="user.id", index=True, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the bytes were refused (a "photo" that is not one): the same hash is the same bytes,
    # so it stays refused, and jobs waiting for it go on without it.
    refused: str | None = Field(default=None, max_length=32)


class BlobHolder(SQLModel, table=True):
    """A user who sent every byte of a blob, verified against its hash: they hold its content.
    Naming a blob in a record shares it with the record's readers only when the record's author
    holds it, so knowing a hash never opens someone else's photo."""

    __tablename__ = "blob_holder"

    sha256: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, foreign_key="user.id", max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class BlobRef(SQLModel, table=True):
    """A synced record that names a blob (a step's photos, a claim's receipt, a recording's audio)."""

    __tablename__ = "blob_ref"

    sha256: str = Field(primary_key=True, max_length=64)
    collection: str = Field(primary_key=True, max_length=32)
    record_id: str = Field(primary_key=True, max_length=36)
