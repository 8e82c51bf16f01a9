"""The examples in docs/sync-protocol.md §9 are this test's own exchanges with the server.

It carries a rep through a day — a visit with every step (one by exception), check-out, a note,
a claim with its photos, the day's confirmation — plus each kind of refusal, and writes every
request and answer, with the shape of every intent's fields taken from its schema. The generated
text must equal the document's; ``FIELDVISIT_WRITE_DOCS=1`` rewrites the document instead (then
read the diff). Ids become names (``visit-1``: on the wire they are UUIDv7 strings) and change
numbers count from 1000, so the text is the same on every run and database."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlmodel import Session

from server.domains import DOMAINS
from server.registry import build
from server.visits.service import ensure_default_templates
from server.visits.templates import DEFAULT_TEMPLATES, TemplateField, missing
from sync import uuid7
from sync.schema import json_schema
from tests import clock
from tests.claimhelp import jpeg, material_photo, receipt
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import Phone
from tests.visithelp import template

REGISTRY = build(DOMAINS).registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "sync-protocol.md"
BEGIN = "<!-- examples:begin — written by tests/server/test_protocol_doc.py; do not edit by hand -->"
END = "<!-- examples:end -->"
VERSION_KEYS = {"version", "cursor", "server_version", "base_version"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# One answer per template field type, as step.complete carries it in ``answers``.
ANSWER_FORMATS: dict[str, tuple[Any, str]] = {
    "photos": (["<sha256>"], "the SHA-256 of each photo (also listed in the step's `photos`), min..max of them"),
    "yesno": (True, "true or false"),
    "number": (12.5, "a number, at least the field's `min`"),
    "facings": ({"BEV-001": 4}, "{SKU code: count ≥ 0}; a required one needs a count above 0"),
    "materials": ({"POSM-001": 2}, "{material code: count placed ≥ 0}; a required one needs a count above 0"),
    "barcodes": (
        [{"code": "6901234567892", "sku_id": None, "name": None}],
        "a list of scans: `code` (the barcode's text), `sku_id`/`name` of the competitor SKU it matched or null",
    ),
    "choice": ("high", "one of the field's `options`"),
    "text": ("想要冰柜贴", "text, not blank"),
}


ANSWERS = "object {field key: its answer (§9.2)}, at most 40 keys"


class Recorder:
    """Runs the exchanges and writes them as Markdown, with ids as names."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.names: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.base = 0
        self.out: list[str] = []

    def name(self, real: str, kind: str) -> str:
        if real not in self.names:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.names[real] = f"{kind}-{self.counts[kind]}"
        return real

    def new(self, kind: str) -> str:
        return self.name(uuid7(), kind)

    def norm(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            keep_numbers = key in ("versions", "base")
            return {
                self.norm(k): (self._version(v) if keep_numbers and isinstance(v, int) else self.norm(v, k))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.norm(v, key) for v in value]
        if isinstance(value, str):
            if value in self.names:
                return self.names[value]
            if UUID.match(value):
                return self.names[self.name(value, "server-id")]
            return value
        if key in VERSION_KEYS and isinstance(value, int) and not isinstance(value, bool):
            return self._version(value)
        return value

    def _version(self, value: int) -> int:
        return value if value <= self.base else 1000 + value - self.base

    def say(self, text: str) -> None:
        self.out.append(text.strip() + "\n")

    def exchange(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None, note: str = "") -> Any:
        if raw is not None:
            headers = {"content-type": "application/octet-stream"}
            answer = self.client.request(method, path, content=raw, headers=headers)
        elif body is not None:
            answer = self.client.request(method, path, json=body)
        else:
            answer = self.client.request(method, path)
        shown_path = self.norm_path(path)
        lines = [f"→ {method} {shown_path}"]
        if raw is not None:
            lines.append(f"  ({len(raw):,} bytes, Content-Type: application/octet-stream){note}")
        elif body is not None:
            lines.append(_json(self.norm(body)))
        lines.append(f"← {answer.status_code}")
        if answer.content:
            lines.append(_json(self.norm(answer.json())))
        self.out.append("```\n" + "\n".join(lines) + "\n```\n")
        return answer

    def norm_path(self, path: str) -> str:
        for real, symbol in self.names.items():
            path = path.replace(real, symbol)
        return re.sub(r"cursor=(\d+)", lambda m: f"cursor={self._cursor(int(m.group(1)))}", path)

    def _cursor(self, value: int) -> int:
        return 1000 if value == self.base else self._version(value)


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    # short lists and objects of scalars on one line keep the examples readable
    return re.sub(
        r"\[\s+([^\[\]{}]*?)\s+\]|\{\s+([^\[\]{}]*?)\s+\}",
        lambda m: (
            "[" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "]"
            if m.group(1) is not None
            else "{" + re.sub(r"\s*\n\s*", " ", m.group(2)) + "}"
        ),
        text,
    )


PATTERNS = {
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$": "a UUID",
    r"^[0-9a-f]{64}$": "a SHA-256 (64 lowercase hex digits)",
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$": "a language tag in this shape: zh, en, zh-CN (the PWA sends zh or en)",
    r"^[a-z][a-z0-9_]{0,31}$": "a key (a–z, 0–9, _; ≤ 32)",
    r"^[a-z][a-z0-9_]{0,39}$": "a flag (a–z, 0–9, _; ≤ 40)",
}


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if prop.get("type") == "string" and prop.get("pattern") in PATTERNS:
        return PATTERNS[prop["pattern"]]
    if prop.get("type") == "number" and prop.get("minimum") == -1e12:
        return "a finite number"
    if "$ref" in prop:
        return f"`{prop['$ref'].rsplit('/', 1)[1]}`"
    if "anyOf" in prop:
        return " or ".join(_type(p, defs) for p in prop["anyOf"])
    if "enum" in prop:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in prop["enum"])
    kind = prop.get("type", "any")
    if kind == "null":
        return "null"
    bits = []
    if kind == "array":
        bits.append(f"list of {_type(prop.get('items', {}), defs)}")
        if "minItems" in prop or "maxItems" in prop:
            bits.append(f"({prop.get('minItems', 0)}–{prop.get('maxItems', '∞')} items)")
        return " ".join(bits)
    if kind == "object":
        values = prop.get("additionalProperties")
        return f"object of {_type(values, defs)}" if isinstance(values, dict) else "object"
    fmt = prop.get("format")
    bits.append({"string": "text", "integer": "integer", "number": "number", "boolean": "bool"}.get(kind, kind))
    if fmt == "date-time":
        bits = ["time: ISO 8601 with zone offset, within the window"]
    elif fmt == "date":
        bits = ["day: YYYY-MM-DD"]
    if "pattern" in prop:
        bits.append(f"matching `{prop['pattern']}`")
    if "maxLength" in prop:
        bits.append(f"≤ {prop['maxLength']} characters")
    lo = prop.get("minimum", prop.get("exclusiveMinimum"))
    hi = prop.get("maximum", prop.get("exclusiveMaximum"))
    if lo is not None or hi is not None:
        bits.append(f"{lo if lo is not None else '−∞'} … {hi if hi is not None else '∞'}")
    return " ".join(bits)


