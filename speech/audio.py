"""Decoding what browsers record (webm/opus, mp4/aac, ogg/opus, wav, and mp3/flac for good measure)
to 16 kHz mono 16-bit PCM with PyAV.

The container is recognised from its first bytes and opened with that demuxer only: FFmpeg is
never left to probe arbitrary input (some of its demuxers follow references to other files).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from speech.errors import AudioTooLong, CorruptAudio, EmptyAudio, NotAudio

SAMPLE_RATE = 16_000
BYTES_PER_SECOND = SAMPLE_RATE * 2  # mono, 16-bit


@dataclass(frozen=True)
class Audio:
    pcm: bytes  # s16le, mono, 16 kHz
    container: str

    @property
    def seconds(self) -> float:
        return len(self.pcm) / BYTES_PER_SECOND


def sniff(head: bytes) -> str | None:
    """The FFmpeg demuxer for a file starting with ``head``, or None when it is no audio we take."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"  # WebM is Matroska
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"  # ADTS
    return None


def decode(source: bytes | str | Path, *, max_seconds: float = 600.0) -> Audio:
    """Decode ``source`` (the file's bytes, or a path) to 16 kHz mono PCM.

    Raises EmptyAudio, NotAudio, CorruptAudio or AudioTooLong; stops decoding as soon as the limit
    is passed, so a very long file costs no more than the limit.
    """
    import av

    data = Path(source).read_bytes() if isinstance(source, str | Path) else source
    if not data:
        raise EmptyAudio("The recording is empty (0 bytes).")
    container_name = sniff(data[:16])
    if container_name is None:
        raise NotAudio("This is not a recording we can read: expected WebM/Opus, MP4/AAC, Ogg/Opus or WAV.")
    limit = int(max_seconds * BYTES_PER_SECOND)
    chunks: list[bytes] = []
    size = 0
    try:
        with av.open(io.BytesIO(data), mode="r", format=container_name) as container:
            if not container.streams.audio:
                raise NotAudio("The file holds no sound track.")
            duration = container.duration  # microseconds, when the container says
            if duration is not None and duration / 1_000_000 > max_seconds + 1:
                raise AudioTooLong(_too_long(duration / 1_000_000, max_seconds))
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    size += _take(out, chunks)
                if size > limit:
                    raise AudioTooLong(_too_long(size / BYTES_PER_SECOND, max_seconds))
            for out in resampler.resample(None):
                size += _take(out, chunks)
    except (NotAudio, AudioTooLong):
        raise
    except av.error.FFmpegError as exc:
        raise CorruptAudio(f"The recording is damaged and cannot be decoded ({_reason(exc)}).") from None
    except (ValueError, EOFError, OSError) as exc:  # PyAV raises these for truncated or odd streams
        raise CorruptAudio(f"The recording is damaged and cannot be decoded ({exc}).") from None
    if size > limit:
        raise AudioTooLong(_too_long(size / BYTES_PER_SECOND, max_seconds))
    if size == 0:
        raise EmptyAudio("The recording holds no sound.")
    return Audio(b"".join(chunks), container_name)


def _take(frame: Any, chunks: list[bytes]) -> int:
    n = frame.samples * 2
    chunks.append(bytes(frame.planes[0])[:n])
    return n


def _too_long(seconds: float, limit: float) -> str:
    return f"The recording is longer than {limit:g} s (at least {seconds:.0f} s); record shorter notes."


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__
