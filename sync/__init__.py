"""Fieldvisit's sync protocol as a library that knows nothing of HTTP, SQL or the web framework.

Public API:
- ids: ``uuid7``, ``is_uuid7`` — client-generated record and operation ids.
- model: ``Policy``, ``Field``, ``Collection``, ``OpType``, ``Registry``, ``Operation``, ``Batch``,
  ``RecordState``, ``Scope``, ``parse_batch``, ``PROTOCOL_VERSION``.
- merge: pure functions applying one operation to a record (``sync.merge``).
- engine: ``push`` and ``pull`` over a ``SyncStore`` and ``ScopePolicy`` the caller implements.
- memory: ``MemoryStore`` and ``MemoryScope`` — both in memory (dicts, no database), for tests,
  tools and simulations of the engine.
- upgrade: ``upgrade_batch`` walks an older client's batch up to the current protocol.
- blobs: ``DiskBlobStore`` — resumable, SHA-256-verified content-addressed files; ``sniff_type``
  tells a blob's type from its bytes. ``S3BlobStore`` (``sync.s3blobs``): the same in S3-compatible
  object storage, through boto3.
- errors: the ``SyncError`` hierarchy (see ``sync.errors``).
"""

from sync.blobs import BlobStatus, BlobStore, DiskBlobStore, check_sha256, named_blobs, sniff_type
from sync.engine import (
    CONFLICT,
    CONFLICT_COLLECTION,
    ChangeRow,
    OpResult,
    Principal,
    PullPage,
    PushResult,
    ScopePolicy,
    SyncStore,
    pull,
    push,
)
from sync.errors import (
    BatchError,
    BatchTooLarge,
    BlobError,
    BlobHashMismatch,
    BlobOffsetMismatch,
    BlobTooLarge,
    DeviceNotYours,
    InvalidOperation,
    MalformedBatch,
    MalformedJson,
    OpRejected,
    OutOfScope,
    SequenceGap,
    SyncError,
    UnknownOperation,
)
from sync.ids import is_uuid7, uuid7
from sync.memory import MemoryScope, MemoryStore
from sync.model import (
    PROTOCOL_VERSION,
    Batch,
    Collection,
    Field,
    Operation,
    OpType,
    Policy,
    RecordState,
    Registry,
    Scope,
    decode_batch,
    parse_batch,
)
from sync.s3blobs import S3BlobStore, s3_client
from sync.upgrade import upgrade_batch

__all__ = [
    "CONFLICT",
    "CONFLICT_COLLECTION",
    "PROTOCOL_VERSION",
    "Batch",
    "BatchError",
    "BatchTooLarge",
    "BlobError",
    "BlobHashMismatch",
    "BlobOffsetMismatch",
    "BlobStatus",
    "BlobStore",
    "BlobTooLarge",
    "ChangeRow",
    "Collection",
    "DeviceNotYours",
    "DiskBlobStore",
    "Field",
    "InvalidOperation",
    "MalformedBatch",
    "MalformedJson",
    "MemoryScope",
    "MemoryStore",
    "OpRejected",
    "OpResult",
    "OpType",
    "Operation",
    "OutOfScope",
    "Policy",
    "Principal",
    "PullPage",
    "PushResult",
    "RecordState",
    "Registry",
    "S3BlobStore",
    "Scope",
    "ScopePolicy",
    "SequenceGap",
    "SyncError",
    "SyncStore",
    "UnknownOperation",
    "check_sha256",
    "decode_batch",
    "is_uuid7",
    "named_blobs",
    "parse_batch",
    "pull",
    "push",
    "s3_client",
    "sniff_type",
    "upgrade_batch",
    "uuid7",
]
