"""The operation model: collections with per-field merge policies, operations, batches and records."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from sync.errors import InvalidOperation, MalformedBatch, MalformedJson, OpRejected, UnknownOperation
from sync.ids import UUID7_PATTERN
from sync.schema import Moment, check_times, conform

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
    # The shape of ``fields`` (a ``sync.schema.Shape``): types, bounds, required keys. Without one
    # only the collection's per-field kinds are checked.
    schema: type[Any] | None = None


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
    refused: str | None = None  # set by decode_batch: the op held values strict JSON refuses


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


Uuid7 = Annotated[str, Meta(pattern=UUID7_PATTERN)]


class OpEnvelope(Struct, forbid_unknown_fields=True):
    """One operation as it arrives; its ``fields`` are checked by its intent's schema."""

    op_id: Uuid7
    seq: Annotated[int, Meta(ge=1, le=2**53)]
    type: Annotated[str, Meta(min_length=1, max_length=64)]
    id: Uuid7
    fields: dict[Annotated[str, Meta(min_length=1, max_length=64)], Any] = {}
    base: dict[Annotated[str, Meta(max_length=64)], Annotated[int, Meta(ge=0, le=2**53)]] = {}
    client_time: Annotated[str, Meta(max_length=40)] | None = None
    resolves: Annotated[list[Uuid7], Meta(max_length=100)] = []
    reason: Annotated[str, Meta(min_length=1, max_length=MAX_REASON)] | None = None


class BatchEnvelope(Struct, forbid_unknown_fields=True):
    protocol: int
    device_id: Annotated[str, Meta(pattern=_DEVICE_RE.pattern)]
    ops: list[Any]


def _shape(raw: Any, envelope: type[Any], where: str) -> Any:
    try:
        return msgspec.convert(raw, envelope, strict=True)
    except msgspec.ValidationError as exc:
        seq = raw.get("seq") if isinstance(raw, dict) and envelope is OpEnvelope else None
        extra = {"seq": seq} if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1 else None
        raise MalformedBatch(f"{where}: {exc}".replace("`$", f"`{where}"), extra=extra) from None


def parse_operation(raw: Any, index: int) -> Operation:
    where = f"ops[{index}]"
    refused = raw.pop("__refused__", None) if isinstance(raw, dict) else None
    op = _shape(raw, OpEnvelope, where)
    if refused is not None:  # the envelope is sound; the values are answered per operation
        kind = _LONE_SURROGATE.sub("\ufffd", op.type)  # it is audited, so it must be text
        return Operation(op.op_id, op.seq, kind, op.id, {}, {}, None, (), None, refused)
    client_time = plausible_client_time(op.client_time)
    return Operation(op.op_id, op.seq, op.type, op.id, op.fields, op.base, client_time, tuple(op.resolves), op.reason)


def parse_batch(raw: Any, *, max_ops: int) -> Batch:
    """Check the shape of a push batch (already upgraded to the current protocol)."""
    from sync.errors import BatchTooLarge

    _require(isinstance(raw, dict), "the batch must be a JSON object")
    _require(raw.get("protocol") == PROTOCOL_VERSION, f"protocol must be {PROTOCOL_VERSION}")
    envelope = _shape(raw, BatchEnvelope, "batch")
    device_id, ops = envelope.device_id, envelope.ops
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
    """The operation's fields exist, are allowed for its intent, and have the right shape.

    Raises InvalidOperation for values that do not fit and OpRejected ``server_owned`` for a
    field only the server writes (both answer that one operation, see docs/sync-protocol.md)."""
    if _lone_surrogate([op.fields, op.reason, list(op.resolves)]):
        raise InvalidOperation("text must be Unicode: it holds a lone UTF-16 surrogate (\\ud800–\\udfff)")
    for name in op.fields:
        spec = collection.fields.get(name)
        if spec is None:
            raise InvalidOperation(f"{collection.name} has no field {name!r}", extra={"field": name})
        if spec.policy is Policy.SERVER:
            raise OpRejected("server_owned", f"{collection.name}.{name} is written by the server only")
        if spec.policy is Policy.IMMUTABLE and op_type.action == "update":
            raise OpRejected("immutable", f"{collection.name}.{name} is set when it is created and cannot change")
        if op_type.fields is not None and name not in op_type.fields:
            raise InvalidOperation(f"{op_type.name} cannot change {name!r}", extra={"field": name})
    if op_type.schema is not None:
        conform(op_type.schema, dict(op.fields))
        return
    for name, value in op.fields.items():
        spec = collection.fields[name]
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


def plausible_client_time(value: str | None) -> str | None:
    """``client_time`` is for display only: kept when it is an ISO 8601 time with its zone inside
    the window around the server's day, dropped (None) otherwise — a phone whose clock is wrong
    loses nothing for it, and no reader meets the year 1."""
    if value is None or _LONE_SURROGATE.search(value):
        return None
    try:
        check_times(msgspec.convert(value, Moment, strict=True))
    except (msgspec.ValidationError, InvalidOperation):
        return None
    return value


MAX_DEPTH = 32  # an operation nested deeper than this is not one a client writes


def decode_batch(body: bytes) -> Any:
    """Decode a push body as strict JSON (RFC 8259: no NaN or Infinity, numbers that fit a double,
    well-formed Unicode, at most ``MAX_DEPTH`` levels).

    When the body is JSON only by a lenient reading — NaN, a lone surrogate, 1e400 in one
    operation's values — the operations that hold such values are marked (``"__refused__"``) so
    the push can reject just those and the queue behind them moves on. A body that is not JSON
    even leniently raises MalformedJson."""
    try:
        raw = msgspec.json.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        strict_error = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        try:
            raw = json.loads(body)
        except (ValueError, RecursionError):
            raise MalformedJson(f"The request body is not valid JSON: {strict_error}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("ops"), list):
            raise MalformedJson(f"The request body is not valid JSON: {strict_error}") from None
        for i, op in enumerate(raw["ops"]):
            problem = _not_strict(op)
            if problem is not None and isinstance(op, dict):
                raw["ops"][i] = {**op, "__refused__": problem}
        if _not_strict({k: v for k, v in raw.items() if k != "ops"}) is not None:
            raise MalformedJson(f"The request body is not valid JSON: {strict_error}") from None
    if isinstance(raw, dict) and isinstance(raw.get("ops"), list):
        for i, op in enumerate(raw["ops"]):
            if isinstance(op, dict) and "__refused__" not in op and _depth(op) > MAX_DEPTH:
                raw["ops"][i] = {**op, "__refused__": f"nested more than {MAX_DEPTH} levels deep"}
    return raw


def _not_strict(value: Any) -> str | None:
    """Why ``value`` (leniently decoded) is not strict JSON, or None."""
    try:
        msgspec.json.decode(json.dumps(value, ensure_ascii=True))
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return f"not strict JSON (NaN, Infinity, a number out of range or a lone UTF-16 surrogate): {exc}"
    except (ValueError, RecursionError):
        return "not strict JSON: nested too deeply"
    return None


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
