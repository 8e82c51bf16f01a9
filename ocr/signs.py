"""Storefront signs (门头): the text on a shop's sign, and which store it names.

``read_sign(data, engine=...)`` reads a photo's text with PP-OCR (made for scene text; tesseract
is poor at it) and orders what it found by size, the sign's name being the largest print.
``match_sign(texts, candidates)`` picks the candidate store the sign names: rapidfuzz's partial
ratio of each candidate's name, and of its distinctive part (the name without the shop kind every
sign carries, such as 便利店 or 超市, and without a branch in brackets), against the text read.
A match is credible when it scores ``CREDIBLE`` and clearly beats the runner-up; ``check_sign``
says whether a photo shows another store than the one expected (``sign_mismatch``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from rapidfuzz import fuzz

from ocr.engine import Engine, Word, engine_named
from ocr.images import open_photo

BAND_SHARE = 0.8  # text starting below this share of the height is the watermark band, not a sign
CREDIBLE = 60.0  # best score (0..100) below which no candidate is named
MARGIN = 6.0  # how far the best must lead the second to be named
MISMATCH_LEAD = 15.0  # another store leading the expected one by this much: the photo shows it
MAX_SIDE = 1600

# What most signs say besides the name: the kind of shop, a chain word, opening hours.
KINDS = (
    "购物广场",
    "生活超市",
    "便利超市",
    "连锁超市",
    "名烟名酒",
    "烟酒商行",
    "烟酒副食",
    "便利店",
    "超市",
    "烟酒店",
    "烟酒行",
    "副食店",
    "商店",
    "商行",
    "酒坊",
    "酒行",
    "食杂店",
    "百货",
    "批发部",
    "连锁",
    "小卖部",
    "便民店",
    "量贩",
    "串串香",
    "中餐馆",
    "火锅",
    "小炒",
    "面馆",
    "酒楼",
    "餐厅",
    "饭店",
)
_BRACKETS = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")


def normalise(text: str) -> str:
    """Upper case, Chinese characters, letters and digits only."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def core(name: str) -> str:
    """The part of a store's name that tells it apart: no branch in brackets, no shop kind."""
    out = normalise(_BRACKETS.sub("", name))
    for kind in KINDS:
        if out.endswith(kind) and len(out) > len(kind) + 1:
            return out[: -len(kind)]
    return out


@dataclass(frozen=True)
class SignMatch:
    id: str
    name: str
    score: float  # 0..100


@dataclass
class Sign:
    texts: list[str]  # what was read, largest print first
    match: SignMatch | None = None
    seconds: float = 0.0
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def score(name: str, read: str) -> float:
    """How well the text read (normalised, joined) shows ``name``: its distinctive part weighs
    most, the full name settles ties between stores of one chain."""
    if not read:
        return 0.0
    full, distinct = normalise(_BRACKETS.sub("", name)), core(name)
    if not full:
        return 0.0
    whole = fuzz.partial_ratio(full, read)
    part = fuzz.partial_ratio(distinct, read) if distinct else whole
    return round(0.5 * part + 0.5 * whole, 1)


def rank(texts: Sequence[str], candidates: Sequence[tuple[str, str]]) -> list[SignMatch]:
    """Every candidate ``(id, name)`` scored against the texts, best first."""
    read = normalise("".join(texts))
    scored = [SignMatch(cid, name, score(name, read)) for cid, name in candidates]
    return sorted(scored, key=lambda m: -m.score)


def match_sign(texts: Sequence[str], candidates: Sequence[tuple[str, str]]) -> SignMatch | None:
    """The candidate the sign names, or None when none is credible (or two are as likely)."""
    return _credible(rank(texts, candidates))


def _credible(ranked: list[SignMatch]) -> SignMatch | None:
    if not ranked or ranked[0].score < CREDIBLE:
        return None
    if len(ranked) > 1 and ranked[0].score - ranked[1].score < MARGIN:
        return None
    return ranked[0]


@dataclass(frozen=True)
class SignCheck:
    flags: list[str]  # sign_mismatch
    expected_score: float | None  # how well the sign shows the expected store (None: nothing read)
    best: SignMatch | None  # the store the sign names, when credible


def check_sign(sign: Sign, expected: tuple[str, str], others: Sequence[tuple[str, str]]) -> SignCheck:
    """Does the photo show the ``expected`` store? Flagged ``sign_mismatch`` only on evidence: a
    credible match to another store leading the expected one clearly. Nothing read says nothing."""
    if not normalise("".join(sign.texts)):
        return SignCheck([], None, None)
    pool = [expected, *[c for c in others if c[0] != expected[0]]]
    ranked = rank(sign.texts, pool)
    mine = next(m.score for m in ranked if m.id == expected[0])
    best = _credible(ranked)
    flags = ["sign_mismatch"] if best and best.id != expected[0] and best.score - mine >= MISMATCH_LEAD else []
    return SignCheck(flags, mine, best)


def _big_first(words: list[Word]) -> list[Word]:
    return sorted(words, key=lambda w: -min(w.box[2], w.box[3]) * len(w.text) ** 0.5)


def read_sign(data: bytes, *, engine: Engine | None = None, candidates: Sequence[tuple[str, str]] = ()) -> Sign:
    """The text of a storefront photo, largest print first, and the candidate it names.
    Raises ``ImageError`` for bytes that are not a photo, ``EngineError`` when OCR fails."""
    started = time.perf_counter()
    photo = open_photo(data)
    if max(photo.size) > MAX_SIDE:
        photo.thumbnail((MAX_SIDE, MAX_SIDE))
    engine = engine or engine_named("rapidocr")
    boxes = getattr(engine, "words", None)
    if boxes is not None:
        # the band our camera burns in (store, time, GPS) names the expected store: never the sign
        floor = BAND_SHARE * photo.height
        words = _big_first([w for w in boxes(photo) if w.conf >= 0.5 and w.box[1] < floor])
    else:  # an engine of lines only (tesseract): each line as one word
        words = [Word(line.text, line.conf, line.box) for line in engine.read(photo, "chi_sim+eng", 11)]
    texts = [w.text for w in words]
    sign = Sign(texts=texts, boxes=[w.box for w in words])
    if candidates:
        sign.match = match_sign(texts, candidates)
    sign.seconds = round(time.perf_counter() - started, 3)
    return sign
