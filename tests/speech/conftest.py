"""Real speech for the speech tests: espeak-ng Korean, the real Korean Vosk model, browser formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech import ModelStore, decode, transcribe
from speech.recognizer import Transcript
from tests.audiohelp import FORMATS, KO_SENTENCES, KO_STABLE, encode, model_root, speak


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def models(speech_dir: Path) -> ModelStore:
    return ModelStore(model_root(speech_dir / "models", "ko"))


@pytest.fixture(scope="session")
def source_wav(speech_dir: Path) -> Path:
    """The source recording: espeak's speech as a 48 kHz WAV, as a browser captures it."""
    raw = speak(KO_STABLE, speech_dir / "raw.wav", pad_seconds=0.3)
    return encode(raw, speech_dir / "source.wav", "wav")


@pytest.fixture(scope="session")
def long_wav(speech_dir: Path) -> Path:
    raw = speak(KO_SENTENCES[0], speech_dir / "raw-long.wav", pad_seconds=0.3)
    return encode(raw, speech_dir / "long.wav", "wav")


@pytest.fixture(scope="session")
def encoded(speech_dir: Path, source_wav: Path) -> dict[str, Path]:
    return {fmt: encode(source_wav, speech_dir / f"note.{fmt}", fmt) for fmt in FORMATS if fmt != "wav"}


@pytest.fixture(scope="session")
def source_transcript(source_wav: Path, models: ModelStore) -> Transcript:
    return transcribe(source_wav, models, "ko")


@pytest.fixture(scope="session")
def source_pcm(source_wav: Path) -> bytes:
    return decode(source_wav).pcm
