"""Recordings as synced records. A phone creates one when the rep dictates offline; the server
transcribes it once both the record and the audio blob have arrived, appends the text to the note
and fills the recording's server-owned fields (status, transcript, error)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from msgspec import Meta

from server.jobs.service import enqueue
from server.replication.context import RuleContext
from sync import Collection, Field, Operation, OpRejected, OpType, Policy, Principal, RecordState
from sync.blobs import SHA256_RE
from sync.schema import Id, Moment, Shape

TRANSCRIBE = "transcribe"
RECORDING = Collection(
    "recording",
    {
        "note_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "store_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "blob": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=64),
        "mime": Field(Policy.IMMUTABLE, "str", max_length=100),
        "lang": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=8),
        "seconds": Field(Policy.IMMUTABLE, "number"),
        "recorded_at": Field(Policy.IMMUTABLE, "str", max_length=40),
        "status": Field(Policy.SERVER),  # queued → done | failed
        "transcript": Field(Policy.SERVER),
        "error": Field(Policy.SERVER),  # the English detail, for admins and the log
        "error_code": Field(Policy.SERVER),  # model_missing, not_audio, refused, gave_up …: the phone words it
        "transcribed_at": Field(Policy.SERVER),
    },
)


class RecordingCreate(Shape):
    note_id: Id
    store_id: Id
    blob: Annotated[str, Meta(max_length=64)]  # the audio's SHA-256 (the rule says bad_blob)
    lang: Annotated[str, Meta(max_length=8)]  # en, zh, zh-CN (the rule says bad_lang)
    mime: Annotated[str, Meta(max_length=100)] | None = None
    seconds: Annotated[float, Meta(ge=0, le=4 * 3600)] | None = None
    recorded_at: Moment | None = None


class RecordingDelete(Shape):
    pass


OP_TYPES = (
    OpType("recording.create", "recording", "create", schema=RecordingCreate),
    OpType("recording.delete", "recording", "delete", schema=RecordingDelete),
)
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$")


def check_recording(
    ctx: RuleContext, who: Principal, op_type: OpType, op: Operation, current: RecordState | None
) -> None:
    if op_type.action != "create":
        return
    if not SHA256_RE.match(str(op.fields.get("blob", ""))):
        raise OpRejected("bad_blob", "a recording names its audio by SHA-256 (64 lowercase hex digits)")
    if not LANG_RE.match(str(op.fields.get("lang", ""))):
        raise OpRejected("bad_lang", "a recording's language is a code such as en or zh")
    note = ctx.record("note", str(op.fields["note_id"]))
    if note is None or note.deleted or note.fields.get("store_id") != op.fields.get("store_id"):
        raise OpRejected("no_note", "the recording's note does not exist at this store")


def derive_recording(ctx: RuleContext, who: Principal, op_type: OpType, state: RecordState) -> dict[str, Any] | None:
    """A new recording queues its transcription in the same transaction as the record itself."""
    if op_type.action != "create":
        return None
    enqueue(ctx.session, TRANSCRIBE, state.id, {"recording_id": state.id})
    return {"status": "queued"}
