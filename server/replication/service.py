"""Sync use cases: push, pull, conflicts, blobs. Each push is its own transaction."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from ocr import ImageError, check_image
from server.accounts.models import Role, User
from server.accounts.service import Actor
from server.db import get_engine, session_scope
from server.errors import NotFound, PayloadTooLarge, Unprocessable
from server.jobs import service as jobs
from server.jobs.worker import poke
from server.replication.collections import REGISTRY
from server.replication.models import BlobMeta, SyncRecord
from server.replication.policy import ServerScope, can_see
from server.replication.store import CHANGES, COUNTER, RECORDS, SqlSyncStore, _state, audience_clause
from server.settings import Settings
from sync import CONFLICT, DiskBlobStore, Principal, Registry, parse_batch, pull, push, upgrade_batch
from sync.engine import record_payload

# SQLite has one writer at a time; queueing pushes here wakes the next at once instead of
# leaving each to SQLite's sleeping busy handler.
_sqlite_writer = threading.Lock()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _writer_lock(settings: Settings) -> threading.Lock | _NoLock:
    return _sqlite_writer if get_engine(settings).dialect.name == "sqlite" else _NoLock()


def principal(actor: Actor, device_id: str = "") -> Principal:
    return Principal(actor.user.id, actor.user.role, actor.user.team_id, device_id or actor.device_id)


def push_batch(settings: Settings, actor: Actor, raw: Any, registry: Registry = REGISTRY) -> dict[str, Any]:
    batch = parse_batch(upgrade_batch(raw), max_ops=settings.sync_max_ops)
    who = principal(actor, batch.device_id)
    with _writer_lock(settings), session_scope(settings) as session:
        store = SqlSyncStore(session)
        result = push(store, ServerScope(session), registry, who, batch)
        store.finish()
    return result.as_dict()


def pull_page(settings: Settings, actor: Actor, cursor: int, limit: int) -> dict[str, Any]:
    with session_scope(settings) as session:
        page = pull(SqlSyncStore(session), ServerScope(session), principal(actor), cursor, limit)
    return page.as_dict()


def open_conflicts(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Conflicts still waiting for a person, within the caller's scope."""
    query = select(RECORDS).where(RECORDS.c.collection == CONFLICT, RECORDS.c.deleted.is_(False))
    scope = audience_clause(principal(actor), RECORDS)
    if scope is not None:
        query = query.where(scope)
    states = [_state(r) for r in session.execute(query)]
    return [record_payload(s) for s in states if s.fields.get("status") == "open"]


def get_record(session: Session, actor: Actor, collection: str, record_id: str) -> dict[str, Any]:
    row = session.get(SyncRecord, (collection, record_id))
    if row is None or not can_see(principal(actor), collection, _state(row).scope):
        raise NotFound(f"No {collection} {record_id}.")
    return record_payload(_state(row))


# -- blobs -------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _blob_store(root: Path, max_bytes: int) -> DiskBlobStore:
    return DiskBlobStore(root, max_blob_bytes=max_bytes)


def blob_store(settings: Settings) -> DiskBlobStore:
    return _blob_store((settings.data_dir / "blobs").resolve(), settings.max_blob_bytes)


def blob_status(settings: Settings, sha256: str) -> dict[str, Any]:
    status = blob_store(settings).status(sha256)
    if status.state == "missing":
        with session_scope(settings) as session:
            meta = session.get(BlobMeta, sha256)
        if meta is not None and meta.refused:
            return {"sha256": sha256, "state": "refused", "received": 0, "code": meta.refused}
    return {"sha256": sha256, "state": status.state, "received": status.received}


def _blob_done(
    settings: Settings, actor: Actor, sha256: str, size: int, content_type: str, refused: str | None
) -> None:
    """Note a complete (or refused) blob and wake the jobs waiting for it."""
    with session_scope(settings) as session:
        if session.get(BlobMeta, sha256) is None:
            session.add(
                BlobMeta(
                    sha256=sha256,
                    size=size,
                    content_type=content_type[:100],
                    uploaded_by=actor.user.id,
                    refused=refused,
                )
            )
        woken = jobs.wake(session, sha256)
    if woken:
        poke()


