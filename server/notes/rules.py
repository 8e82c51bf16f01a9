"""The note collection: what a phone states about a note, and how each field merges."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from sync import Collection, Field, OpType, Policy
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
OP_TYPES = (
    OpType("note.create", "note", "create", schema=NoteCreate),
    OpType("note.edit", "note", "update", schema=NoteEdit),
    OpType("note.delete", "note", "delete", schema=NoteDelete),
)