def collections() -> str:
    """Every synced collection with its fields and their merge policies, from the registry."""
    out = ["### 9.0 The collections\n"]
    out.append(
        "Every collection a phone may pull, its fields and each field's merge policy (§1). `server` fields "
        "and whole collections marked *server* are written by the server only; a phone reads them.\n"
    )
    out.append("| collection | written by | fields (policy) | intents |\n| --- | --- | --- | --- |")
    for name in sorted(REGISTRY.collections):
        coll = REGISTRY.collections[name]
        fields = ", ".join(f"`{f}` ({spec.policy.value})" for f, spec in coll.fields.items())
        intents = ", ".join(f"`{t}`" for t, op in sorted(REGISTRY.op_types.items()) if op.collection == name)
        writer = "phones and server" if coll.device_writable else "server"
        out.append(f"| `{name}` | {writer} | {fields} | {intents or '—'} |")
    out.append("")
    return "\n".join(out)


def shapes() -> str:
    """A table of fields per intent, and one per nested shape, from the schemas themselves."""
    out = ["### 9.1 The fields of every intent\n"]
    out.append(
        "Generated from the schemas in the code (`OpType.schema`, msgspec structs). Keys not listed are "
        "refused; a field not marked required may be left out. Times must carry their zone and fall between "
        "400 days before and 2 days after the server's day: a time without its zone is `invalid_operation`, "
        "one outside the window `bad_time`. (`client_time`, for display only, is dropped instead when it is "
        "not such a time: a phone whose clock is wrong loses nothing for it.)\n"
    )
    nested: dict[str, Any] = {}
    for name in sorted(REGISTRY.op_types):
        op_type = REGISTRY.op_types[name]
        if op_type.schema is None:
            continue
        schema = json_schema(op_type.schema)
        defs = schema.get("$defs", {})
        nested.update(defs)
        root = defs[schema["$ref"].rsplit("/", 1)[1]]
        out.append(f"**`{name}`** ({op_type.action} of `{op_type.collection}`)\n")
        props = root.get("properties", {})
        if not props:
            out.append("No fields: `{}`.\n")
            continue
        out.append("| field | type | required |\n| --- | --- | --- |")
        required = set(root.get("required", []))
        for field_name, prop in props.items():
            kind = ANSWERS if field_name == "answers" else _type(prop, defs)
            out.append(f"| `{field_name}` | {kind} | {'yes' if field_name in required else ''} |")
        out.append("")
    out.append("Nested shapes:\n")
    for shape_name in sorted(n for n in nested if not any(n == _root_name(t) for t in REGISTRY.op_types.values())):
        prop_list = nested[shape_name].get("properties", {})
        required = set(nested[shape_name].get("required", []))
        cells = ", ".join(f"`{k}`{'' if k in required else '?'}: {_type(v, nested)}" for k, v in prop_list.items())
        out.append(f"- `{shape_name}`: {{{cells}}}")
    out.append("")
    out.append("### 9.2 Step answers by field type\n")
    out.append(
        "A template (`GET /api/templates`, or the `template` records pulled) lists each step's fields with "
        "their `key`, `type`, `required`, `min`, `max` and `options`. `step.complete` carries "
        "`answers: {field key: answer}`; the step completes only when every required field is answered "
        "as below (else `rejected: step_incomplete`, naming the fields). `answers.captures` may map each "
        "photo's SHA-256 to `Capture` (what the in-app camera measured). A step's required answers are "
        "checked before its order: a step sent early with answers missing says `step_incomplete`, with "
        "them `step_locked`. The visit's `score` is the sum of the `points` of the steps done; an "
        "excepted step earns none (`max_score`: all of them).\n"
    )
    out.append("| type | answer | example |\n| --- | --- | --- |")
    for kind, (example, meaning) in ANSWER_FORMATS.items():
        out.append(f"| `{kind}` | {meaning} | `{json.dumps(example, ensure_ascii=False)}` |")
    out.append("")
    return "\n".join(out)


