"""Recognisers over a shared Vosk model: a streaming one for live dictation (partial and final
results) and a file one, which is the streaming one fed a whole recording.

Audio is fed to Vosk in fixed 0.1 s blocks whatever size the caller's chunks are, so the same audio
gives the same words whether it arrives in one piece or in many small network messages.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from speech.audio import BYTES_PER_SECOND, SAMPLE_RATE, decode
from speech.errors import RecognizerError
from speech.models import ModelStore
from speech.text import join_words

BLOCK_BYTES = BYTES_PER_SECOND // 10


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float


@dataclass
class Transcript:
    text: str
    words: list[Word]
    lang: str
    audio_seconds: float
    processing_seconds: float
    container: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["audio_seconds"] = round(self.audio_seconds, 3)
        out["processing_seconds"] = round(self.processing_seconds, 3)
        out["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return out


@dataclass(frozen=True)
class Event:
    """What live dictation sends back: ``partial`` text so far in this phrase, or a ``final`` phrase."""

    kind: Literal["partial", "final"]
    text: str
    words: tuple[Word, ...] = ()


class StreamRecognizer:
    """Feed 16 kHz mono s16le PCM in chunks of any size; get partial and final events back."""

    def __init__(self, model: Any, lang: str, *, partials: bool = True) -> None:
        import vosk

        try:
            self._rec = vosk.KaldiRecognizer(model, SAMPLE_RATE)
            self._rec.SetWords(True)
        except Exception as exc:
            raise RecognizerError(f"Vosk could not start a recogniser: {exc}.") from None
        self.lang = lang
        self.partials = partials
        self._pending = b""
        self._words: list[Word] = []
        self._last_partial = ""
        self._fed = 0
        self._busy = 0.0
        self._finished = False

    @property
    def audio_seconds(self) -> float:
        return self._fed / BYTES_PER_SECOND

    def feed(self, pcm: bytes) -> list[Event]:
        if self._finished:
            raise RecognizerError("This recogniser has finished; start a new one.")
        started = time.perf_counter()
        data = self._pending + pcm
        usable = len(data) - len(data) % BLOCK_BYTES
        self._pending = data[usable:]
        events: list[Event] = []
        accepted = False
        for offset in range(0, usable, BLOCK_BYTES):
            if self._accept(data[offset : offset + BLOCK_BYTES]):
                events.append(self._final(self._rec.Result()))
                accepted = True
            else:
                accepted = False
        if self.partials and usable and not accepted:
            partial = self._partial()
            if partial != self._last_partial:
                self._last_partial = partial
                events.append(Event("partial", partial))
        self._busy += time.perf_counter() - started
        return events

    def finish(self) -> tuple[list[Event], Transcript]:
        """Flush what is left; returns the last events and the whole transcript."""
        started = time.perf_counter()
        events: list[Event] = []
        if self._pending:
            if self._accept(self._pending):
                events.append(self._final(self._rec.Result()))
            self._pending = b""
        last = self._final(self._rec.FinalResult())
        if last.text:
            events.append(last)
        self._finished = True
        self._busy += time.perf_counter() - started
        transcript = Transcript(
            join_words([w.word for w in self._words]), list(self._words), self.lang, self.audio_seconds, self._busy
        )
        return events, transcript

    def _accept(self, block: bytes) -> bool:
        self._fed += len(block)
        try:
            return bool(self._rec.AcceptWaveform(block))
        except Exception as exc:
            raise RecognizerError(f"Vosk failed while recognising: {exc}.") from None

    def _partial(self) -> str:
        raw = json.loads(self._rec.PartialResult())
        return join_words(str(raw.get("partial", "")).split())

    def _final(self, result: str) -> Event:
        raw = json.loads(result)
        words = [
            Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for w in raw.get("result", [])
        ]
        if not words and raw.get("text"):  # a model without word times
            words = [Word(t, 0.0, 0.0, 1.0) for t in str(raw["text"]).split()]
        self._words.extend(words)
        self._last_partial = ""
        return Event("final", join_words([w.word for w in words]), tuple(words))


def transcribe_pcm(model: Any, lang: str, pcm: bytes) -> Transcript:
    stream = StreamRecognizer(model, lang, partials=False)
    stream.feed(pcm)
    return stream.finish()[1]


def transcribe(source: bytes | str | Path, models: ModelStore, lang: str, *, max_seconds: float = 600.0) -> Transcript:
    """Decode a recording and recognise it: the file recogniser. Raises the library's errors only."""
    started = time.perf_counter()
    model = models.get(lang)  # before decoding: a missing model is the first thing to say
    loaded = time.perf_counter()
    audio = decode(source, max_seconds=max_seconds)
    decoded = time.perf_counter()
    result = transcribe_pcm(model, lang, audio.pcm)
    result.container = audio.container
    done = time.perf_counter()
    result.processing_seconds = done - started
    result.timings = {"model": loaded - started, "decode": decoded - loaded, "recognise": done - decoded}
    return result
