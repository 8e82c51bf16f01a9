"""Speech to text for voice notes: browser recordings decoded with PyAV, recognised by Vosk.

Public API::

    decode(source, max_seconds=...) -> Audio            16 kHz mono PCM from webm/opus, mp4/aac, ogg, wav
    ModelStore(root).get(lang)                           the model in <root>/<lang>, loaded once per process
    transcribe(source, models, lang) -> Transcript       the file recogniser
    StreamRecognizer(model, lang).feed(pcm) / finish()   live dictation: partial and final events
    install(lang, root)                                  fetch, verify and unpack a published small model
    join_words(words), append_text(current, addition)    text rules (no spaces between Han characters)

Errors are in ``speech.errors``; nothing from Vosk or PyAV escapes. No web framework inside.
"""

from speech.audio import BYTES_PER_SECOND, SAMPLE_RATE, Audio, decode
from speech.download import PUBLISHED, install
from speech.errors import (
    ArchiveRejected,
    AudioError,
    AudioTooLong,
    CorruptAudio,
    DownloadError,
    EmptyAudio,
    ModelBroken,
    ModelError,
    ModelMissing,
    NotAudio,
    RecognizerError,
    SpeechError,
)
from speech.models import ModelStore
from speech.recognizer import Event, StreamRecognizer, Transcript, Word, transcribe, transcribe_pcm
from speech.text import append_text, join_words

__all__ = [
    "BYTES_PER_SECOND",
    "PUBLISHED",
    "SAMPLE_RATE",
    "ArchiveRejected",
    "Audio",
    "AudioError",
    "AudioTooLong",
    "CorruptAudio",
    "DownloadError",
    "EmptyAudio",
    "Event",
    "ModelBroken",
    "ModelError",
    "ModelMissing",
    "ModelStore",
    "NotAudio",
    "RecognizerError",
    "SpeechError",
    "StreamRecognizer",
    "Transcript",
    "Word",
    "append_text",
    "decode",
    "install",
    "join_words",
    "transcribe",
    "transcribe_pcm",
]
