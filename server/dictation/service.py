"""Transcription: the durable job for recordings uploaded from phones, one-off uploads while online,
and the live dictation session behind the WebSocket."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from server.db import utcnow
from server.dictation.rules import RECORDING, TRANSCRIBE
from server.errors import ServiceUnavailable, Unprocessable
from server.jobs.service import Claimed, Done, Inputs, JobKind, Retry, public_reason
from server.notes.rules import NOTE
from server.replication.blobaccess import held_path
from server.replication.models import BlobMeta
from server.replication.publish import server_update
from server.replication.store import SqlSyncStore
from server.settings import Settings
from speech import (
    BYTES_PER_SECOND,
    AudioError,
    ModelError,
    ModelStore,
    SpeechError,
    StreamRecognizer,
    Transcript,
    append_text,
    transcribe,
)
from sync import RecordState

log = logging.getLogger("fieldvisit.dictation")
KNOWN_LANGUAGES = ("en", "zh")


def models(settings: Settings) -> ModelStore:
    return ModelStore(settings.resolved_speech_models_dir())


def languages(settings: Settings) -> dict[str, Any]:
    store = models(settings)
    installed = store.available()
    codes = sorted(set(KNOWN_LANGUAGES) | set(installed))
    return {
        "languages": [{"code": c, "installed": c in installed, "loaded": store.is_loaded(c)} for c in codes],
    }


_PATH = re.compile(r"(?:[A-Za-z]:)?[/\\][^\s'\"`,;:]+")


def client_detail(exc: SpeechError) -> str:
    """What a phone may be told: a missing model in words a rep can pass on, and never a server
    path (the full message, paths included, goes to the server log)."""
    if exc.code == "model_missing":
        named = re.match(r"No speech model for ('[^']{1,16}')", exc.detail)
        lang = f" for {named[1]}" if named else " for this language"
        return f"No speech model{lang} is installed on the server; an administrator can add it."
    log.warning("speech: %s", exc.detail)
    return _PATH.sub("…", exc.detail)


def transcribe_upload(settings: Settings, lang: str, data: bytes) -> dict[str, Any]:
    """Transcribe a recording sent in the request (online, no sync involved). ``transcribe`` asks
    for the model before it decodes, so a missing model is the first thing said."""
    try:
        return transcribe(data, models(settings), lang, max_seconds=settings.speech_max_seconds).as_dict()
    except ModelError as exc:
        raise ServiceUnavailable(client_detail(exc), code=exc.code, retry_after=300) from None
    except SpeechError as exc:
        raise Unprocessable(client_detail(exc), code=exc.code) from None


# -- the durable job ----------------------------------------------------------------------------


def _record_outcome(session: Session, recording_id: str, values: dict[str, Any], note: tuple[str, str] | None) -> None:
    """The recording's status and, when there is text, the note's text, in the job's transaction: a
    job that dies in between and runs again never appends twice."""
    if note is not None:
        note_id, text = note
        server_update(session, NOTE, note_id, lambda s: {"text": append_text(s.fields.get("text"), text)})
    server_update(session, RECORDING, recording_id, lambda s: values)


def _load_recording(session: Session, settings: Settings, job: Claimed) -> Inputs | Done:
    recording_id = job.payload["recording_id"]
    rec = SqlSyncStore(session).load(RECORDING.name, [recording_id]).get(recording_id)
    # done appends once; a failed one never appended, so running it again (an admin's retry) is safe
    if rec is None or rec.deleted or rec.fields.get("status") == "done":
        return Done({"skipped": "gone or already transcribed"})
    sha = rec.fields["blob"]
    meta = session.get(BlobMeta, sha)
    refused = meta.refused if meta is not None else None
    return Inputs(
        (rec, refused),
        blobs={sha: held_path(settings, session, sha, rec.created_by)},
        refused=frozenset({sha} if refused else ()),
        waiting="waiting for the recording to be uploaded",
        delay=timedelta(minutes=2),
    )


def _transcribe(settings: Settings, inputs: Inputs) -> Transcript | SpeechError:
    """Vosk over the recording, outside any transaction; a missing model or unusable audio is an
    answer for the record, not a crash."""
    rec: RecordState = inputs.value[0]
    path = inputs.blobs[rec.fields["blob"]]
    if path is None:
        return AudioError("refused")
    try:
        return transcribe(path, models(settings), rec.fields["lang"], max_seconds=settings.speech_max_seconds)
    except (ModelError, AudioError) as exc:
        return exc


def _write_transcript(
    session: Session, settings: Settings, inputs: Inputs, found: Transcript | SpeechError
) -> dict[str, Any] | None:
    rec, refused = inputs.value
    recording_id = rec.id
    if refused:
        # the upload was refused (not audio): nothing will ever arrive to transcribe
        error = f"The recording was refused when it was uploaded ({refused}); it cannot be transcribed."
        _record_outcome(session, recording_id, {"status": "failed", "error": error, "error_code": "refused"}, None)
        return {"error": refused}
    if isinstance(found, ModelError):
        # Say so on the phone, and try again: installing the model later resumes the queue.
        _record_outcome(session, recording_id, {"error": client_detail(found), "error_code": found.code}, None)
        raise Retry(found.detail, timedelta(minutes=5))
    if isinstance(found, SpeechError):
        failed = {"status": "failed", "error": client_detail(found), "error_code": found.code}
        _record_outcome(session, recording_id, failed, None)
        return {"error": found.code}
    now = utcnow().isoformat()
    values: dict[str, Any] = {
        "status": "done",
        "transcript": found.text,
        "error": None,
        "error_code": None,
        "transcribed_at": now,
    }
    _record_outcome(session, recording_id, values, (rec.fields["note_id"], found.text) if found.text else None)
    log.info("transcribed %s: %.1f s of audio in %.2f s", recording_id, found.audio_seconds, found.processing_seconds)
    return {"chars": len(found.text), "audio_seconds": round(found.audio_seconds, 2)}


def transcription_dead(session: Session, settings: Settings, job: Claimed, reason: str) -> None:
    """The transcription gave up: the recording says ``failed`` with the reason; the note is untouched."""
    error = f"The recording could not be transcribed ({public_reason(reason)})."
    server_update(
        session,
        RECORDING,
        job.payload["recording_id"],
        lambda s: (
            None if s.fields.get("status") == "done" else {"status": "failed", "error": error, "error_code": "gave_up"}
        ),
    )


TRANSCRIBE_JOB = JobKind(
    TRANSCRIBE, load=_load_recording, read=_transcribe, write=_write_transcript, dead=transcription_dead
)


# -- live dictation -----------------------------------------------------------------------------


class LiveSession:
    """One dictation over the WebSocket: PCM in, partial and final text out, within a time limit."""

    def __init__(self, settings: Settings, lang: str, model: Any) -> None:
        self.stream = StreamRecognizer(model, lang)
        self.limit_bytes = int(settings.speech_max_seconds * BYTES_PER_SECOND)
        self.received = 0

    def feed(self, pcm: bytes) -> list[dict[str, Any]]:
        self.received += len(pcm)
        if self.received > self.limit_bytes:
            raise AudioError("The dictation passed the time limit; it was stopped.")
        return [{"type": e.kind, "text": e.text} for e in self.stream.feed(pcm)]

    def finish(self) -> list[dict[str, Any]]:
        events, transcript = self.stream.finish()
        out = [{"type": e.kind, "text": e.text} for e in events]
        out.append({"type": "done", **transcript.as_dict()})
        return out
