"""The operation model: collections with per-field merge policies, operations, batches and records."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from sync.errors import InvalidOperation, MalformedBatch, UnknownOperation
from sync.ids import is_uuid7

PROTOCOL_VERSION = 2


class Policy(StrEnum):
    """How concurrent edits of one field merge."""

    OVERWRITE = "overwrite"  # the edit that reaches the server last wins
    PROTECTED = "protected"  # an edit based on an old version is kept as a conflict, never silently lost
    SET = "set"  # add/remove elements; concurrent adds both survive
    COUNTER = "counter"  # deltas add up (quantities placed, used)
    MONOTONIC = "monotonic"  # only moves forward along a declared order
    SERVER = "server"  # written by the server only (review decisions, scores)
    IMMUTABLE = "immutable"  # set when the record is created, never changed


Kind = Literal["str", "int", "number", "bool", "list", "json", "id"]
_KIND_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "id": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "json": lambda v: True,
}


@dataclass(frozen=True)
class Field:
    policy: Policy
    kind: Kind = "json"
    required: bool = False
    nullable: bool = True
    max_length: int | None = None
    order: tuple[str, ...] = ()  # MONOTONIC: the allowed values, earliest first

    def check(self, name: str, value: Any) -> None:
        """Raise InvalidOperation unless ``value`` fits this field."""
        if value is None:
            if not self.nullable:
                raise InvalidOperation(f"field {name!r} may not be null")
            return
        if self.policy is Policy.MONOTONIC:
            if value not in self.order:
                raise InvalidOperation(f"field {name!r} must be one of {', '.join(self.order)}")
            return
        if not _KIND_CHECKS[self.kind](value):
            raise InvalidOperation(f"field {name!r} must be {self.kind}")
        if self.max_length is not None and isinstance(value, str | list) and len(value) > self.max_length:
            raise InvalidOperation(f"field {name!r} is longer than {self.max_length}")


@dataclass(frozen=True)
class Collection:
    name: str
    fields: Mapping[str, Field]
    device_writable: bool = True  # False: reference data the server writes, devices only pull


Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class OpType:
    """An intent a device can state, e.g. ``note.create`` or ``step.complete``."""

    name: str
    collection: str
    action: Action
    fields: frozenset[str] | None = None  # fields this intent may carry; None: any device-writable field


@dataclass
class Registry:
    collections: dict[str, Collection] = field(default_factory=dict)
    op_types: dict[str, OpType] = field(default_factory=dict)

    def add(self, collection: Collection, *op_types: OpType) -> None:
        self.collections[collection.name] = collection
        for op_type in op_types:
            if op_type.collection != collection.name:
                raise ValueError(f"{op_type.name} is not an operation of {collection.name}")
            self.op_types[op_type.name] = op_type

    def op_type(self, name: str) -> OpType:
        try:
            return self.op_types[name]
        except KeyError:
            raise UnknownOperation(f"unknown operation type {name!r}") from None

    def collection(self, name: str) -> Collection:
        return self.collections[name]


@dataclass(frozen=True)
class Operation:
    op_id: str
    seq: int
    type: str
    id: str
    fields: Mapping[str, Any]
    base: Mapping[str, int]
    client_time: str | None = None
    resolves: tuple[str, ...] = ()  # conflict ids this edit settles
    reason: str | None = None  # why a record of an already confirmed day changes (audited)


@dataclass(frozen=True)
class Batch:
    protocol: int
    device_id: str
    ops: tuple[Operation, ...]


@dataclass
class Scope:
    """Who may see a record: the rep it belongs to, their team, and the store it is about."""

    rep_id: str | None = None
    team_id: str | None = None
    store_id: str | None = None
    public: bool = False


@dataclass
class RecordState:
    collection: str
    id: str
    fields: dict[str, Any]
    versions: dict[str, int]  # per field: the change seq that last wrote it
    version: int  # the change seq of the record's last change
    deleted: bool = False
    scope: Scope = field(default_factory=Scope)
    created_by: str | None = None
    writers: dict[str, str] = field(default_factory=dict)  # per field: the device that last wrote it


MAX_REASON = 500
_DEVICE_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise MalformedBatch(message)


def parse_operation(raw: Any, index: int) -> Operation:
    where = f"ops[{index}]"
    _require(isinstance(raw, dict), f"{where} is not an object")
    op_id, seq, op_type, record_id = raw.get("op_id"), raw.get("seq"), raw.get("type"), raw.get("id")
    _require(isinstance(op_id, str) and is_uuid7(op_id), f"{where}.op_id must be a UUIDv7 string")
    _require(isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1, f"{where}.seq must be an integer >= 1")
    _require(isinstance(op_type, str) and 0 < len(op_type) <= 64, f"{where}.type must be a string")
    _require(isinstance(record_id, str) and is_uuid7(record_id), f"{where}.id must be a UUIDv7 string")
    fields = raw.get("fields", {})
    _require(isinstance(fields, dict), f"{where}.fields must be an object")
    base = raw.get("base", {})
    _require(
        isinstance(base, dict) and all(isinstance(v, int) and not isinstance(v, bool) for v in base.values()),
        f"{where}.base must map field names to integer versions",
    )
    client_time = raw.get("client_time")
    _require(client_time is None or isinstance(client_time, str), f"{where}.client_time must be a string")
    resolves = raw.get("resolves", [])
    _require(
        isinstance(resolves, list) and all(isinstance(r, str) for r in resolves), f"{where}.resolves must be a list"
    )
    reason = raw.get("reason")
    _require(
        reason is None or (isinstance(reason, str) and 0 < len(reason) <= MAX_REASON),
        f"{where}.reason must be a string of 1-{MAX_REASON} characters",
    )
    extra = set(raw) - {"op_id", "seq", "type", "id", "fields", "base", "client_time", "resolves", "reason"}
    _require(not extra, f"{where} has unknown keys: {', '.join(sorted(extra))}")
    return Operation(op_id, seq, op_type, record_id, fields, base, client_time, tuple(resolves), reason)


def parse_batch(raw: Any, *, max_ops: int) -> Batch:
    """Check the shape of a push batch (already upgraded to the current protocol)."""
    from sync.errors import BatchTooLarge

    _require(isinstance(raw, dict), "the batch must be a JSON object")
    _require(raw.get("protocol") == PROTOCOL_VERSION, f"protocol must be {PROTOCOL_VERSION}")
    device_id = raw.get("device_id")
    _require(isinstance(device_id, str) and bool(_DEVICE_RE.match(device_id)), "device_id must be 8-64 characters")
    ops = raw.get("ops")
    _require(isinstance(ops, list), "ops must be a list")
    if len(ops) > max_ops:
        raise BatchTooLarge(f"a batch carries at most {max_ops} operations; split it", extra={"max_ops": max_ops})
    parsed = sorted((parse_operation(op, i) for i, op in enumerate(ops)), key=lambda op: op.seq)
    for before, after in itertools.pairwise(parsed):
        if after.seq == before.seq:
            _require(after.op_id == before.op_id, f"two different operations carry seq {after.seq}")
        else:
            _require(after.seq == before.seq + 1, f"the batch skips from seq {before.seq} to {after.seq}")
    unique = {op.seq: op for op in parsed}  # a duplicated op inside one batch counts once
    return Batch(PROTOCOL_VERSION, device_id, tuple(unique[s] for s in sorted(unique)))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any) -> bool:
    """Whether any text in ``value`` holds a lone UTF-16 surrogate (valid JSON, but not Unicode:
    it could be stored, yet no answer carrying it could be encoded)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def validate_fields(collection: Collection, op_type: OpType, op: Operation) -> None:
    """The operation's fields exist, are allowed for its intent, and have the right shape."""
    if _lone_surrogate([op.fields, op.reason, op.client_time, list(op.resolves)]):
        raise InvalidOperation("text must be Unicode: it holds a lone UTF-16 surrogate (\\ud800–\\udfff)")
    for name, value in op.fields.items():
        spec = collection.fields.get(name)
        if spec is None:
            raise InvalidOperation(f"{collection.name} has no field {name!r}")
        if op_type.fields is not None and name not in op_type.fields:
            raise InvalidOperation(f"{op_type.name} cannot change {name!r}")
        if spec.policy is Policy.SET and op_type.action == "update":
            ok = isinstance(value, dict) and set(value) <= {"add", "remove"}
            ok = ok and all(isinstance(v, list) for v in value.values())
            if not ok:
                raise InvalidOperation(f"field {name!r} takes {{'add': [...], 'remove': [...]}}")
        elif spec.policy is Policy.COUNTER and op_type.action == "update":
            delta = value.get("add") if isinstance(value, dict) else None
            if not (isinstance(delta, int | float) and not isinstance(delta, bool)):
                raise InvalidOperation(f"field {name!r} takes {{'add': number}}")
        else:
            spec.check(name, value)
