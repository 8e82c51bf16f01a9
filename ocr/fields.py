"""Parsing receipt fields out of OCR'd lines — pure functions, no I/O.

Dates come as ``2026年1月5日``, ``2026-01-05``, ``05/01/2026``, ``5/3/18``, ``05 JAN 2017``,
``15/APR/2017``; an ambiguous numeric date is read day first (as printed in China's neighbours
and Malaysia) unless only the other order is a real date. Amounts as ``¥1,234.50``, ``RM 18.00``,
``18.00``, with the usual OCR slips (``RM 64 13``, ``1O.50``) repaired where the intent is clear.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("JAN", "JANUARY"),
            ("FEB", "FEBRUARY"),
            ("MAR", "MARCH"),
            ("APR", "APRIL"),
            ("MAY",),
            ("JUN", "JUNE"),
            ("JUL", "JULY"),
            ("AUG", "AUGUST"),
            ("SEP", "SEPT", "SEPTEMBER"),
            ("OCT", "OCTOBER"),
            ("NOV", "NOVEMBER"),
            ("DEC", "DECEMBER"),
        ]
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

# A date ends where no digit follows, or where the time printed against it begins: PP-OCR reads
# "10-03-2018 23:03" as one box and drops the space ("10-03-201823:03").
_END = r"(?=\d{2}:\d{2}(?!\d)|(?!\d))"

_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd_cn", re.compile(r"(?<!\d)(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")),
    ("ymd", re.compile(rf"(?<!\d)(20\d{{2}})\s*[-/.]\s*(\d{{1,2}})\s*[-/.]\s*(\d{{2}}|\d){_END}")),
    ("dmy", re.compile(rf"(?<!\d)(\d{{1,2}})\s*[-/.]\s*(\d{{1,2}})\s*[-/.]\s*(20\d{{2}}|\d{{2}}){_END}")),
    (
        "d_mon_y",
        re.compile(rf"(?<!\d)(\d{{1,2}})\s*[-/ .]?\s*({_MONTH_RE})[A-Z]*\.?\s*[-/ .,]?\s*(20\d{{2}}|\d{{2}})(?!\d)"),
    ),
    ("mon_d_y", re.compile(rf"\b({_MONTH_RE})[A-Z]*\.?\s*(\d{{1,2}}),?\s*(20\d{{2}})(?!\d)")),
]


_CONFUSABLE_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"}
)


def _valid(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 2000
    if not 2000 <= y <= 2099:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


_DATEISH = re.compile(r"(?<![\w])[\dOIl|]{1,4}\s*[-/.]\s*[\dOIl|]{1,2}\s*[-/.]\s*[\dOIl|]{2,4}(?!\w)")


def _repair_digits(text: str) -> str:
    """``O1-11-17`` → ``01-11-17``: letters OCR'd for digits, inside what is shaped like a date."""
    return _DATEISH.sub(lambda m: m.group(0).translate(_CONFUSABLE_DIGITS), text)


def parse_date(text: str, *, dayfirst: bool = True, latest: date | None = None) -> date | None:
    """The first date written in ``text`` (and not later than ``latest``, default a year from
    today: a misread year such as 2047 is no receipt's date), or None."""
    latest = latest or date.today() + timedelta(days=366)
    upper = _repair_digits(text.upper())
    hits: list[tuple[int, date]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(upper):
            a, b, c = m.groups()
            parsed: date | None
            if kind in ("ymd_cn", "ymd"):
                parsed = _valid(int(a), int(b), int(c))
            elif kind == "dmy":
                first, second, year = int(a), int(b), int(c)
                if dayfirst:
                    parsed = _valid(year, second, first) or _valid(year, first, second)
                else:
                    parsed = _valid(year, first, second) or _valid(year, second, first)
            elif kind == "d_mon_y":
                parsed = _valid(int(c), MONTHS[b], int(a))
            else:
                parsed = _valid(int(c), MONTHS[a], int(b))
            if parsed and parsed <= latest:
                hits.append((m.start(), parsed))
    if not hits:
        return None
    return min(hits, key=lambda h: h[0])[1]


# An amount: optional currency, digits with thousands separators, a decimal part of two digits.
# OCR often turns the decimal point into a space or comma ("64 13", "4,25"): accepted when
# exactly two digits follow, since prices on receipts always carry cents.
_AMOUNT = re.compile(
    r"(?<![\d.,])(?:RM|MYR|RMB|CNY|USD|\$|¥|￥|元)?\s*(-?\d{1,3}(?:[,，.]\d{3})+(?=[.,]\d{2}(?!\d))|-?\d+)\s?([.,·:]|\s)\s?(\d{2})(?![\d%.,])"
)


_TIMED = re.compile(r"TIME|时间|\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}", re.IGNORECASE)


def amounts(text: str) -> list[Decimal]:
    """Money amounts written in ``text``, left to right."""
    # repair letters inside numbers ("1O.5O" → "10.50") only between digits, dots and commas
    fixed = re.sub(
        r"(?<=[\d.,])[OoDQlI|SB](?=[\d.,OoDQlI|SB]*\d)|(?<=\d)[OoDQ](?=\b)|(?<=RM)[IlO](?=[\d.,]*\d)",
        lambda m: m.group(0).translate(_CONFUSABLE_DIGITS),
        text,
    )
    found = []
    timed = _TIMED.search(fixed)
    for m in _AMOUNT.finditer(fixed):
        whole, separator, cents = m.groups()
        if separator == ":" and timed and int(cents) < 60:
            continue  # "16/04/2018 8:21", "Time 8:21": a clock, not a misread decimal point
        try:
            found.append(Decimal(re.sub(r"[,，.]", "", whole) + "." + cents))
        except InvalidOperation:
            continue
    return found


def normalise_amount(text: str) -> str | None:
    """``"RM 1,234.5"`` → ``"1234.50"`` (ground truth and read values compared alike)."""
    cleaned = re.sub(r"[^\d.\-]", "", text.replace(",", ""))
    try:
        return f"{Decimal(cleaned):.2f}"
    except InvalidOperation:
        return None


def normalise_merchant(text: str) -> str:
    """Upper case, letters, digits and Chinese characters only: ``Sdn. Bhd.`` equals ``SDN BHD``."""
    return "".join(ch for ch in text.upper() if ch.isalnum())
