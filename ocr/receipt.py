"""Receipts: photo in, merchant / date / total (plus tax and line items) out, each with a confidence.

``parse_receipt(lines)`` is pure: it takes OCR'd lines (text and confidence) and picks the fields;
it works on either engine's lines. ``read_receipt(data, engine=...)`` runs the whole pipeline and
times each stage: safe decode and EXIF orientation, then for RapidOCR (PP-OCR, the default) the
upright photo as it is, each field keeping its line's box on the photo; for tesseract crop, deskew,
scale and flattened light first (its boxes are on that prepared copy, so none are given).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from typing import Any

from ocr.engine import Engine, Line, Tesseract, join_words
from ocr.fields import amounts, parse_date
from ocr.images import open_photo
from ocr.preprocess import prepare_receipt

LANGS = "chi_sim+eng"
# Page segmentation: 4 (a column of lines of varying size) reads printed till rolls best; on
# Chinese receipts it splits a label from its amount far to the right and then misreads the
# label, so those are read again as one uniform block (6), which keeps the line together.
PSM_FIRST, PSM_CHINESE = 4, 6


@dataclass(frozen=True)
class TextLine:
    text: str
    conf: float  # tesseract's mean word confidence, 0..1
    height: float = 0.0  # median word height in pixels (the shop's name is printed larger)
    box: tuple[float, float, float, float] | None = None  # x, y, w, h as fractions of the photo

    @cached_property
    def amounts(self) -> list[Decimal]:
        """The money amounts on the line, parsed once (every field finder looks at them)."""
        return amounts(self.text)


@dataclass(frozen=True)
class Field:
    value: str | None
    confidence: float  # 0..1: how sure we are the value is right (0 when nothing was found)
    line: str | None = None  # the OCR'd line it came from, for finance to see
    box: tuple[float, float, float, float] | None = None  # that line on the photo: x, y, w, h in 0..1


@dataclass(frozen=True)
class Item:
    name: str
    amount: str


@dataclass
class Receipt:
    merchant: Field
    date: Field
    total: Field
    tax: Field
    currency: str | None
    items: list[Item] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    angle: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _from(value: str, confidence: float, line: TextLine) -> Field:
    return Field(value, confidence, line.text, line.box)


# --- total -----------------------------------------------------------------------------------

# How strongly a line's words say "this is what was paid". Checked in order; the first match wins.
_TOTAL_KEYS: list[tuple[re.Pattern[str], float]] = [
    (re.compile(r"实收|实付|应付|应收|付款金额|支付金额"), 1.0),
    (
        re.compile(
            r"^ROUND(ED|ING)\b|ROUND(ED|ING)?\s*(TOTAL|AMOUNT)|TOTAL\s*ROUND|NETT?\s*TOTAL|GRAND\s*TOTAL|AMOUNT\s*DUE|TOTAL\s*(AMOUNT\s*|AMT\s*)?P[AO]YABLE|TOTAL\s*DUE|TOTAL\s*AMOUNT|"
            r"(AMT|AMOUNT)\s*PAID\s*INCL|^\W*[A-Z]{1,5}\s+INCLUSIVE\s*(OF\s*)?GST\s*:"
        ),
        0.95,
    ),
    (
        re.compile(
            r"合\s*计|总\s*计|总\s*额|总\s*价|TOTAL\s*\(?RM\)?|TOTAL\s*[:;]?\s*(RM|\$|¥)?$|^TOTAL\b|TOTAL\s*INCL"
        ),
        0.85,
    ),
    (re.compile(r"TOTAL|TOTA1|T0TAL|TOTAI|\bT[O0]?TAL\b"), 0.6),
    # what a card or e-wallet was charged is what was paid (cash is not: it is what was handed over)
    (re.compile(r"微信|支付宝|银联|刷卡|WECHAT|ALIPAY|CREDIT\s*CARD|VISA|MASTER"), 0.5),
]
# Lines that carry the word but not the amount paid.
_NOT_TOTAL = re.compile(
    r"SUB\s*-?\s*TOTAL|SUBTOTAL|TOTAL\s*(QTY|QUANTITY|ITEM|DISC|SAVING|TAX|GST|VAT|EXCL|POINT|WEIGHT|NO)|"
    r"小\s*计|数\s*量|件数|优惠|折扣|找零|CHANGE|TENDER|CASH\b|税额|ROUNDING\s*ADJ|ADJUSTMENT"
)
_TAX = re.compile(r"\b(GST|SST|VAT|TAX)\b|税额|税金|增值税")
_CURRENCY = [("RM", "MYR"), ("MYR", "MYR"), ("¥", "CNY"), ("￥", "CNY"), ("元", "CNY"), ("RMB", "CNY"), ("$", "USD")]


def _strength(text: str) -> float:
    upper = text.upper()
    if _NOT_TOTAL.search(upper):
        return 0.0
    for pattern, weight in _TOTAL_KEYS:
        if pattern.search(upper):
            return weight
    return 0.0


def _bare_amount(text: str) -> bool:
    """A line that is only an amount (its currency, a tax code): not a label of its own, such as
    the ``CASH 50.00`` after a total line whose amount did not read."""
    return not re.search(r"[^\W\d_]", re.sub(r"\b(RM|MYR|RMB|SR|ZR|[SZ])\b|[¥￥元$]", "", text.upper()))


def _find_total(lines: Sequence[TextLine]) -> tuple[Field, int | None]:
    candidates: list[tuple[float, Decimal, int]] = []
    for i, line in enumerate(lines):
        weight = _strength(line.text)
        if not weight:
            continue
        values = [a for a in line.amounts if a > 0]
        if not values and i + 1 < len(lines) and _bare_amount(lines[i + 1].text):
            values = [a for a in lines[i + 1].amounts if a > 0]  # the amount printed on the next line
        if values:
            candidates.append((weight, values[-1], i))
    if not candidates:
        tendered = _tendered_arithmetic(lines)
        return tendered if tendered[0].value else _fallback_total(lines)
    top = max(w for w, _, _ in candidates)
    strongest = [c for c in candidates if c[0] >= top - 0.05]
    # Several "total" lines (before and after rounding, the tax summary): the largest is the one
    # paid — the summary's total excludes tax, and the cash tendered is not a total line.
    weight, value, index = max(strongest, key=lambda c: (c[1], -c[2]))
    paid = _cash_less_change(lines)
    if paid is not None and paid != value:
        # Cash tendered minus change is what was paid: trust it over a misread total line,
        # when the receipt prints that amount somewhere (a total line or the tax summary).
        matching = [c for c in candidates if c[1] == paid]
        if matching:
            weight, value, index = max(matching)
        else:
            printed = [i for i, line in enumerate(lines) if paid in line.amounts]
            if printed:
                return _from(f"{paid:.2f}", round(0.7 * lines[printed[0]].conf, 2), lines[printed[0]]), printed[0]
    rounded = _rounded(lines, index, value)
    if rounded is not None:
        value, index = rounded
    agree = sum(1 for line in lines if value in line.amounts)
    confirmed = paid == value or agree > 1
    confidence = weight * lines[index].conf * (1.0 if confirmed else 0.85)
    return _from(f"{value:.2f}", round(min(confidence, 1.0), 2), lines[index]), index


_ROUNDING = re.compile(r"ROUNDING|ROUND\s*ADJ|抹零|舍入")
_CENTS = re.compile(r"(\(|-)?\s*(?:RM|\$)?\s*(\d*)[.,](\d{2})\)?\s*$")


def _rounded(lines: Sequence[TextLine], index: int, value: Decimal) -> tuple[Decimal, int] | None:
    """A rounding adjustment printed just after the total: the rounded amount, when a later
    line prints it, is what was paid (``37.44``, ``Rounding .01``, ``37.45``)."""
    for i in range(index + 1, min(index + 3, len(lines))):
        if not _ROUNDING.search(lines[i].text.upper()):
            continue
        m = _CENTS.search(lines[i].text)
        if not m:
            return None
        step = Decimal(f"{m.group(2) or 0}.{m.group(3)}")
        if not step or step >= 1:
            return None
        for rounded in [value - step] if m.group(1) else [value + step, value - step]:
            later = next((j for j in range(i + 1, len(lines)) if rounded in lines[j].amounts), None)
            if later is not None:
                return rounded, later
        return None
    return None


_CASH = re.compile(r"\bCASH\b|TENDER|\bPAID\b|现金|收款|实收现金")
_CHANGE = re.compile(r"CHANGE|找零|找赎")


def _cash_less_change(lines: Sequence[TextLine]) -> Decimal | None:
    cash = change = None
    for line in lines:
        upper = line.text.upper()
        values = [a for a in line.amounts if a >= 0]
        if not values:
            continue
        if _CHANGE.search(upper) and change is None:
            change = values[-1]
        elif _CASH.search(upper) and cash is None:
            cash = values[-1]
    if cash is None or change is None or cash <= change:
        return None
    return cash - change


def _tendered_arithmetic(lines: Sequence[TextLine]) -> tuple[Field, int | None]:
    """Labels unreadable, amounts read: three lines in a row whose amounts are total, tendered
    and change (tendered − change = total, tendered > total) give the total by arithmetic."""
    last = [line.amounts[-1] if line.amounts else None for line in lines]
    for i in range(len(lines) - 2):
        total, tendered, change = last[i], last[i + 1], last[i + 2]
        if total and tendered and change is not None and tendered > total and tendered - change == total:
            return _from(f"{total:.2f}", round(0.8 * lines[i].conf, 2), lines[i]), i
    return Field(None, 0.0), None


def _fallback_total(lines: Sequence[TextLine]) -> tuple[Field, int | None]:
    """No total line read: the amount that recurs most (totals repeat: total, tendered, summary)."""
    seen: dict[Decimal, list[int]] = {}
    for i, line in enumerate(lines):
        for value in line.amounts:
            if value > 0:
                seen.setdefault(value, []).append(i)
    repeated = [(len(ix), value, ix[0]) for value, ix in seen.items() if len(ix) > 1]
    if not repeated:
        return Field(None, 0.0), None
    _, value, index = max(repeated)
    return _from(f"{value:.2f}", 0.3, lines[index]), index


# --- date ------------------------------------------------------------------------------------

_DATE_WORD = re.compile(r"DATE|日期|时间|TIME|开票")


def _find_date(lines: Sequence[TextLine], dayfirst: bool) -> Field:
    found = []
    for i, line in enumerate(lines):
        parsed = parse_date(line.text, dayfirst=dayfirst)
        if parsed:
            labelled = bool(_DATE_WORD.search(line.text.upper()))
            found.append((labelled, -i, parsed, line))
    if not found:
        return Field(None, 0.0)
    labelled, _, parsed, line = max(found, key=lambda f: (f[0], f[1]))
    distinct = {f[2] for f in found}
    confidence = line.conf * (1.0 if labelled or len(distinct) == 1 else 0.8)
    return _from(parsed.isoformat(), round(confidence, 2), line)


# --- merchant --------------------------------------------------------------------------------

_COMPANY = re.compile(
    r"SDN\.?\s*BHD|S/B\b|\bBHD\b|ENTERPRISE|TRADING|RESTAURANT|RESTORAN|\bMART\b|SUPERMARKET|HARDWARE|"
    r"STATIONERY|BOOK|BAKER|CO\.|\bLTD\b|\bINC\b|\bSHOP\b|\bSTORE\b|有限公司|超市|便利店|商店|商行|商场|酒行|烟酒|名酒|酒坊|副食|广场|量贩|门市|餐厅|饭店|店$"
)
_NOT_MERCHANT = re.compile(
    r"\bTEL\b|PHONE|FAX|\bGST\b|\bSST\b|\bREG\b|INVOICE|RECEIPT|\bNO\s*[.:]|\bDATE\b|CASHIER|WWW|@|HTTP|"
    r"JALAN|JLN|\bROAD\b|\bLOT\b|TAMAN|\d{5}|WELCOME|欢迎|电话|地址|发票|收据|小票|单号|日期|收银|路\d|号$"
)


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _find_merchant(lines: Sequence[TextLine]) -> Field:
    plausible = []
    for i, line in enumerate(lines[:12]):
        text = _strip_registration(_repair_legal(line.text.strip(" .,:;-|'\"*~_")))
        letters = _letters(text)
        if letters < 3 or letters < 0.5 * len(text.replace(" ", "")) or line.conf < 0.45:
            continue
        if _NOT_MERCHANT.search(text.upper()):
            continue
        plausible.append((i, text, line, bool(_COMPANY.search(text.upper()))))
    if not plausible:
        return Field(None, 0.0)
    heights = sorted(line.height for line in lines if line.height)
    typical = heights[len(heights) // 2] if heights else 0.0

    def score(candidate: tuple[int, str, TextLine, bool]) -> float:
        i, _, line, named = candidate
        larger = min(line.height / typical, 2.0) - 1.0 if typical and line.height else 0.0
        return named + 0.6 * larger - 0.06 * i + 0.3 * line.conf

    index, text, line, named = max(plausible, key=score)
    text, named = _whole_name(lines, index, text, named)
    text = _respell(text)
    return _from(text, round(line.conf * (1.0 if named else 0.7), 2), line)


_CONTINUES = re.compile(r"^\(?\s*(CO\.?|SDN|BHD|\(M\)|S/B|ENTERPRISE|TRADING|有限公司)\b")
_LEGAL = re.compile(r"SDN\.?\s*BHD|\bBHD\b|S/B\b|\bLTD\b|有限公司")
_NAME_WORDS = re.compile(r"^[A-Z&'.]+(\s+[A-Z&'.]+){1,2}$")  # two or three words


def _whole_name(lines: Sequence[TextLine], index: int, text: str, named: bool) -> tuple[str, bool]:
    """A name printed over two lines: ``POPULAR BOOK`` / ``CO. (M) SDN BHD``, or a short upper-case
    line just above a company's legal name (``GHEE HIANG`` / ``GH DISTRIBUTOR ... SDN BHD``)."""
    if not _LEGAL.search(text.upper()) and index + 1 < len(lines):
        after = _strip_registration(_repair_legal(lines[index + 1].text.strip()))
        if _CONTINUES.search(after.upper()):
            return join_words([text, after]), True
    if _LEGAL.search(text.upper()) and index > 0:
        before = lines[index - 1].text.strip(" .,:;-|'\"*~_")
        if _NAME_WORDS.match(before) and _letters(before) >= 4 and not _NOT_MERCHANT.search(before):
            return f"{before} {text}", named
    return text, named


