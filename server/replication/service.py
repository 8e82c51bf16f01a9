"""Sync use cases: push, pull, conflicts, blobs. Each takes the request's session and never commits."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from server.accounts.service import Actor
from server.db import serialize
from server.errors import NotFound, PayloadTooLarge, Unprocessable
from server.jobs import service as jobs
from server.registry import installed
from server.replication.blobaccess import blob_store, can_read_blob
from server.replication.blobcheck import BlobRefused, check_blob
from server.replication.models import BlobHolder, BlobMeta, SyncRecord
from server.replication.policy import ServerScope
from server.replication.store import CHANGES, COUNTER, RECORDS, SqlSyncStore, state_of
from server.scope import audience_clause, can_see
from server.settings import Settings
from sync import (
    CONFLICT,
    Principal,
    Registry,
    decode_batch,
    parse_batch,
    pull,
    push,
    sniff_type,
    upgrade_batch,
)
from sync.blobs import SNIFF_BYTES, offset_mismatch
from sync.engine import record_payload


def principal(actor: Actor, device_id: str = "") -> Principal:
    return Principal(actor.user.id, actor.user.role, actor.user.team_id, device_id or actor.device_id)


def push_batch(
    session: Session, settings: Settings, actor: Actor, body: bytes, registry: Registry | None = None
) -> dict[str, Any]:
    """Decode (strict JSON), upgrade, check and apply one push body in the caller's transaction."""
    batch = parse_batch(upgrade_batch(decode_batch(body)), max_ops=settings.sync_max_ops)
    who = principal(actor, batch.device_id)
    store = SqlSyncStore(session)
    result = push(store, ServerScope(session), registry or installed().registry, who, batch)
    store.finish()
    return result.as_dict()


def pull_page(session: Session, actor: Actor, cursor: int, limit: int) -> dict[str, Any]:
    page = pull(SqlSyncStore(session), ServerScope(session), principal(actor), cursor, limit)
    return page.as_dict()


def open_conflicts(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Conflicts still waiting for a person, within the caller's scope."""
    query = select(RECORDS).where(RECORDS.c.collection == CONFLICT, RECORDS.c.deleted.is_(False))
    scope = audience_clause(principal(actor), RECORDS)
    if scope is not None:
        query = query.where(scope)
    states = [state_of(r) for r in session.execute(query)]
    return [record_payload(s) for s in states if s.fields.get("status") == "open"]


def get_record(session: Session, actor: Actor, collection: str, record_id: str) -> dict[str, Any]:
    row = session.get(SyncRecord, (collection, record_id))
    if row is None or not can_see(principal(actor), collection, state_of(row).scope):
        raise NotFound(f"No {collection} {record_id}.")
    return record_payload(state_of(row))


def blob_status(session: Session, settings: Settings, actor: Actor, sha256: str) -> dict[str, Any]:
    """What the caller's own upload has; ``complete`` (or ``refused``) only for a blob they may read.
    To anyone else a stored blob looks missing: they must send its bytes to hold it."""
    who = principal(actor)
    store = blob_store(settings)
    readable = can_read_blob(session, who, sha256)
    meta = session.get(BlobMeta, sha256) if readable else None
    status = store.status(sha256, who.user_id) if readable else store.part_status(sha256, who.user_id)
    if status.state == "missing" and meta is not None and meta.refused:
        return {"sha256": sha256, "state": "refused", "received": 0, "code": meta.refused}
    return {"sha256": sha256, "state": status.state, "received": status.received}


def _blob_done(
    session: Session,
    actor: Actor,
    sha256: str,
    size: int,
    content_type: str,
    refused: str | None,
    meta: BlobMeta | None,
) -> None:
    """Note a complete (or refused) blob and its holder, and wake the jobs waiting for it. ``meta``:
    the blob's row as the caller read it (``None``: there is none yet)."""
    if meta is None:
        session.add(
            BlobMeta(sha256=sha256, size=size, content_type=content_type, uploaded_by=actor.user.id, refused=refused)
        )
    if session.get(BlobHolder, (sha256, actor.user.id)) is None:
        session.add(BlobHolder(sha256=sha256, user_id=actor.user.id))
    jobs.wake(session, sha256)  # and the workers are told once this commits


def blob_append(
    session: Session, settings: Settings, actor: Actor, sha256: str, offset: int, total: int, data: bytes
) -> dict[str, Any]:
    """One chunk of the caller's upload. The type comes from the bytes (a photo or a recording, or
    422 ``unsupported_blob_type``), never from what the uploader says. The last chunk must make a
    photo that decodes whole or a recording that holds sound: else 422 (``truncated_image``,
    ``not_an_image``, ``not_audio``…), nothing stored and the hash remembered as refused."""
    who = principal(actor)
    # one blob at a time across processes: a retried chunk (its first try still running elsewhere)
    # or two holders of the same bytes wait here, then find the other's work done
    serialize(session, f"blob:{sha256}")
    store = blob_store(settings)
    head = data[:SNIFF_BYTES] if offset == 0 else store.head(sha256, who.user_id)
    if not head:  # nothing of this upload is here (it never arrived, or was cleared): say where to start
        raise offset_mismatch(store.part_status(sha256, who.user_id).received)
    kind = sniff_type(head)
    if kind is None:
        if offset == 0 and len(data) == total and hashlib.sha256(data).hexdigest() == sha256:
            # verified bytes: remember them as refused, so jobs waiting for them go on without them
            _blob_done(
                session,
                actor,
                sha256,
                total,
                "application/octet-stream",
                "unsupported_blob_type",
                session.get(BlobMeta, sha256),
            )
        raise Unprocessable(
            "Only photos (JPEG, PNG, WebP) and recordings (WebM, Ogg, MP4, WAV) are stored.",
            code="unsupported_blob_type",
            keep=True,
        )
    photo = kind.startswith("image/")
    if photo and total > settings.max_photo_bytes:
        raise PayloadTooLarge(f"A photo is at most {settings.max_photo_bytes:,} bytes; this one is {total:,}.")
    meta = session.get(BlobMeta, sha256)
    # a stored blob is reused only once it was checked (a file without its row was never vetted)
    readable = meta is not None and not meta.refused and can_read_blob(session, who, sha256)
    try:
        # photos must decode whole, recordings must hold sound: checked before the bytes are stored
        status = store.append(
            sha256,
            offset,
            data,
            total=total,
            owner=who.user_id,
            reuse_complete=readable,
            check=lambda path: check_blob(kind, path),
        )
    except BlobRefused as exc:  # the record that names it stays; only these bytes are refused
        _blob_done(session, actor, sha256, total, kind, exc.code, meta)
        raise Unprocessable(exc.detail, code=exc.code, keep=True) from None
    if status.state == "complete":
        _blob_done(session, actor, sha256, status.received, kind, None, meta)
    return {"sha256": sha256, "state": status.state, "received": status.received}


def blob_for_download(session: Session, settings: Settings, actor: Actor, sha256: str) -> tuple[Path, str]:
    """A blob's file and its type (told again from its bytes), if the caller may read it; else 404."""
    meta = session.get(BlobMeta, sha256)
    path = blob_store(settings).path(sha256) if meta else None
    if meta is None or path is None or meta.refused or not can_read_blob(session, principal(actor), sha256):
        raise NotFound("No such blob.")
    return path, sniff_type(blob_store(settings).head(sha256)) or "application/octet-stream"


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
