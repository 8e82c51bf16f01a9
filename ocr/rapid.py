"""PP-OCR through onnxruntime (RapidOCR): a text detector and a recogniser made for photographed
and printed text in Chinese and English, with their models inside the ``rapidocr`` wheel.

``RapidOcr`` implements the engine interface (``read(image, langs, psm) -> list[Line]``): the
detector's boxes become ``Word``s, grouped into reading-order lines by ``group_lines``. It loads
its three models from the wheel's folder by path, so it never downloads: a wheel without them
raises ``EngineError`` naming the install command. One instance per process (``shared()``), as
loading costs about half a second and a few hundred MB.
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import statistics
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ocr.engine import Line, Word
from ocr.errors import EngineError

# The models of rapidocr 3.10: PP-OCRv6 small detector and recogniser (Chinese, English and the
# Latin alphabets in one), and the text-direction classifier.
MODELS = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
DET_SIDE = 1280
INSTALL = "pip install 'rapidocr==3.10.*' onnxruntime (both in pyproject.toml)"


def models_dir() -> Path | None:
    """The folder of the installed wheel's models, or None when rapidocr is not installed."""
    try:
        import rapidocr
    except ImportError:
        return None
    return Path(rapidocr.__file__).resolve().parent / "models"


def missing_models() -> list[str]:
    """What the engine needs and does not find (empty when it can run)."""
    folder = models_dir()
    if folder is None:
        return ["rapidocr"]
    return [name for name in MODELS.values() if not (folder / name).is_file()]


def threads() -> int:
    """onnxruntime threads per call: all cores of a small machine (``FIELDVISIT_OCR_THREADS``)."""
    try:
        return max(1, int(os.environ.get("FIELDVISIT_OCR_THREADS", "")))
    except ValueError:
        return min(2, os.cpu_count() or 1)


def det_side_default() -> int:
    """The detector's longest side in pixels (``FIELDVISIT_OCR_DET_SIDE``)."""
    try:
        return max(320, int(os.environ.get("FIELDVISIT_OCR_DET_SIDE", "")))
    except ValueError:
        return DET_SIDE


class RapidOcr:
    """PP-OCR detection + recognition; ``langs`` and ``psm`` (tesseract's) are ignored."""

    name = "rapidocr"
    _shared: RapidOcr | None = None
    _shared_lock = threading.Lock()

    def __init__(self, *, max_side: int = 2000, det_side: int | None = None, num_threads: int | None = None) -> None:
        missing = missing_models()
        if missing:
            raise EngineError(f"RapidOCR cannot run, missing: {', '.join(missing)} ({INSTALL})")
        from rapidocr import RapidOCR  # heavy (onnxruntime, OpenCV): imported on first use

        folder = models_dir()
        assert folder is not None
        n = num_threads or threads()
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.max_side_len": max_side,
            "EngineConfig.onnxruntime.intra_op_num_threads": n,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # The detector sees the page with its longer side at most DET_SIDE pixels (rapidocr's
            # own default scales the *shorter* side up to 736, so a long receipt ran at 2000 px).
            "Det.limit_type": "max",
            "Det.limit_side_len": det_side or det_side_default(),
        }
        for task, file in MODELS.items():
            params[f"{task}.model_path"] = str(folder / file)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        try:
            self._ocr = RapidOCR(params=params)
        except Exception as exc:  # a broken install: onnxruntime refuses the model
            raise EngineError(f"RapidOCR failed to load: {exc}") from None
        self._lock = threading.Lock()  # one onnxruntime call at a time: the threads are already all cores

    @classmethod
    def shared(cls) -> RapidOcr:
        """The process's one engine, loaded on first use."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def read(self, image: Image.Image, langs: str = "", psm: int = 0) -> list[Line]:
        return group_lines(self.words(image))

    def words(self, image: Image.Image) -> list[Word]:
        """The detector's text boxes, each recognised: one ``Word`` per box (a box is often a
        phrase), its box the quad's bounding rectangle and ``angle`` kept on the side."""
        array = np.asarray(image.convert("RGB"))[:, :, ::-1]  # OpenCV's BGR
        try:
            with self._lock:
                result: Any = self._ocr(np.ascontiguousarray(array))
        except Exception as exc:  # onnxruntime or OpenCV failing on this picture
            raise EngineError(f"RapidOCR failed: {exc}") from None
        finally:
            _release()
        if result.boxes is None or result.txts is None:
            return []
        words = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores or (), strict=False):
            text = str(text).strip()
            if not text:
                continue
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            left, top = math.floor(min(xs)), math.floor(min(ys))
            box = (left, top, max(1, math.ceil(max(xs)) - left), max(1, math.ceil(max(ys)) - top))
            (x0, y0), (x1, y1) = quad[0], quad[1]
            slope = (float(y1) - float(y0)) / (float(x1) - float(x0)) if float(x1) != float(x0) else 0.0
            words.append(Word(text, float(score), box, slope))
        return words


def _load_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_TRIM = _load_trim()


def _release() -> None:
    """Hand the freed tensors of a call back to the system: without it glibc keeps the arena's
    high-water mark of every picture size seen, and the worker grew by about 100 MB (measured)."""
    if _TRIM is not None:
        _TRIM(0)


def group_lines(words: list[Word]) -> list[Line]:
    """Boxes into reading-order lines: a label and its amount far to the right are one line.

    The page's tilt is the median slope of the boxes' top edges; each box's centre is turned
    back by it, then boxes whose (turned) vertical spans overlap by half the smaller height join a
    line, unless they overlap sideways (two stacked boxes). Lines top to bottom, boxes left to right.
    """
    if not words:
        return []
    slopes = [w.slope for w in words if abs(w.slope) < 0.2 and w.box[2] > 2 * w.box[3]]
    tilt = statistics.median(slopes) if slopes else 0.0

    def centre_y(w: Word) -> float:
        cx = w.box[0] + w.box[2] / 2
        return w.box[1] + w.box[3] / 2 - tilt * cx

    rows: list[list[Word]] = []
    spans: list[tuple[float, float]] = []  # each row's turned vertical span (from its first box)
    for word in sorted(words, key=centre_y):
        cy, half = centre_y(word), word.box[3] / 2
        best, best_overlap = None, 0.0
        for i, (top, bottom) in enumerate(spans):
            overlap = min(bottom, cy + half) - max(top, cy - half)
            smaller = min(bottom - top, 2 * half)
            if overlap >= 0.5 * smaller and overlap > best_overlap and not _sideways(word, rows[i]):
                best, best_overlap = i, overlap
        if best is None:
            rows.append([word])
            spans.append((cy - half, cy + half))
        else:
            rows[best].append(word)
    ordered = sorted(range(len(rows)), key=lambda i: sum(spans[i]) / 2)
    return [Line(tuple(sorted(rows[i], key=lambda w: w.box[0]))) for i in ordered]


def _sideways(word: Word, row: list[Word]) -> bool:
    left, right = word.box[0], word.box[0] + word.box[2]
    for other in row:
        shared = min(right, other.box[0] + other.box[2]) - max(left, other.box[0])
        if shared > 0.3 * min(word.box[2], other.box[2]):
            return True
    return False
