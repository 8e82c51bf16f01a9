"""Upgrading pushes from older clients, so an app update never costs a rep their offline work.

Protocol 1 (the first PWA release) sent::

    {"device": "...", "operations": [{"uuid", "n", "name", "record", "data", "base_version"}]}

with one record-level ``base_version`` and the intent ``note.update``. Protocol 2 names the keys
``op_id, seq, type, id, fields`` and carries a version per field in ``base``. Each step below turns
version N into N+1; a batch is walked up to the current version before it is parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sync.errors import MalformedBatch
from sync.model import PROTOCOL_VERSION

RENAMED_TYPES_1_TO_2 = {"note.update": "note.edit"}


def _op_1_to_2(op: Any) -> Any:
    if not isinstance(op, dict):
        return op  # left for the parser to report
    fields = op.get("data", {})
    base_version = op.get("base_version")
    upgraded: dict[str, Any] = {
        "op_id": op.get("uuid"),
        "seq": op.get("n"),
        "type": RENAMED_TYPES_1_TO_2.get(str(op.get("name")), op.get("name")),
        "id": op.get("record"),
        "fields": fields,
    }
    if isinstance(base_version, int) and isinstance(fields, dict):
        upgraded["base"] = {name: base_version for name in fields}
    if "client_time" in op:
        upgraded["client_time"] = op["client_time"]
    return upgraded


def _batch_1_to_2(batch: dict[str, Any]) -> dict[str, Any]:
    operations = batch.get("operations")
    if not isinstance(operations, list):
        raise MalformedBatch("protocol 1: operations must be a list")
    return {"protocol": 2, "device_id": batch.get("device"), "ops": [_op_1_to_2(op) for op in operations]}


UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _batch_1_to_2}


def upgrade_batch(raw: Any) -> Any:
    """Walk a raw batch up to the current protocol; newer-than-server protocols are refused."""
    if not isinstance(raw, dict):
        return raw
    version = raw.get("protocol", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MalformedBatch("protocol must be a positive integer")
    if version > PROTOCOL_VERSION:
        raise MalformedBatch(f"protocol {version} is newer than this server's ({PROTOCOL_VERSION}); update the server")
    while version < PROTOCOL_VERSION:
        raw = UPGRADES[version](raw)
        version += 1
    return raw