def _repair_legal(text: str) -> str:
    """The legal suffixes OCR slips on: ``5/B`` → ``S/B``, ``SN BHD`` / ``SUN BHD`` / ``SDN BHO`` → ``SDN BHD``."""
    text = re.sub(r"(?<=\s)5/B\b", "S/B", text)
    return re.sub(r"\bS[DOU0]?N\.?\s*BH[DO0]\b", "SDN BHD", text, flags=re.IGNORECASE)


# Letters the recognisers read for one another (the first for the second): one such slip in a word
# of a name, turning a common English word into none, is put back.
_CONFUSED = {"I": "LF1", "L": "I1", "R": "N", "N": "RM", "M": "N", "D": "OU0", "O": "D0Q", "G": "C", "C": "G", "S": "5"}
_MISREAD_AS: dict[str, str] = {}
for _right, _wrongs in _CONFUSED.items():
    for _wrong in _wrongs:
        _MISREAD_AS[_wrong] = _MISREAD_AS.get(_wrong, "") + _right
_COMMON = 100  # times per the word list's corpus: "gardenia" 222, "bakeries" 154; rarer is a name


@cache
def _words() -> Any:
    from spellchecker import SpellChecker  # 0.2 s and 40 MB, loaded on the first merchant

    return SpellChecker(language="en", distance=1).word_frequency