def blob_append(
    settings: Settings, actor: Actor, sha256: str, offset: int, total: int, data: bytes, content_type: str
) -> dict[str, Any]:
    photo = content_type.startswith("image/")
    if photo and total > settings.max_photo_bytes:
        raise PayloadTooLarge(f"A photo is at most {settings.max_photo_bytes:,} bytes; this one is {total:,}.")
    store = blob_store(settings)
    status = store.append(sha256, offset, data, total=total)
    if status.state == "complete" and photo:
        path = store.path(sha256)
        try:
            check_image(path.read_bytes() if path else b"")
        except ImageError as exc:
            store.delete(sha256)  # the record that names it stays; only these bytes are refused
            _blob_done(settings, actor, sha256, status.received, content_type, exc.code)
            raise Unprocessable(f"The photo was refused: {exc}.", code=exc.code) from None
    if status.state == "complete":
        _blob_done(settings, actor, sha256, status.received, content_type, None)
    return {"sha256": sha256, "state": status.state, "received": status.received}


def blob_for_download(session: Session, settings: Settings, actor: Actor, sha256: str) -> tuple[Path, str]:
    """A blob's file, if the caller may read it: the uploader, their supervisor, finance or an admin."""
    meta = session.get(BlobMeta, sha256)
    path = blob_store(settings).path(sha256) if meta else None
    if meta is None or path is None or meta.refused:
        raise NotFound("No such blob.")
    role = Role(actor.user.role)
    allowed = role in (Role.admin, Role.finance) or meta.uploaded_by == actor.user.id
    if not allowed and role is Role.supervisor:
        uploader = session.get(User, meta.uploaded_by)
        allowed = uploader is not None and uploader.team_id == actor.user.team_id
    if not allowed:
        raise NotFound("No such blob.")
    return path, meta.content_type


def compact(session: Session, *, older_than: datetime) -> dict[str, int]:
    """Drop superseded change rows and purge tombstones older than ``older_than``.

    Superseded rows (a newer row exists for the same record and audience) can go at any time: a
    device behind them still meets the newer row. Purging a tombstone loses the record's delete
    for devices that never pulled it, so the horizon moves past it and such devices resync.
    """
    SqlSyncStore(session).begin_write()  # no writer may interleave with the rewrite of the sequence
    c = CHANGES
    newer = c.alias("newer")
    superseded = (
        select(c.c.id)
        .where(
            exists().where(
                newer.c.collection == c.c.collection,
                newer.c.record_id == c.c.record_id,
                newer.c.seq > c.c.seq,
                newer.c.rep_id.is_not_distinct_from(c.c.rep_id),
                newer.c.team_id.is_not_distinct_from(c.c.team_id),
                newer.c.public == c.c.public,
            )
        )
        .scalar_subquery()
    )
    dropped = session.execute(delete(c).where(c.c.id.in_(superseded))).rowcount  # type: ignore[attr-defined]
    tombstones = session.execute(
        select(RECORDS.c.collection, RECORDS.c.id, RECORDS.c.version).where(
            RECORDS.c.deleted.is_(True), RECORDS.c.updated_at < older_than
        )
    ).all()
    horizon = 0
    for collection, record_id, version in tombstones:
        session.execute(delete(c).where(c.c.collection == collection, c.c.record_id == record_id))
        session.execute(delete(RECORDS).where(RECORDS.c.collection == collection, RECORDS.c.id == record_id))
        horizon = max(horizon, int(version))
    if horizon:
        session.execute(update(COUNTER).where(COUNTER.c.id == 1, COUNTER.c.horizon < horizon).values(horizon=horizon))
    return {"superseded_rows": int(dropped or 0), "tombstones_purged": len(tombstones), "horizon": horizon}
