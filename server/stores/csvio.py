"""CSV import and export of stores for admins.

Import is row by row: good rows are created or updated (by ``code``), bad rows
are reported with their line number and what is wrong; one bad row never
aborts the file, and nothing is written at all with ``dry_run``.  Files saved
by Excel in China are often GB18030 rather than UTF-8, so both are read; the
header may be English or Chinese.

An update changes only the columns the file has (a file of ``code,name`` renames
stores and leaves their address, rep and the rest alone). Within a column a blank
cell also leaves the field as it is (a new store gets the default), except
``address``, which a blank cell clears. A cell the export escaped (``'=...``,
see ``server/csvout.py``) is read back without its ``'``.

Each store is one line of the file: its cells hold no line breaks. A line longer
than ``MAX_LINE`` characters, a quote that is never closed, a quoted cell that
runs over several lines, and a line with more or fewer cells than the header are
row errors with the line's number; the lines after it are read on their own, so
an unclosed quote never swallows the rows behind it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from server.accounts.models import Region, Role, User
from server.csvout import csv_bytes, unescape
from server.errors import InvalidInput
from server.stores import repository as repo
from server.stores.models import Channel, Store, StoreCreate

COLUMNS = [
    "code",
    "name",
    "address",
    "channel",
    "lat",
    "lng",
    "geofence_m",
    "rep",
    "region",
    "visit_days",
    "cycle_weeks",
]
REQUIRED = {"code", "name"}
# Every column at its longest (code 32, name 120, address 255, ...) with every character a quote
# doubled still fits; a longer line is not a store.
MAX_LINE = 4096
# A quoted cell may run over this many lines before the quote counts as never closed.
MAX_SPAN = 20

HEADER_ALIASES = {
    "编码": "code",
    "门店编码": "code",
    "名称": "name",
    "门店名称": "name",
    "地址": "address",
    "渠道": "channel",
    "纬度": "lat",
    "经度": "lng",
    "围栏半径": "geofence_m",
    "业务员": "rep",
    "区域": "region",
    "拜访日": "visit_days",
    "拜访周期": "cycle_weeks",
    "latitude": "lat",
    "longitude": "lng",
    "geofence": "geofence_m",
}
CHANNEL_ALIASES = {
    "超市": Channel.supermarket,
    "便利店": Channel.convenience,
    "餐饮": Channel.restaurant,
    "餐馆": Channel.restaurant,
    "烟酒店": Channel.tobacco_liquor,
    "烟酒": Channel.tobacco_liquor,
    "其他": Channel.other,
    "tobacco-and-liquor": Channel.tobacco_liquor,
}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.errors),
            "errors": self.errors,
            "dry_run": self.dry_run,
        }


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("The file is neither UTF-8 nor GB18030 text; save it as CSV (UTF-8).")


def _same(old: Any, new: Any) -> bool:
    """Coordinates go through text with 6 decimals (~10 cm); closer than that is unchanged."""
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-6
    return bool(old == new)


def _normalise_header(name: str) -> str:
    key = name.strip().lower()
    return HEADER_ALIASES.get(key, HEADER_ALIASES.get(name.strip(), key))


def _row_to_fields(
    row: dict[str, str], reps: dict[str, User], regions: dict[str, Region]
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The fields a row sets: only from the columns the file has (``row`` holds just those)."""
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    for key in ("code", "name", "address"):
        if key in row:
            values[key] = row[key]
    channel = row.get("channel", "")
    if channel:
        alias = CHANNEL_ALIASES.get(channel) or CHANNEL_ALIASES.get(channel.lower())
        values["channel"] = alias.value if alias else channel.lower().replace("-", "_")
    days = row.get("visit_days", "").replace(" ", "").replace("，", ",")
    if days:
        values["visit_days"] = days
    for key, cast in (("lat", float), ("lng", float), ("geofence_m", int), ("cycle_weeks", int)):
        raw = row.get(key, "")
        if raw:
            try:
                number = cast(raw)
            except ValueError:
                errors.append({"field": key, "message": f"{raw[:40]!r} is not a number"})
                continue
            if number != number or number in (float("inf"), float("-inf")):
                errors.append({"field": key, "message": f"{raw[:40]!r} is not a number"})
                continue
            values[key] = number
    rep_name = row.get("rep", "").lower()
    if rep_name:
        rep = reps.get(rep_name)
        if rep is None:
            errors.append({"field": "rep", "message": f"no rep with username {rep_name[:64]!r}"})
        else:
            values["rep_id"] = rep.id
    region_code = row.get("region", "")
    if region_code:
        region = regions.get(region_code)
        if region is None:
            errors.append({"field": "region", "message": f"no region with code {region_code[:64]!r}"})
        else:
            values["region_id"] = region.id
    return values, errors


