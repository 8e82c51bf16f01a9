"""Missing models and audio that is not audio, empty or too long: clear errors, never a crash."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest
from PIL import Image

from speech import (
    AudioTooLong,
    CorruptAudio,
    EmptyAudio,
    ModelBroken,
    ModelMissing,
    ModelStore,
    NotAudio,
    decode,
    transcribe,
)


def _wav(seconds: float, rate: int = 16_000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * int(seconds * rate))
    return buf.getvalue()


def test_a_missing_model_says_where_it_should_be_and_how_to_get_it(tmp_path: Path, source_wav: Path) -> None:
    store = ModelStore(tmp_path / "models")
    with pytest.raises(ModelMissing) as caught:
        transcribe(source_wav, store, "zh")
    assert str(tmp_path / "models" / "zh") in caught.value.detail
    assert "python -m speech download zh" in caught.value.detail
    assert store.available() == []


def test_a_broken_model_directory_is_reported(tmp_path: Path) -> None:
    (tmp_path / "en" / "am").mkdir(parents=True)
    (tmp_path / "en" / "am" / "final.mdl").write_bytes(b"not a model")
    (tmp_path / "en" / "conf").mkdir()
    (tmp_path / "en" / "conf" / "model.conf").write_text("--min-active=200\n")
    with pytest.raises(ModelBroken, match="could not load"):
        ModelStore(tmp_path).get("en")
    (tmp_path / "zh").mkdir()
    with pytest.raises(ModelBroken, match="incomplete"):
        ModelStore(tmp_path).get("zh")


def test_not_audio_is_refused(tmp_path: Path) -> None:
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    for data in (png.getvalue(), b"%PDF-1.7 hello", "这不是录音".encode(), b"#EXTM3U\nfile:///etc/passwd\n"):
        with pytest.raises(NotAudio, match="not a recording"):
            decode(data)


def test_empty_and_silent_nothing(source_wav: Path) -> None:
    with pytest.raises(EmptyAudio, match="0 bytes"):
        decode(b"")
    with pytest.raises(EmptyAudio, match="no sound"):
        decode(_wav(0))


def test_damaged_recordings_are_corrupt_not_crashes(encoded: dict[str, Path]) -> None:
    data = encoded["webm"].read_bytes()
    garbled = data[:200] + bytes(b ^ 0x5A for b in data[200:4000])
    with pytest.raises((CorruptAudio, EmptyAudio)):
        decode(garbled[:4000])
    mp4 = encoded["mp4"].read_bytes()
    with pytest.raises((CorruptAudio, EmptyAudio)):
        decode(mp4[:64])


def test_over_long_recordings_are_refused_early() -> None:
    with pytest.raises(AudioTooLong, match="longer than 2 s"):
        decode(_wav(5), max_seconds=2)
    assert decode(_wav(1.5), max_seconds=2).seconds == pytest.approx(1.5, abs=0.01)
