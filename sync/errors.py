"""Errors of the sync library.

SyncError
├── BatchError            the whole push is refused and nothing changes (the server answers 4xx)
│   ├── MalformedBatch        400 malformed_batch: not the documented shape
│   ├── MalformedJson         400 malformed_json: not JSON (or nested too deeply)
│   ├── UnknownOperation      unknown_operation: an operation type this server does not know
│   ├── InvalidOperation      invalid_operation: fields that do not fit the intent's schema
│   │                         (during a push both answer that one operation ``rejected``)
│   ├── DeviceNotYours        403 device_not_yours: the device id belongs to another user
│   ├── OutOfScope            not_found: a record the user may not see (a rejection during a push)
│   ├── SequenceGap           409 sequence_gap: the batch does not start right after the last applied seq
│   └── BatchTooLarge         413 too_large
├── OpRejected            one operation is refused with a reason; the device's seq still advances
└── BlobError
    ├── BlobOffsetMismatch    409: a chunk that does not start where the stored part ends
    ├── BlobHashMismatch      422: the bytes do not hash to the name they were sent under
    └── BlobTooLarge          413
"""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    status = 400
    code = "sync_error"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class BatchError(SyncError):
    pass


class MalformedBatch(BatchError):
    code = "malformed_batch"


class MalformedJson(BatchError):
    code = "malformed_json"


class UnknownOperation(BatchError):
    code = "unknown_operation"


class InvalidOperation(BatchError):
    """Fields that do not fit: answered as a rejection of that one operation during a push."""

    code = "invalid_operation"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None, code: str | None = None) -> None:
        super().__init__(detail, extra=extra)
        if code is not None:
            self.code = code


class DeviceNotYours(BatchError):
    status = 403
    code = "device_not_yours"


class OutOfScope(BatchError):
    status = 404
    code = "not_found"


class SequenceGap(BatchError):
    status = 409
    code = "sequence_gap"


class BatchTooLarge(BatchError):
    status = 413
    code = "too_large"


class OpRejected(SyncError):
    """One operation refused for a business reason; the phone shows ``detail`` to the rep."""

    code = "rejected"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class BlobError(SyncError):
    code = "blob_error"


class BlobOffsetMismatch(BlobError):
    status = 409
    code = "offset_mismatch"


class BlobHashMismatch(BlobError):
    status = 422
    code = "hash_mismatch"


class BlobTooLarge(BlobError):
    status = 413
    code = "too_large"
