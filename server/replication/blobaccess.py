"""Who may read a blob. A record naming a blob shares it with the record's readers only when the
record's author holds the bytes (sent every byte, verified against the hash); knowing a hash is
never enough. Used by downloads, thumbnails, upload status, and the jobs that read blobs."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server.accounts.models import Role
from server.registry import installed
from server.replication.models import BlobHolder, BlobMeta, BlobRef
from server.replication.store import RECORDS, state_of
from server.scope import can_see
from server.settings import Settings
from sync import BlobStore, DiskBlobStore, OpRejected, Principal, S3BlobStore, named_blobs, s3_client


@lru_cache(maxsize=8)
def _disk_store(root: Path, max_bytes: int) -> DiskBlobStore:
    return DiskBlobStore(root, max_blob_bytes=max_bytes)


@lru_cache(maxsize=8)
def _s3_store(
    endpoint: str,
    region: str,
    key_id: str,
    secret: str,
    style: str,
    bucket: str,
    prefix: str,
    part_bytes: int,
    max_bytes: int,
    cache: Path,
) -> S3BlobStore:
    client = s3_client(
        endpoint_url=endpoint, region=region, access_key_id=key_id, secret_access_key=secret, addressing_style=style
    )
    return S3BlobStore(client, bucket, max_blob_bytes=max_bytes, cache_dir=cache, prefix=prefix, part_bytes=part_bytes)


def blob_store(settings: Settings) -> BlobStore:
    """The configured store (``blob_store``): one per process, shared by its threads."""
    if settings.blob_store == "s3":
        return _s3_store(
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
            settings.s3_addressing_style,
            settings.s3_bucket,
            settings.s3_prefix,
            settings.s3_part_bytes,
            settings.max_blob_bytes,
            (settings.blob_cache_dir or settings.data_dir / "blob-cache").resolve(),
        )
    return _disk_store((settings.data_dir / "blobs").resolve(), settings.max_blob_bytes)


# Domains' own references to blobs outside synced records (e.g. review items of imported history)
# are their ``Domain.blob_readers``: (session, who, sha256, holders) -> may ``who`` read it?


def holders(session: Session, sha256: str) -> set[str]:
    return set(session.exec(select(BlobHolder.user_id).where(BlobHolder.sha256 == sha256)).all())


def holds(session: Session, sha256: str, user_id: str | None) -> bool:
    return user_id is not None and session.get(BlobHolder, (sha256, user_id)) is not None


def can_read_blob(session: Session, who: Principal, sha256: str) -> bool:
    """A blob is readable by whoever may see a record that names it, when that record's author
    holds the bytes; by its holders while no such record exists; by admins. Knowing a hash is
    never enough."""
    if Role(who.role) is Role.admin:
        return True
    held = holders(session, sha256)
    rows = session.execute(
        sa_select(RECORDS)
        .join(BlobRef, (BlobRef.collection == RECORDS.c.collection) & (BlobRef.record_id == RECORDS.c.id))
        .where(col(BlobRef.sha256) == sha256, RECORDS.c.deleted.is_(False))
    ).all()
    naming = [s for s in (state_of(r) for r in rows) if s.created_by in held]
    if any(can_see(who, s.collection, s.scope) for s in naming):
        return True
    if any(reader(session, who, sha256, held) for reader in installed().blob_readers):
        return True
    return who.user_id in held and not naming


def check_named_blobs(session: Session, who: Principal, fields: Mapping[str, Any]) -> None:
    """Refuse a record naming a stored blob its writer neither holds nor may read."""
    names = named_blobs(fields)
    if not names:
        return
    stored = session.exec(select(BlobMeta.sha256).where(col(BlobMeta.sha256).in_(names))).all()
    for sha in stored:
        if not holds(session, sha, who.user_id) and not can_read_blob(session, who, sha):
            raise OpRejected("blob_not_yours", "This names a photo or recording that is not yours.")


def note_named_blobs(session: Session, collection: str, record_id: str, fields: Mapping[str, Any]) -> None:
    names = named_blobs(fields)
    if not names:
        return
    known = set(
        session.exec(
            select(BlobRef.sha256).where(BlobRef.collection == collection, BlobRef.record_id == record_id)
        ).all()
    )
    for sha in names - known:
        session.add(BlobRef(sha256=sha, collection=collection, record_id=record_id))
    session.flush()


def held_path(settings: Settings, session: Session, sha256: str, user_id: str | None) -> Path | None:
    """The blob's file for a job working for ``user_id``'s record: only if that user holds it."""
    if not holds(session, sha256, user_id):
        return None
    return blob_store(settings).path(sha256)


class HeldBlobs:
    """A blob store seen by a job working for one record: blobs its author does not hold are absent."""

    def __init__(self, store: BlobStore, held: set[str]) -> None:
        self.store, self.held = store, held

    def path(self, sha256: str) -> Path | None:
        return self.store.path(sha256) if sha256 in self.held else None