def _respell(name: str) -> str:
    """``TASTE OF THE WORID`` → ``WORLD``, ``GARDENFA BAKERIES`` → ``GARDENIA``: a word of five
    letters or more that is no English word, where exactly one swap of a confusable letter makes a
    common one. Names that are no English word either way (GHEE HIANG, COSWAY) stay as read."""
    if not re.search(r"[A-Za-z]{5}", name):
        return name
    known = _words()

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        lower = word.lower()
        if known[lower]:
            return word
        found = {
            lower[:i] + right + lower[i + 1 :]
            for i, ch in enumerate(word.upper())
            for right in _MISREAD_AS.get(ch, "").lower()
        }
        common = [w for w in found if known[w] >= _COMMON]
        if len(common) != 1:
            return word
        return common[0].upper() if word.isupper() else common[0].capitalize() if word[0].isupper() else common[0]

    return re.sub(r"(?<![\w])[A-Za-z0-9]{5,}(?![\w])", fix, name)


def _strip_registration(text: str) -> str:
    """Drop a company registration number printed after the name: ``AEON CO. (M) BHD (126926-H)``."""
    text = re.sub(r"\s*[\(\[{][^\)\]}]*\d{3,}[^\)\]}]*[\)\]}]?\s*$", "", text)
    return re.sub(r"\s*[\(\[{]?\s*\d{4,}\s*[-\s]?\s*[A-Z0-9]?\s*[\)\]}]?\s*$", "", text).strip()


