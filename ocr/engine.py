"""The OCR engine behind a one-method interface: ``read(image, langs, psm) -> list[Line]``.

``Tesseract`` runs Debian's tesseract through pytesseract; ``ocr.rapid.RapidOcr`` runs PP-OCR
(``engine_named`` gives either by name); tests inject a failing engine to see
how callers cope, without patching. Tesseract's errors become ``EngineError``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

import pytesseract
from PIL import Image

from ocr.errors import EngineError

# Tesseract's OpenMP threads fight each other on a small machine: one thread per process is
# several times faster on two cores (measured 0.25 s against 1.5 s for a receipt), and the
# server runs several OCR jobs side by side anyway.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # 0..1
    box: tuple[int, int, int, int]  # left, top, width, height
    slope: float = 0.0  # the box's top edge, dy/dx (RapidOCR's quads; 0 from tesseract)


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return join_words([w.text for w in self.words])

    @property
    def conf(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.conf for w in self.words) / len(self.words)

    @property
    def height(self) -> float:
        heights = sorted(w.box[3] for w in self.words)
        return float(heights[len(heights) // 2]) if heights else 0.0

    @property
    def top(self) -> int:
        return min(w.box[1] for w in self.words)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The union of its words' boxes: left, top, width, height."""
        left = min(w.box[0] for w in self.words)
        top = self.top
        right = max(w.box[0] + w.box[2] for w in self.words)
        bottom = max(w.box[1] + w.box[3] for w in self.words)
        return left, top, right - left, bottom - top


class Engine(Protocol):
    def read(self, image: Image.Image, langs: str, psm: int) -> list[Line]: ...


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"


def join_words(words: list[str]) -> str:
    """Words joined by spaces, except between Chinese characters (tesseract splits those apart)."""
    out = ""
    for word in words:
        if out and not (_is_han(out[-1]) and _is_han(word[0])):
            out += " "
        out += word
    return out


class Tesseract:
    name = "tesseract"

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    def read(self, image: Image.Image, langs: str, psm: int) -> list[Line]:
        try:
            data = pytesseract.image_to_data(
                image, lang=langs, config=f"--psm {psm}", output_type=pytesseract.Output.DICT, timeout=self.timeout
            )
        except pytesseract.TesseractNotFoundError:
            raise EngineError("tesseract is not installed (apt install tesseract-ocr tesseract-ocr-chi-sim)") from None
        except RuntimeError as exc:  # pytesseract raises a bare RuntimeError on its timeout
            raise EngineError(f"tesseract took longer than {self.timeout:.0f} s ({exc})") from None
        except pytesseract.TesseractError as exc:
            raise EngineError(f"tesseract failed: {exc.message or exc.status}") from None
        lines: dict[tuple[int, int, int], list[Word]] = {}
        for i, text in enumerate(data["text"]):
            text = text.strip()
            conf = float(data["conf"][i])
            if not text or conf < 0:
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            box = (data["left"][i], data["top"][i], data["width"][i], data["height"][i])
            lines.setdefault(key, []).append(Word(text, conf / 100, box))
        return [Line(tuple(words)) for words in lines.values()]


ENGINES = ("rapidocr", "tesseract")


def engine_named(name: str) -> Engine:
    """The engine called ``name`` (``ENGINES``); RapidOCR's is the process's one instance."""
    if name == "tesseract":
        return Tesseract()
    if name == "rapidocr":
        from ocr.rapid import RapidOcr  # onnxruntime and OpenCV load only for it

        return RapidOcr.shared()
    raise ValueError(f"unknown OCR engine {name!r}; one of {', '.join(ENGINES)}")
