"""Building sync batches in tests, the way a phone does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
