"""A simulated phone that syncs like the PWA does: an outbox numbered per device, acknowledged
results removed, pulled server states kept apart from pending local edits."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sync import PROTOCOL_VERSION, uuid7

Key = tuple[str, str]


@dataclass
class SimDevice:
    name: str
    user: Any  # the backend's user: a server User, or a tests.sync.backends.Person
    clock_skew: timedelta
    device_id: str = ""
    outbox: list[dict[str, Any]] = field(default_factory=list)
    next_seq: int = 1
    server: dict[Key, dict[str, Any]] = field(default_factory=dict)  # pulled states
    cursor: int = 0

    def __post_init__(self) -> None:
        self.device_id = f"sim-{self.name}-{uuid7()}"

    def enqueue(
        self, type_: str, record_id: str, fields: dict[str, Any], base: dict[str, int] | None = None
    ) -> dict[str, Any]:
        op = {
            "op_id": uuid7(),
            "seq": self.next_seq,
            "type": type_,
            "id": record_id,
            "fields": fields,
            "base": base or {},
            # Device clocks are wrong by up to a day; the server must never care.
            "client_time": (datetime.now(UTC) + self.clock_skew).isoformat(),
        }
        self.next_seq += 1
        self.outbox.append(op)
        return op

    def batch(self, ops: list[dict[str, Any]]) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id, "ops": copy.deepcopy(ops)}

    def acknowledge(self, answer: dict[str, Any]) -> list[dict[str, Any]]:
        done = {r["seq"] for r in answer["results"]} | {
            op["seq"] for op in self.outbox if op["seq"] <= answer["last_seq"]
        }
        acked = [op for op in self.outbox if op["seq"] in done]
        self.outbox = [op for op in self.outbox if op["seq"] not in done]
        return acked

    def apply_pull(self, page: dict[str, Any]) -> None:
        for change in page["changes"]:
            key = (change["collection"], change["id"])
            if change["op"] == "upsert":
                self.server[key] = {"fields": change["fields"], "versions": change["versions"], "deleted": False}
            elif change["op"] == "delete":
                self.server[key] = {"fields": {}, "versions": {}, "deleted": True}
            else:
                self.server.pop(key, None)

    def view(self) -> dict[Key, dict[str, Any] | None]:
        """What the rep sees: pulled states with pending edits on top (None: deleted)."""
        out: dict[Key, dict[str, Any] | None] = {
            k: (None if v["deleted"] else copy.deepcopy(v["fields"])) for k, v in self.server.items()
        }
        for op in self.outbox:
            collection, action = op["type"].split(".")
            key = (collection, op["id"])
            if action == "create":
                out[key] = {k: (v.get("add", []) if isinstance(v, dict) else v) for k, v in op["fields"].items()}
                continue
            current = out.get(key)
            if current is None:
                continue
            if action == "delete":
                out[key] = None
                continue
            for name, value in op["fields"].items():
                if name == "tags":
                    tags = [t for t in current.get("tags", []) if t not in value.get("remove", [])]
                    current["tags"] = tags + [t for t in value.get("add", []) if t not in tags]
                elif name == "count":
                    current["count"] = current.get("count", 0) + value["add"]
                else:
                    current[name] = value
        return out

    def text_base(self, key: Key) -> int:
        known = self.server.get(key)
        return int(known["versions"].get("text", 0)) if known else 0
