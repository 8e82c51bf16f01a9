"""Is a complete upload what its first bytes say? A photo must decode whole (Pillow, through
``ocr.check_image``); a recording must hold a sound track PyAV decodes. Run on the verified bytes
before they become a blob (``sync.blobs.BlobCheck``): what fails is refused with a code, never
stored, and never a 500 — whatever the decoders raise."""

from __future__ import annotations

import logging
from pathlib import Path

from ocr import ImageError, check_image
from speech.audio import sniff as audio_container

log = logging.getLogger("fieldvisit.blobs")

# Decoding this many packets without one frame of sound: it is not a recording.
_PROBE_PACKETS = 64


class BlobRefused(Exception):
    """The bytes are not a usable photo or recording: ``code`` says how (422 for the uploader)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def check_photo(path: Path) -> None:
    try:
        check_image(path.read_bytes())
    except ImageError as exc:
        raise BlobRefused(exc.code, f"The photo was refused: {exc}.") from None


def check_recording(path: Path) -> None:
    """At least one frame of sound decodes from the recording's own container (FFmpeg is never left to
    guess the format). Cheap: it stops at the first decoded frame."""
    import av

    container = audio_container(path.read_bytes()[:16])
    if container is None:
        raise BlobRefused("not_audio", "The recording was refused: it is not a recording (WebM, Ogg, MP4, WAV).")
    try:
        with av.open(str(path), mode="r", format=container) as media:
            if not media.streams.audio:
                raise BlobRefused("not_audio", "The recording was refused: the file holds no sound track.")
            stream = media.streams.audio[0]
            for n, packet in enumerate(media.demux(stream)):
                if any(frame.samples for frame in packet.decode()):
                    return
                if n >= _PROBE_PACKETS:
                    break
    except BlobRefused:
        raise
    except Exception as exc:  # PyAV's FFmpegError, and ValueError/EOFError/OSError on odd streams
        log.info("recording %s does not decode: %s", path.name[:12], exc)
        raise BlobRefused(
            "not_audio", "The recording was refused: its sound cannot be decoded (damaged or not audio)."
        ) from None
    raise BlobRefused("not_audio", "The recording was refused: it holds no sound that decodes.")


def check_blob(kind: str, path: Path) -> None:
    """Refuse (``BlobRefused``) bytes of type ``kind`` (told by ``sync.sniff_type``) that do not decode."""
    if kind.startswith("image/"):
        check_photo(path)
    elif kind.startswith("audio/"):
        check_recording(path)