def _one_line(line: str) -> list[str] | None:
    """The cells of one physical line read on its own, or None when it is not a whole record."""
    try:
        return next(csv.reader([line], strict=True), [])
    except csv.Error:
        return None


def _parse_at(lines: list[str], start: int) -> tuple[list[str] | None, int, str]:
    """Read one record from ``lines[start]`` on: (cells or None, lines it took, what went wrong)."""
    taken = 0

    def feed() -> Iterator[str]:
        nonlocal taken
        for index in range(start, min(len(lines), start + MAX_SPAN)):
            taken += 1
            yield lines[index]

    try:  # strict: a quote still open when the lines run out, or text after a closing quote, is an error
        cells = next(csv.reader(feed(), strict=True), None)
    except csv.Error as exc:
        return None, taken, str(exc)
    return cells, taken, ""


@dataclass
class _Line:
    line: int  # the physical line the record starts on (the header is line 1)
    cells: list[str] | None
    error: str = ""


def _records(text: str) -> tuple[list[str], Iterator[_Line]]:
    """The header's cells, and every record after it with its line number, or its error. A record
    that is not one well-formed line is an error at its first line; reading goes on with the next
    line, unless it was a whole record over several lines whose other lines are not rows."""
    lines = io.StringIO(text, newline="").readlines()
    if not lines or not lines[0].strip():
        raise InvalidInput("The file is empty; the first line must name the columns.")
    if len(lines[0]) > MAX_LINE:
        raise InvalidInput(f"The first line is longer than {MAX_LINE} characters; it must name the columns.")
    header, taken, problem = _parse_at(lines, 0)
    if header is None or taken != 1:
        raise InvalidInput(
            f"The first line must name the columns, one line of CSV ({problem or 'a quote is not closed'})."
        )

    def walk() -> Iterator[_Line]:
        index = 1
        while index < len(lines):
            line = index + 1
            if len(lines[index]) > MAX_LINE:
                yield _Line(
                    line, None, f"the line is {len(lines[index])} characters long; a store's line is at most {MAX_LINE}"
                )
                index += 1
                continue
            cells, taken, problem = _parse_at(lines, index)
            if taken <= 1 and cells is not None:
                yield _Line(line, cells)
                index += 1
                continue
            if cells is None:  # over several lines, the quote that opened here is the one at fault
                yield _Line(line, None, _quote_problem("end of data" if taken > 1 else problem))
                index += 1
                continue
            inner = range(index + 1, index + taken)
            if len(cells) == len(header) and not any(len(_one_line(lines[i]) or []) == len(header) for i in inner):
                # one whole record over several lines: a cell with a line break in it
                yield _Line(
                    line,
                    None,
                    f"a quoted cell runs over lines {line}–{line + taken - 1}; a store's cells are one line each",
                )
                index += taken
            else:  # a stray quote swallowed the lines after it: read them on their own
                yield _Line(line, None, "a quote opened on this line is closed only on a later line")
                index += 1

    return header, walk()


def _quote_problem(problem: str) -> str:
    if "expected after" in problem:
        return "a quoted cell goes on after its closing quote (a quote inside a quoted cell is written twice)"
    if "end of data" in problem or "field limit" in problem:
        return "a quote opened on this line is not closed"
    return f"not a line of CSV ({problem})"


