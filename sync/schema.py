"""Building blocks for the shape of each intent's ``fields`` (msgspec structs), and the check
that runs them.

An operation type may name a schema: a ``msgspec.Struct`` whose attributes are the fields the
intent may carry. The value is converted strictly (no str → int coercion, no unknown keys), with
bounds on lengths, numbers and coordinates; times must carry a zone and fall within a window
around the server's day. What is stored is the operation's own JSON, unchanged: the schema only
decides whether it is let in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from sync.errors import InvalidOperation

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

Id = Annotated[str, Meta(pattern=UUID_PATTERN, description="a UUID (lowercase, with dashes)")]
Sha256 = Annotated[str, Meta(pattern=SHA256_PATTERN, description="SHA-256 of a blob, 64 lowercase hex digits")]
Lang = Annotated[str, Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$", description="a language code: zh, en, zh-CN")]
Key = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Tag = Annotated[str, Meta(min_length=1, max_length=64)]
Moment = Annotated[datetime, Meta(tz=True, description="ISO 8601 time with its zone offset")]
Lat = Annotated[float, Meta(ge=-90, le=90)]
Lng = Annotated[float, Meta(ge=-180, le=180)]
Metres = Annotated[float, Meta(ge=0, le=1_000_000)]
Number = Annotated[float, Meta(ge=-1e12, le=1e12)]  # finite: NaN fails every comparison
Count = Annotated[int, Meta(ge=0, le=1_000_000)]


class Shape(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Base of every intent's schema: unknown keys are refused."""


class IdSet(Shape):
    """An edit of a ``set`` field: ids to add and remove."""

    add: Annotated[list[Id], Meta(max_length=200)] = []
    remove: Annotated[list[Id], Meta(max_length=200)] = []


class HashSet(Shape):
    add: Annotated[list[Sha256], Meta(max_length=50)] = []
    remove: Annotated[list[Sha256], Meta(max_length=50)] = []


class TagSet(Shape):
    add: Annotated[list[Tag], Meta(max_length=50)] = []
    remove: Annotated[list[Tag], Meta(max_length=50)] = []


# -- the window of plausible times ------------------------------------------------------------

_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
PAST = timedelta(days=400)  # a phone offline longer than this has lost its session long ago
FUTURE = timedelta(days=2)  # a phone's clock may run a day or so ahead


def use_clock(clock: Callable[[], datetime]) -> None:
    """The server's clock decides the window (its tests run on a fixed one)."""
    global _clock
    _clock = clock


def window() -> tuple[datetime, datetime]:
    now = _clock()
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    return now - PAST, now + FUTURE


def _moments(value: Any, path: str) -> Iterator[tuple[str, datetime | date]]:
    if isinstance(value, datetime | date):
        yield path, value
    elif isinstance(value, Struct):
        for name in value.__struct_fields__:
            yield from _moments(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _moments(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _moments(item, f"{path}.{key}")


def check_times(value: Any, path: str = "$") -> None:
    """Every time and day in ``value`` falls within the window around the server's day."""
    earliest, latest = window()
    for where, moment in _moments(value, path):
        if isinstance(moment, datetime):
            ok = earliest <= moment <= latest
        else:
            ok = earliest.date() <= moment <= latest.date()
        if not ok:
            raise InvalidOperation(
                f"{moment.isoformat()} is not a plausible time (between {earliest.date()} and {latest.date()})"
                f" - at `{where}`",
                extra={"field": where},
                code="bad_time",
            )


def conform(schema: type[Struct], fields: Any) -> Struct:
    """Convert ``fields`` to ``schema`` strictly, or raise InvalidOperation naming the path."""
    try:
        shaped = msgspec.convert(fields, schema, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        where = message.rsplit(" - at `", 1)[1].rstrip("`") if " - at `" in message else "$"
        code = "missing_field" if message.startswith("Object missing required field") else None
        raise InvalidOperation(
            f"fields do not fit {schema.__name__}: {message}", extra={"field": where}, code=code
        ) from None
    check_times(shaped)
    return shaped


def json_schema(schema: type[Struct]) -> dict[str, Any]:
    """The JSON Schema of an intent's fields (for docs/sync-protocol.md)."""
    return msgspec.json.schema(schema)
