"""The speech library with the real Vosk model: formats, streaming, text rules."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from array import array
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from speech import BYTES_PER_SECOND, ModelStore, StreamRecognizer, decode, join_words, transcribe
from speech.models import open_model
from speech.recognizer import transcribe_pcm
from tests.audiohelp import encode


def _offset_and_snr(a: bytes, b: bytes) -> tuple[int, float]:
    """Best alignment (in samples) of ``b`` against ``a`` and the signal-to-noise ratio there."""
    x, y = array("h", a), array("h", b)
    n = min(len(x), len(y)) - 400
    mid = slice(200, 200 + n)

    def corr(k: int) -> float:
        return sum(p * q for p, q in zip(x[mid], y[200 + k : 200 + k + n], strict=False))

    best = max(range(-40, 41, 2), key=corr)
    signal = sum(p * p for p in x[mid])
    noise = sum((p - q) ** 2 for p, q in zip(x[mid], y[200 + best : 200 + best + n], strict=False)) or 1
    return best, 10 * math.log10(signal / noise)


def _fresh(models: ModelStore) -> Any:
    """A model nobody has used yet. Vosk's answers on espeak's robotic Korean depend on what the
    model recognised before (its lazily expanded decoding graph is shared), so exact comparisons
    start each recognition from the same, fresh state."""
    return open_model(models.path("ko"))


def test_every_browser_format_decodes_to_the_same_speech_and_transcript(
    encoded: dict[str, Path], source_pcm: bytes, models: ModelStore
) -> None:
    source_transcript = transcribe_pcm(_fresh(models), "ko", source_pcm)
    assert source_transcript.text, "the model heard nothing in the source recording"
    assert source_transcript.audio_seconds > 1
    for fmt, path in encoded.items():
        audio = decode(path)
        # the same length (AAC's priming samples trimmed by the edit list) and the same samples in time
        assert abs(len(audio.pcm) - len(source_pcm)) <= 0.03 * BYTES_PER_SECOND, fmt
        offset, snr = _offset_and_snr(source_pcm, audio.pcm)
        assert abs(offset) <= 2 and snr > 12, (fmt, offset, snr)
        result = transcribe_pcm(_fresh(models), "ko", audio.pcm)
        assert audio.container in {"matroska", "ogg", "mp4"}
        assert result.text == source_transcript.text, fmt
        assert [w.word for w in result.words] == [w.word for w in source_transcript.words]
        for mine, theirs in zip(result.words, source_transcript.words, strict=True):
            assert abs(mine.start - theirs.start) <= 0.05 and abs(mine.end - theirs.end) <= 0.05, fmt


def test_a_long_sentence_survives_every_codec(speech_dir: Path, long_wav: Path, models: ModelStore) -> None:
    """On a longer sentence Vosk's words on robotic speech wobble from run to run even for identical
    samples, so the bound here is a character error rate against the WAV, not identity."""
    source = transcribe_pcm(_fresh(models), "ko", decode(long_wav).pcm)
    assert source.text and source.audio_seconds > 3
    for fmt in ("webm", "ogg", "mp4"):
        pcm = decode(encode(long_wav, speech_dir / f"long.{fmt}", fmt)).pcm
        result = transcribe_pcm(_fresh(models), "ko", pcm)
        assert Levenshtein.normalized_distance(result.text, source.text) <= 0.5, (fmt, result.text, source.text)
        assert all(0 <= w.start <= w.end <= result.audio_seconds + 0.05 for w in result.words)


def test_the_file_recogniser_reports_words_times_and_container(source_wav: Path, models: ModelStore) -> None:
    result = transcribe(source_wav, models, "ko")
    assert result.container == "wav" and result.text and result.timings["recognise"] > 0
    assert result.text == join_words([w.word for w in result.words])
    assert result.words[0].start < result.words[-1].end <= result.audio_seconds
    assert all(0 < w.conf <= 1 for w in result.words)
    assert result.as_dict()["audio_seconds"] == round(result.audio_seconds, 3)


def test_streaming_gives_partials_before_the_end_and_the_file_recognisers_final(
    source_pcm: bytes, models: ModelStore
) -> None:
    stream = StreamRecognizer(_fresh(models), "ko")
    chunk = BYTES_PER_SECOND // 4 + 7  # odd sizes, as network messages arrive
    partial_before_end = False
    finals = []
    for offset in range(0, len(source_pcm), chunk):
        events = stream.feed(source_pcm[offset : offset + chunk])
        last_chunk = offset + chunk >= len(source_pcm)
        if any(e.kind == "partial" and e.text for e in events) and not last_chunk:
            partial_before_end = True
        finals += [e.text for e in events if e.kind == "final"]
    events, streamed = stream.finish()
    finals += [e.text for e in events if e.kind == "final"]
    assert partial_before_end
    whole = transcribe_pcm(_fresh(models), "ko", source_pcm)
    assert streamed.text == whole.text and streamed.text
    assert join_words(finals) == streamed.text
    assert [w.word for w in streamed.words] == [w.word for w in whole.words]
    for mine, theirs in zip(streamed.words, whole.words, strict=True):
        assert abs(mine.start - theirs.start) <= 0.02 and abs(mine.end - theirs.end) <= 0.02


def test_models_are_loaded_once_and_shared(models: ModelStore, speech_dir: Path) -> None:
    first = models.get("ko")
    assert ModelStore(speech_dir / "models").get("ko") is first
    assert models.is_loaded("ko")
    assert "ko" in models.available()


def test_han_characters_are_joined_and_other_words_spaced() -> None:
    assert join_words(["今天", "冷柜", "很", "干净"]) == "今天冷柜很干净"
    assert join_words(["可口可乐", "coca", "cola", "两", "箱"]) == "可口可乐 coca cola 两箱"
    assert join_words(["냉장고", "깨끗합니다"]) == "냉장고 깨끗합니다"
    assert join_words(["the", "cooler", "", "is", "clean"]) == "the cooler is clean"


def test_command_line_prints_json(source_wav: Path, speech_dir: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "speech",
            "transcribe",
            str(source_wav),
            "--lang",
            "ko",
            "--models",
            str(speech_dir / "models"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    body = json.loads(out.stdout)
    assert body["text"] and body["words"] and body["audio_seconds"] > 1 and body["processing_seconds"] > 0
    assert set(body["words"][0]) == {"word", "start", "end", "conf"}
    missing = subprocess.run(
        [sys.executable, "-m", "speech", "transcribe", str(source_wav), "--lang", "zh", "--models", str(speech_dir)],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 4
    assert json.loads(missing.stderr)["error"] == "model_missing"
    for command in ([], ["transcribe"], ["download"]):
        help_out = subprocess.run([sys.executable, "-m", "speech", *command, "--help"], capture_output=True, text=True)
        assert help_out.returncode == 0 and "usage:" in help_out.stdout