# --- tax and items ---------------------------------------------------------------------------


def _find_tax(lines: Sequence[TextLine], total_index: int | None) -> Field:
    for line in lines[: total_index if total_index is not None else len(lines)][::-1]:
        upper = line.text.upper()
        if _TAX.search(upper) and not re.search(r"\bNO\b|REG|ID|%\s*$|SUMMARY|INCL", upper):
            values = line.amounts
            if values:
                return _from(f"{values[-1]:.2f}", round(line.conf * 0.8, 2), line)
    return Field(None, 0.0)


def _find_items(lines: Sequence[TextLine], merchant_index: int, total_index: int | None) -> list[Item]:
    items = []
    end = total_index if total_index is not None else len(lines)
    for line in lines[merchant_index + 1 : end]:
        values = line.amounts
        if not values or _strength(line.text) or _TAX.search(line.text.upper()) or _NOT_TOTAL.search(line.text.upper()):
            continue
        name = _AMOUNT_TAIL.sub("", line.text).strip(" :.-x×*")
        if _letters(name) >= 2 and parse_date(line.text) is None:
            items.append(Item(name, f"{values[-1]:.2f}"))
    return items


_AMOUNT_TAIL = re.compile(r"[\s\d.,:xX×*@RM¥￥元$-]+$")


