"""Building sync batches in tests, the way a phone does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from sync import PROTOCOL_VERSION, uuid7


@dataclass
class Phone:
    """A device's outbox numbering."""

    device_id: str = field(default_factory=lambda: f"dev-{uuid7()}")
    seq: int = 0

    def op(
        self,
        type_: str,
        record_id: str,
        fields: dict[str, Any] | None = None,
        base: dict[str, int] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        self.seq += 1
        op = {"op_id": uuid7(), "seq": self.seq, "type": type_, "id": record_id, "fields": fields or {}}
        if base:
            op["base"] = base
        op.update(extra)
        return op

    def batch(self, *ops: dict[str, Any]) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id, "ops": list(ops)}


def upload(client: httpx.Client, data: bytes) -> Any:
    """Put a whole blob in one chunk, as a phone does for a small photo (any httpx client: the
    app's TestClient or a live server's). The server tells its type from the bytes."""
    sha = hashlib.sha256(data).hexdigest()
    return client.put(
        f"/api/blobs/{sha}?offset=0&total={max(1, len(data))}",
        content=data,
        headers={"content-type": "application/octet-stream"},
    )


def pull_all(client: httpx.Client, cursor: int = 0) -> tuple[dict[tuple[str, str], dict[str, Any]], int]:
    """Every change after ``cursor``, page by page, keyed by (collection, id); and the last cursor."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    while True:
        page = client.get("/api/sync/pull", params={"cursor": cursor, "limit": 50}).json()
        assert not page["resync"]
        for change in page["changes"]:
            seen[(change["collection"], change["id"])] = change
        cursor = page["cursor"]
        if not page["more"]:
            return seen, cursor
