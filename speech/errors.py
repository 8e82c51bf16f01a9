"""The speech library's errors. Vosk and PyAV errors never leave the library; they become these.

    SpeechError
    ├── AudioError                  the audio itself is unusable (HTTP 422 in the server)
    │   ├── NotAudio                not a container/codec we decode, or no audio stream in it
    │   ├── EmptyAudio              zero bytes, or no samples once decoded
    │   ├── CorruptAudio            a known container whose data cannot be decoded
    │   └── AudioTooLong            longer than the caller's limit
    ├── ModelError                  a language's model cannot be used (HTTP 503 in the server)
    │   ├── ModelMissing            no model directory for that language
    │   └── ModelBroken             the directory is there but Vosk cannot load it
    ├── RecognizerError             Vosk failed while recognising
    └── DownloadError               fetching or installing a model failed
        └── ArchiveRejected         the archive is corrupt, has the wrong checksum or is not a Vosk model

Every error has a stable ``code`` and a sentence a person can act on.
"""

from __future__ import annotations


class SpeechError(Exception):
    code = "speech_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class AudioError(SpeechError):
    code = "bad_audio"


class NotAudio(AudioError):
    code = "not_audio"


class EmptyAudio(AudioError):
    code = "empty_audio"


class CorruptAudio(AudioError):
    code = "corrupt_audio"


class AudioTooLong(AudioError):
    code = "audio_too_long"


class ModelError(SpeechError):
    code = "model_unavailable"


class ModelMissing(ModelError):
    code = "model_missing"


class ModelBroken(ModelError):
    code = "model_broken"


class RecognizerError(SpeechError):
    code = "recognizer_failed"


class DownloadError(SpeechError):
    code = "download_failed"


class ArchiveRejected(DownloadError):
    code = "archive_rejected"