def parse_receipt(lines: Sequence[TextLine], *, dayfirst: bool = True) -> Receipt:
    clean = [line for line in lines if line.text.strip()]
    total, total_index = _find_total(clean)
    merchant = _find_merchant(clean)
    merchant_index = next((i for i, line in enumerate(clean) if line.text == merchant.line), -1)
    joined = " ".join(line.text for line in clean).upper()
    currency = next((code for mark, code in _CURRENCY if mark in joined), None)
    if currency is None and re.search(r"[\u4e00-\u9fff]", joined):
        currency = "CNY"
    return Receipt(
        merchant=merchant,
        date=_find_date(clean, dayfirst),
        total=total,
        tax=_find_tax(clean, total_index),
        currency=currency,
        items=_find_items(clean, merchant_index, total_index),
        lines=[line.text for line in clean],
    )


def _text_lines(lines: Sequence[Line], size: tuple[int, int] | None = None) -> list[TextLine]:
    """Engine lines top to bottom; with the photo's ``size``, each keeps its box as fractions."""
    ordered = sorted(lines, key=lambda line: line.top)

    def box(line: Line) -> tuple[float, float, float, float] | None:
        if size is None:
            return None
        left, top, width, height = line.box
        return (
            round(left / size[0], 4),
            round(top / size[1], 4),
            round(width / size[0], 4),
            round(height / size[1], 4),
        )

    return [TextLine(line.text, line.conf, line.height, box(line)) for line in ordered]


def han_share(lines: Sequence[TextLine]) -> float:
    """The share of Chinese characters among the letters read."""
    letters = [ch for line in lines for ch in line.text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if "\u4e00" <= ch <= "\u9fff") / len(letters)


def merge(first: Receipt, second: Receipt) -> Receipt:
    """Two readings of one receipt: each field from the reading more confident of it."""

    def pick(a: Field, b: Field) -> Field:
        return a if a.value is not None and (b.value is None or a.confidence >= b.confidence) else b

    return Receipt(
        merchant=pick(first.merchant, second.merchant),
        date=pick(first.date, second.date),
        total=pick(first.total, second.total),
        tax=pick(first.tax, second.tax),
        currency=first.currency or second.currency,
        items=first.items or second.items,
        lines=first.lines,
    )


def read_receipt(data: bytes, *, engine: Engine | None = None, dayfirst: bool = True) -> Receipt:
    """Read a receipt photo (``engine`` default: tesseract). Raises ``ImageError`` for bytes that
    are not a usable photo and ``EngineError`` when the engine fails; an unreadable receipt gives
    empty fields at confidence 0."""
    engine = engine or Tesseract()
    started = time.perf_counter()
    photo = open_photo(data)
    decoded = time.perf_counter()
    if getattr(engine, "name", "") == "rapidocr":
        # PP-OCR reads the photo as taken: its detector copes with light and tilt, and its
        # boxes then fall on the picture finance sees.
        prepped = decoded
        angle = 0.0
        receipt = parse_receipt(_text_lines(engine.read(photo, LANGS, 0), photo.size), dayfirst=dayfirst)
    else:
        prepared = prepare_receipt(photo)
        prepped = time.perf_counter()
        angle = prepared.angle
        lines = _text_lines(engine.read(prepared.image, LANGS, PSM_FIRST))
        receipt = parse_receipt(lines, dayfirst=dayfirst)
        if han_share(lines) > 0.3:
            again = parse_receipt(_text_lines(engine.read(prepared.image, LANGS, PSM_CHINESE)), dayfirst=dayfirst)
            receipt = merge(again, receipt)
    read = time.perf_counter()
    receipt.angle = angle
    receipt.timings = {
        "decode": round(decoded - started, 3),
        "prepare": round(prepped - decoded, 3),
        "ocr_and_parse": round(read - prepped, 3),
        "total": round(read - started, 3),
    }
    return receipt
