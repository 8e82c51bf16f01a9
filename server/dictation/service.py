"""Transcription: the durable job for recordings uploaded from phones, one-off uploads while online,
and the live dictation session behind the WebSocket."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from server.db import session_scope, utcnow
from server.dictation.rules import RECORDING, TRANSCRIBE
from server.errors import ServiceUnavailable, Unprocessable
from server.jobs.service import HANDLERS, ON_DEAD, Claimed, Retry, public_reason
from server.replication.blobaccess import held_path
from server.replication.collections import NOTE
from server.replication.models import BlobMeta
from server.replication.publish import server_update
from server.replication.service import writer_lock
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


def _record_outcome(
    settings: Settings, recording_id: str, values: dict[str, Any], note: tuple[str, str] | None
) -> None:
    """The recording's status and, when there is text, the note's text, in one transaction: a job
    that dies in between and runs again never appends twice."""
    with writer_lock(settings), session_scope(settings) as session:
        if note is not None:
            note_id, text = note
            server_update(session, NOTE, note_id, lambda s: {"text": append_text(s.fields.get("text"), text)})
        server_update(session, RECORDING, recording_id, lambda s: values)


def run_transcription(settings: Settings, job: Claimed) -> dict[str, Any] | None:
    recording_id = job.payload["recording_id"]
    with session_scope(settings) as session:
        rec = SqlSyncStore(session).load(RECORDING.name, [recording_id]).get(recording_id)
        path = held_path(settings, session, rec.fields["blob"], rec.created_by) if rec and not rec.deleted else None
        meta = session.get(BlobMeta, rec.fields["blob"]) if rec else None
    # done appends once; a failed one never appended, so running it again (an admin's retry) is safe
    if rec is None or rec.deleted or rec.fields.get("status") == "done":
        return {"skipped": "gone or already transcribed"}
    sha, lang = rec.fields["blob"], rec.fields["lang"]
    if path is None and meta is not None and meta.refused:
        # the upload was refused (not audio): nothing will ever arrive to transcribe
        error = f"The recording was refused when it was uploaded ({meta.refused}); it cannot be transcribed."
        _record_outcome(settings, recording_id, {"status": "failed", "error": error}, None)
        return {"error": meta.refused}
    if path is None:
        raise Retry("waiting for the recording to be uploaded", timedelta(minutes=2), waits_for=sha)
    try:
        result: Transcript = transcribe(path, models(settings), lang, max_seconds=settings.speech_max_seconds)
    except ModelError as exc:
        # Say so on the phone, and try again: installing the model later resumes the queue.
        _record_outcome(settings, recording_id, {"error": client_detail(exc)}, None)
        raise Retry(exc.detail, timedelta(minutes=5)) from None
    except AudioError as exc:
        _record_outcome(settings, recording_id, {"status": "failed", "error": client_detail(exc)}, None)
        return {"error": exc.code}
    now = utcnow().isoformat()
    values = {"status": "done", "transcript": result.text, "error": None, "transcribed_at": now}
    _record_outcome(settings, recording_id, values, (rec.fields["note_id"], result.text) if result.text else None)
    log.info("transcribed %s: %.1f s of audio in %.2f s", recording_id, result.audio_seconds, result.processing_seconds)
    return {"chars": len(result.text), "audio_seconds": round(result.audio_seconds, 2)}


def transcription_dead(settings: Settings, job: Claimed, reason: str) -> None:
    """The transcription gave up: the recording says ``failed`` with the reason; the note is untouched."""
    error = f"The recording could not be transcribed ({public_reason(reason)})."
    with writer_lock(settings), session_scope(settings) as session:
        server_update(
            session,
            RECORDING,
            job.payload["recording_id"],
            lambda s: None if s.fields.get("status") == "done" else {"status": "failed", "error": error},
        )


HANDLERS[TRANSCRIBE] = run_transcription
ON_DEAD[TRANSCRIBE] = transcription_dead


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
