"""CSV import and export of stores for admins.

Import is row by row: good rows are created or updated (by ``code``), bad rows
are reported with their line number and what is wrong; one bad row never
aborts the file, and nothing is written at all with ``dry_run``.  Files saved
by Excel in China are often GB18030 rather than UTF-8, so both are read; the
header may be English or Chinese.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from server.accounts.models import Region, Role, User
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
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    for key in ("code", "name", "address"):
        values[key] = (row.get(key) or "").strip()
    channel = (row.get("channel") or "").strip()
    if channel:
        alias = CHANNEL_ALIASES.get(channel) or CHANNEL_ALIASES.get(channel.lower())
        values["channel"] = alias.value if alias else channel.lower().replace("-", "_")
    days = (row.get("visit_days") or "").strip().replace(" ", "").replace("，", ",")
    if days:
        values["visit_days"] = days
    for key, cast in (("lat", float), ("lng", float), ("geofence_m", int), ("cycle_weeks", int)):
        raw = (row.get(key) or "").strip()
        if raw:
            try:
                values[key] = cast(raw)
            except ValueError:
                errors.append({"field": key, "message": f"{raw!r} is not a number"})
    rep_name = (row.get("rep") or "").strip().lower()
    if rep_name:
        rep = reps.get(rep_name)
        if rep is None:
            errors.append({"field": "rep", "message": f"no rep with username {rep_name!r}"})
        else:
            values["rep_id"] = rep.id
    region_code = (row.get("region") or "").strip()
    if region_code:
        region = regions.get(region_code)
        if region is None:
            errors.append({"field": "region", "message": f"no region with code {region_code!r}"})
        else:
            values["region_id"] = region.id
    return values, errors


def import_stores(session: Session, data: bytes, *, dry_run: bool = False) -> tuple[ImportReport, list[Store]]:
    """Validate every row; apply the good ones. Returns the report and the stores written."""
    text = decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise InvalidInput("The file is empty; the first line must name the columns.")
    reader.fieldnames = [_normalise_header(name) for name in reader.fieldnames]
    missing = REQUIRED - set(reader.fieldnames)
    if missing:
        raise InvalidInput(
            f"The header lacks the column(s) {', '.join(sorted(missing))}; expected {', '.join(COLUMNS)}."
        )
    reps = {u.username: u for u in session.exec(select(User).where(User.role == Role.rep.value))}
    regions = {r.code: r for r in session.exec(select(Region))}
    rows = list(reader)
    codes = [(row.get("code") or "").strip() for row in rows]
    existing = repo.by_codes(session, [code for code in codes if code])

    report = ImportReport(dry_run=dry_run)
    written: list[Store] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        line = index + 2  # the header is line 1
        if None in row:
            report.errors.append(
                {"line": line, "code": codes[index], "errors": [{"field": "", "message": "more cells than columns"}]}
            )
            continue
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
            report.errors.append({"line": line, "code": code, "errors": errors})
            continue
        store = existing.get(code)
        if store is None:
            report.created += 1
            if not dry_run:
                store = Store(**StoreCreate.model_validate(values).model_dump())
                session.add(store)
                existing[code] = store
                written.append(store)
            continue
        changes = {k: v for k, v in values.items() if not _same(getattr(store, k), v)}
        if not changes:
            report.unchanged += 1
            continue
        report.updated += 1
        if not dry_run:
            for key, value in changes.items():
                setattr(store, key, value)
            session.add(store)
            written.append(store)
    return report, written


def export_stores(session: Session) -> bytes:
    usernames = repo.usernames_by_id(session)
    region_codes = repo.region_codes_by_id(session)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for store in repo.iter_all(session):
        writer.writerow(
            [
                store.code,
                store.name,
                store.address,
                store.channel,
                "" if store.lat is None else f"{store.lat:.6f}",
                "" if store.lng is None else f"{store.lng:.6f}",
                store.geofence_m,
                usernames.get(store.rep_id or "", ""),
                region_codes.get(store.region_id or "", ""),
                store.visit_days,
                store.cycle_weeks,
            ]
        )
    # A byte-order mark so Excel opens the Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