def _root_name(op_type: Any) -> str:
    return op_type.schema.__name__ if op_type.schema is not None else ""


def test_the_answer_formats_complete_their_fields() -> None:
    for kind, (example, _) in ANSWER_FORMATS.items():
        field = TemplateField(key="f", type=kind, label="f", min=1, options=["high", "medium", "low"])
        step = next(s for spec in DEFAULT_TEMPLATES for s in spec.steps)
        step = step.model_copy(update={"fields": [field]})
        assert missing(step, {"f": example}) == [], kind


def _day(rec: Recorder, world: World, session: Session) -> None:
    ensure_default_templates(session)
    session.commit()
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    other_store = world.west.stores[world.west.reps[0].username][0]
    store.lat, store.lng, store.geofence_m = 30.6598, 104.0657, 150  # the same text on every run
    session.add(store)
    session.commit()
    sign_in(rec.client, rep.username)
    standard = template(rec.client)
    rec.names[store.id], rec.names[other_store.id] = "store-A", "store-of-another-rep"
    rec.names[standard["id"]] = "template-standard"
    rec.names[rep.id], rec.names[rep.team_id or ""] = "rep-1", "team-1"
    rec.base = rec.client.get("/api/sync/pull", params={"cursor": 0, "limit": 5000}).json()["cursor"]
    for page in range(10):
        answer = rec.client.get("/api/sync/pull", params={"cursor": rec.base, "limit": 5000}).json()
        if not answer["more"]:
            break
        rec.base = answer["cursor"]
        assert page < 9
    phone = Phone(device_id="pwa-rep1-phone")
    day = clock.today().isoformat()

    def t(hh_mm: str) -> str:
        return f"{day}T{hh_mm}:00+08:00"

    def push(*ops: dict[str, Any], **extra: Any) -> Any:
        return rec.exchange("POST", "/api/sync/push", phone.batch(*ops), **extra)

    def op(kind: str, record_id: str, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
        made = phone.op(kind, record_id, fields, **extra)
        rec.name(made["op_id"], "op")
        made["client_time"] = extra.get("client_time", t("09:00"))
        return made

    photos = {}
    for label, seed in (("shelf", 11), ("placement", 12), ("storefront", 13), ("material", 14)):
        data = jpeg(material_photo(seed, "好又多便利店", datetime.fromisoformat(f"{day}T09:05:00")))
        photos[label] = (data, hashlib.sha256(data).hexdigest())
        rec.names[photos[label][1]] = f"sha256-of-{label}-photo"
    receipt_bytes = receipt(21)[0]
    receipt_sha = hashlib.sha256(receipt_bytes).hexdigest()
    rec.names[receipt_sha] = "sha256-of-receipt-photo"

    rec.say("### 9.3 A rep's day, exchange by exchange\n")
    rec.say(
        "**Arrive** (`visit.arrive`): the visit record, made on the phone. The server answers `applied` with "
        "the version after its own derived write (distance to the store, geofence verdict, `server_flags`)."
    )
    visit = rec.new("visit")
    fix = {"lat": store.lat, "lng": store.lng, "accuracy": 12, "at": t("09:00")}
    arrive = {
        "store_id": store.id,
        "template_id": standard["id"],
        "day": day,
        "arrived_at": t("09:00"),
        "status": "arrived",
        "arrival": fix,
        "planned": True,
        "flags": [],
    }
    push(op("visit.arrive", visit, arrive))

    def step_fields(key: str, answers: dict[str, Any], photos_: list[str]) -> dict[str, Any]:
        return {"visit_id": visit, "store_id": store.id, "step": key, "status": "done", "answers": answers,
                "photos": photos_, "completed_at": t("09:10")}  # fmt: skip

    rec.say(
        "**Photos first**: each photo's bytes go to the blob store under their SHA-256 (§5); a record may "
        "also reach the server before its photos. A first attempt goes straight to the `PUT`; a retry asks "
        "`GET /api/blobs/{sha256}/status` first and sends from `received` (§5)."
    )
    rec.exchange(
        "PUT", f"/api/blobs/{photos['shelf'][1]}?offset=0&total={len(photos['shelf'][0])}", raw=photos["shelf"][0]
    )
    rec.say(
        "**A step out of order** is answered `rejected` (`step_locked`); like every rejection it advances "
        "the device's seq, so the phone drops it from the outbox and shows the reason."
    )
    push(op("step.complete", rec.new("step"), step_fields("checkin", {"storefront": [photos["storefront"][1]]}, [])))
    rec.say(
        "**Complete the steps in order** (`step.complete`): answers by field type (§9.2). A materials step whose "
        "counts pass the rep's monthly allocation is applied, not refused (the material is on the shelf either way), "
        "and the server marks the step's `server_flags` with `over_allocation` for the supervisor; the phone itself "
        "keeps a rep from going over while it knows the allocation."
    )
    display = {"shelf_photos": [photos["shelf"][1]], "facings": {"BEV-001": 4}, "cooler_clean": True,
               "own_only": True, "price_tags": False,
               "captures": {photos["shelf"][1]: {"at": t("09:05"), "width": 1600, "height": 1200,
                                                 "brightness": 0.52, "sharpness": 31.5}}}  # fmt: skip
    competitors = {"scans": [{"code": "6901234567892", "sku_id": None, "name": None}], "promotion_seen": False,
                   "shelf_price": 4.5}  # fmt: skip
    push(
        op("step.complete", rec.new("step"), step_fields("display", display, [photos["shelf"][1]])),
        op("step.complete", rec.new("step"), step_fields("competitors", competitors, [])),
    )
    rec.say(
        "**Skip a step by exception** (`step.except`, 特批): a reason code (`store_closed`, `owner_refused`, "
        "`strategic_customer`, `no_stock_delivered`, `safety`, `other`) and a note; without them "
        "`rejected: exception_needs_reason`."
    )
    push(
        op(
            "step.except",
            rec.new("step"),
            {
                "visit_id": visit,
                "store_id": store.id,
                "step": "materials",
                "status": "excepted",
                "exception": {"reason": "no_stock_delivered", "note": "物料还没到货"},
            },
        )
    )
    rec.exchange(
        "PUT",
        f"/api/blobs/{photos['storefront'][1]}?offset=0&total={len(photos['storefront'][0])}",
        raw=photos["storefront"][0],
    )
    push(op("step.complete", rec.new("step"), step_fields("checkin", {"storefront": [photos["storefront"][1]]},
                                                          [photos["storefront"][1]])))  # fmt: skip
    rec.say(
        "**A value that does not fit** its intent's schema is rejected alone (`invalid_operation`, the path "
        "in `detail`), and so is a field only the server writes (`server_owned`); the operations behind them "
        "are applied."
    )
    push(
        op("visit.flag", visit, {"flags": {"add": ["Late!"]}}),
        op("visit.flag", visit, {"score": 100}),
        op("visit.flag", visit, {"flags": {"add": ["late_note"]}}),
    )
    rec.say(
        "**Check out** (`visit.checkout`): every required step done or excepted (else `steps_missing`). "
        "The server derives `score`, `max_score` and `minutes_on_site`; read the record back to see them."
    )
    push(op("visit.checkout", visit, {"status": "checked_out", "checked_out_at": t("09:40")}))
    rec.exchange("GET", f"/api/sync/records/visit/{visit}")
    rec.say("**A note** (`note.create`, then `note.edit` with the version the phone had pulled in `base`).")
    note = rec.new("note")
    push(op("note.create", note, {"store_id": store.id, "text": "冰柜门坏了", "tags": ["cooler"], "lang": "zh"}))
    pulled = rec.client.get(f"/api/sync/records/note/{note}").json()
    push(op("note.edit", note, {"text": "冰柜门坏了，已报修", "tags": {"add": ["repair"]}},
            base={"text": pulled["versions"]["text"]}))  # fmt: skip
    rec.say(
        "**A note at a store that is not the rep's** is rejected `not_found` (a record out of the sender's "
        "scope is as if it did not exist); a record whose store has moved to another rep since the phone "
        "pulled it answers `store_moved` to its author."
    )
    push(op("note.create", rec.new("note"), {"store_id": other_store.id, "text": "x"}))
    rec.say(
        "**A promotion claim** (`claim.submit`): upload the receipt and the material photos, then the record. "
        "The server reads them in a job; the claim's server-owned `status` goes `reading` → `review` → "
        "`approved` | `rejected` and comes back by pull."
    )
    rec.exchange("PUT", f"/api/blobs/{receipt_sha}?offset=0&total={len(receipt_bytes)}", raw=receipt_bytes)
    rec.exchange(
        "PUT",
        f"/api/blobs/{photos['material'][1]}?offset=0&total={len(photos['material'][0])}",
        raw=photos["material"][0],
    )
    claim = rec.new("claim")
    push(op("claim.submit", claim, {"store_id": store.id, "visit_id": visit, "receipt": receipt_sha,
                                    "photos": [photos["material"][1]], "amount_cents": 12800,
                                    "note": "端午堆头", "taken_at": t("09:20")}))  # fmt: skip
    rec.say(
        "**Confirm the day** (`day.confirm`): what the phone showed. After it, a change to that day's visits "
        "and steps needs a `reason` (else `day_confirmed`)."
    )
    summary = {"planned": 3, "visited": 1, "missed": 2, "unplanned": 0, "steps_done": 3, "exceptions": 1,
               "photos": 3, "notes": 1, "claims": 1, "unsynced": 0, "unsynced_photos": 0,
               "missed_stores": ["好又多超市", "红旗连锁"]}  # fmt: skip
    push(op("day.confirm", rec.new("day"), {"day": day, "confirmed_at": t("18:02"), "summary": summary}))
    push(
        op("visit.flag", visit, {"flags": {"add": ["photo_retaken"]}}),
        op("visit.flag", visit, {"flags": {"add": ["photo_retaken"]}}, reason="门头照片补拍"),
    )
    rec.say("### 9.4 Replays, gaps, older clients, pull\n")
    rec.say("**The same batch again** (its answer was lost): every operation answers `duplicate`, nothing changes.")
    last = phone.seq
    again = op("note.edit", note, {"pinned": True})
    push(again)
    push(again)
    rec.say("**A batch that skips seqs** is refused whole: `409 sequence_gap` with what the server expects.")
    phone.seq += 5
    push(op("note.create", rec.new("note"), {"store_id": store.id, "text": "after a gap"}))
    phone.seq = last + 1
    rec.say(
        "**A body that is not a batch** is refused whole with `400` (`malformed_json`: not strict JSON, "
        "or nested too deep; `malformed_batch`: not this shape — an op without a UUIDv7 `op_id`, a seq "
        "that is not an integer ≥ 1, an unknown key)."
    )
    rec.exchange("POST", "/api/sync/push", {"protocol": 2, "device_id": "pwa-rep1-phone", "ops": [{"seq": "x"}]})
    rec.say("**An older client (protocol 1)** is upgraded on the server and answered in the current protocol.")
    old = {"device": "pwa-rep1-old", "operations": [
        {"uuid": rec.new("op"), "n": 1, "name": "note.create", "record": rec.new("note"),
         "data": {"store_id": store.id, "text": "from the first app version"}}]}  # fmt: skip
    rec.exchange("POST", "/api/sync/push", old)
    rec.say(
        "**Pull**, page by page: each change is the record's current state, so a record changed while "
        "you page may come again on a later page (apply it again; it is newer). A deleted record comes as "
        "`delete`, also when read alone."
    )
    rec.exchange("GET", f"/api/sync/pull?cursor={rec.base}&limit=2")
    push(op("note.delete", note, {}))
    rec.exchange("GET", f"/api/sync/records/note/{note}")


def test_the_sync_document_holds_the_server_s_own_exchanges(
    app_client: TestClient, world: World, session: Session
) -> None:
    rec = Recorder(app_client)
    _day(rec, world, session)
    generated = "\n".join([BEGIN, "", collections(), shapes(), *rec.out, END])
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOC} lost its generated section markers"
    current = text[text.index(BEGIN) : text.index(END) + len(END)]
    if os.environ.get("FIELDVISIT_WRITE_DOCS") == "1":
        DOC.write_text(text.replace(current, generated), encoding="utf-8")
        return
    assert current == generated, (
        "docs/sync-protocol.md §9 no longer matches what the server answers: run "
        "FIELDVISIT_WRITE_DOCS=1 pytest tests/server/test_protocol_doc.py and read the diff"
    )
