"""The dictation domain: recordings attached to notes, transcribed by a durable job."""

from __future__ import annotations

from server.authz import NOTES_WRITERS
from server.dictation.controller import SpeechController, live_dictation
from server.dictation.rules import OP_TYPES, RECORDING, check_recording, derive_recording
from server.dictation.service import TRANSCRIBE_JOB
from server.registry import Domain

DOMAIN = Domain(
    "dictation",
    collections=[RECORDING],
    intents=OP_TYPES,
    writes={t.name: NOTES_WRITERS for t in OP_TYPES},
    parents={"recording": ("note_id", "note")},
    checks={"recording": check_recording},
    derives={"recording": derive_recording},
    follows_store={"recording": lambda _state, _at_store, _follows: True},
    jobs=[TRANSCRIBE_JOB],
    routes=[SpeechController, live_dictation],
)
