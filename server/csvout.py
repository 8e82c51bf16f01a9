"""The one CSV writer of the server's exports (stores, visits, reviews, confirmations).

Every export goes through ``csv_bytes``, which keeps a spreadsheet from running a cell as a
formula (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'``. Numbers (int, float, Decimal) are written as numbers and
never escaped, so a negative amount stays ``-1250`` in a numeric column; a value that must be
read back as a number (a coordinate) is therefore passed as a number, not as formatted text.
``unescape`` is the importer's other half: it takes the ``'`` off again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """What goes into the file for ``value``: numbers as they are, everything else as safe text."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def unescape(text: str) -> str:
    """A cell read back from an export: without the ``'`` that ``cell`` put before a formula."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_START else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A whole export: UTF-8 with a byte-order mark (so Excel reads the Chinese text), CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