def import_stores(
    session: Session, data: bytes, *, dry_run: bool = False
) -> tuple[ImportReport, list[tuple[Store, dict[str, Any]]]]:
    """Validate every row; apply the good ones. Returns the report and the stores written, each
    with what changed (every field set, for a new store; old and new values for an update)."""
    text = decode(data)
    header, records = _records(text)
    columns = [_normalise_header(name) for name in header]
    missing = REQUIRED - set(columns)
    if missing:
        raise InvalidInput(
            f"The header lacks the column(s) {', '.join(sorted(missing))}; expected {', '.join(COLUMNS)}."
        )
    repeated = sorted({c for c in columns if c in COLUMNS and columns.count(c) > 1})
    if repeated:
        raise InvalidInput(f"The header names the column(s) {', '.join(repeated)} more than once.")
    known = [(i, c) for i, c in enumerate(columns) if c in COLUMNS]
    reps = {u.username: u for u in session.exec(select(User).where(User.role == Role.rep.value))}
    regions = {r.code: r for r in session.exec(select(Region))}

    report = ImportReport(dry_run=dry_run)
    rows: list[tuple[int, dict[str, str]]] = []
    for record in records:
        if record.cells is not None and not any(c.strip() for c in record.cells):
            continue  # a blank line
        if record.cells is None:
            report.errors.append({"line": record.line, "code": "", "errors": [{"field": "", "message": record.error}]})
            continue
        row = {c: unescape(record.cells[i].strip()) for i, c in known if i < len(record.cells)}
        if len(record.cells) != len(columns):
            many = "more" if len(record.cells) > len(columns) else "fewer"
            message = f"{many} cells than columns ({len(record.cells)}, the header has {len(columns)})"
            report.errors.append(
                {"line": record.line, "code": row.get("code", "")[:32], "errors": [{"field": "", "message": message}]}
            )
            continue
        rows.append((record.line, row))
    existing = repo.by_codes(session, [row["code"] for _, row in rows if row["code"]])

    written: list[tuple[Store, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        values, errors = _row_to_fields(row, reps, regions)
        code = values["code"]
        if code and code in seen:
            errors.append({"field": "code", "message": f"code repeats line {seen[code]}"})
        try:
            StoreCreate.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors():
                errors.append({"field": ".".join(str(p) for p in err["loc"]) or "row", "message": err["msg"]})
        if code:
            seen.setdefault(code, line)
        if errors:
            report.errors.append({"line": line, "code": code[:32], "errors": errors})
            continue
        store = existing.get(code)
        if store is None:
            report.created += 1
            if not dry_run:
                fields = StoreCreate.model_validate(values).model_dump()
                store = Store(**fields)
                session.add(store)
                existing[code] = store
                written.append((store, fields))
            continue
        changes = {k: [getattr(store, k), v] for k, v in values.items() if not _same(getattr(store, k), v)}
        if not changes:
            report.unchanged += 1
            continue
        report.updated += 1
        if not dry_run:
            for key, (_, value) in changes.items():
                setattr(store, key, value)
            session.add(store)
            written.append((store, changes))
    report.errors.sort(key=lambda e: e["line"])  # in file order, whichever check found them
    return report, written


def export_stores(session: Session) -> bytes:
    usernames = repo.usernames_by_id(session)
    region_codes = repo.region_codes_by_id(session)
    # Coordinates go out as numbers (6 decimals, ~10 cm), so a negative longitude is not escaped.
    return csv_bytes(
        COLUMNS,
        (
            [
                store.code,
                store.name,
                store.address,
                store.channel,
                None if store.lat is None else round(store.lat, 6),
                None if store.lng is None else round(store.lng, 6),
                store.geofence_m,
                usernames.get(store.rep_id or "", ""),
                region_codes.get(store.region_id or "", ""),
                store.visit_days,
                store.cycle_weeks,
            ]
            for store in repo.iter_all(session)
        ),
    )
