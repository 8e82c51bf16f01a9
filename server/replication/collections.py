"""The synced collections: what a phone can state about each, and how each field merges."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from server.claims.rules import CLAIM
from server.claims.rules import OP_TYPES as CLAIM_OPS
from server.dictation.rules import OP_TYPES as RECORDING_OPS
from server.dictation.rules import RECORDING
from server.review.rules import DAY
from server.review.rules import OP_TYPES as DAY_OPS
from server.visits.rules import OP_TYPES as VISIT_OPS
from server.visits.rules import STEP, VISIT
from sync import CONFLICT_COLLECTION, Collection, Field, OpType, Policy, Registry
from sync.schema import Id, IdSet, Lang, Shape, Tag, TagSet

NOTE_TEXT = 20_000
NoteText = Annotated[str, Meta(max_length=NOTE_TEXT)]


class NoteCreate(Shape):
    store_id: Id
    text: NoteText | None = None
    tags: Annotated[list[Tag], Meta(max_length=50)] = []
    pinned: bool = False
    lang: Lang | None = None
    recordings: Annotated[list[Id], Meta(max_length=50)] = []


class NoteEdit(Shape):
    text: NoteText | None = None
    tags: TagSet | None = None
    pinned: bool | None = None
    lang: Lang | None = None
    recordings: IdSet | None = None


class NoteDelete(Shape):
    pass


NOTE = Collection(
    "note",
    {
        "store_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "text": Field(Policy.PROTECTED, "str", max_length=NOTE_TEXT),
        "tags": Field(Policy.SET, "list"),
        "pinned": Field(Policy.OVERWRITE, "bool"),
        "lang": Field(Policy.OVERWRITE, "str", max_length=8),
        "recordings": Field(Policy.SET, "list"),
    },
)

STORE_FIELDS = (
    "code",
    "name",
    "address",
    "channel",
    "lat",
    "lng",
    "geofence_m",
    "rep_id",
    "region_id",
    "visit_days",
    "cycle_weeks",
    "cycle_anchor",
    "route_order",
)
ALLOCATION = Collection(
    "allocation",
    {f: Field(Policy.SERVER) for f in ("material_code", "period", "quantity")},
    device_writable=False,
)
TEMPLATE = Collection(
    "template",
    {f: Field(Policy.SERVER) for f in ("code", "version", "name", "name_en", "channels", "steps", "active")},
    device_writable=False,
)

PROMOTION = Collection(
    "promotion",
    {f: Field(Policy.SERVER) for f in ("code", "name", "name_en", "starts_on", "ends_on", "active")},
    device_writable=False,
)

# Reference data: written by the server, pulled by phones.
STORE = Collection(
    "store",
    {name: Field(Policy.SERVER) for name in STORE_FIELDS},
    device_writable=False,
)
CATALOGS = {
    name: Collection(name, {f: Field(Policy.SERVER) for f in fields}, device_writable=False)
    for name, fields in {
        "sku": ("code", "barcode", "name", "name_en", "category"),
        "competitor_sku": ("barcode", "brand", "name", "name_en", "category"),
        "material": ("code", "name", "name_en", "unit"),
    }.items()
}


def build_registry() -> Registry:
    registry = Registry()
    registry.add(
        NOTE,
        OpType("note.create", "note", "create", schema=NoteCreate),
        OpType("note.edit", "note", "update", schema=NoteEdit),
        OpType("note.delete", "note", "delete", schema=NoteDelete),
    )
    registry.add(CONFLICT_COLLECTION)
    registry.add(RECORDING, *RECORDING_OPS)
    registry.add(VISIT, *(t for t in VISIT_OPS if t.collection == "visit"))
    registry.add(STEP, *(t for t in VISIT_OPS if t.collection == "step"))
    registry.add(CLAIM, *CLAIM_OPS)
    registry.add(DAY, *DAY_OPS)
    registry.add(PROMOTION)
    registry.add(TEMPLATE)
    registry.add(ALLOCATION)
    registry.add(STORE)
    for collection in CATALOGS.values():
        registry.add(collection)
    return registry


REGISTRY = build_registry()
