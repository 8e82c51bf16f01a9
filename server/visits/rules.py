"""Visits and steps as synced records, and the rules the server holds them to when they sync:
steps in template order, complete when their required fields are filled, exceptions (特批) only
with a reason code and a note, arrival checked against the store's geofence, the score computed
here from the template version the visit was done under."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from msgspec import Meta
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import select as sql_select

from server.catalog.models import Material, MaterialAllocation
from server.replication.context import RuleContext
from server.replication.store import RECORDS
from server.stores.models import Store
from server.visits.models import VisitTemplate
from server.visits.templates import EXCEPTION_REASONS, TemplateSpec, missing, score
from sync import Collection, Field, Operation, OpRejected, OpType, Policy, Principal, RecordState
from sync.schema import Count, HashSet, Id, Key, Lat, Lng, Metres, Moment, Number, Sha256, Shape

VISIT = Collection(
    "visit",
    {
        "store_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "template_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "day": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=10),
        "arrived_at": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=40),
        "arrival": Field(Policy.IMMUTABLE, "json"),  # {lat, lng, accuracy, at} or null when denied
        "planned": Field(Policy.IMMUTABLE, "bool"),
        "flags": Field(Policy.SET, "list"),
        "status": Field(Policy.MONOTONIC, order=("arrived", "checked_out"), required=True),
        "checked_out_at": Field(Policy.OVERWRITE, "str", max_length=40),
        "distance_m": Field(Policy.SERVER),
        "inside_geofence": Field(Policy.SERVER),
        "server_flags": Field(Policy.SERVER),
        "minutes_on_site": Field(Policy.SERVER),
        "score": Field(Policy.SERVER),
        "max_score": Field(Policy.SERVER),
        "review": Field(Policy.SERVER),  # the supervisor's decision: {status, reason, comment, at, by}
    },
)
STEP = Collection(
    "step",
    {
        "visit_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "store_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "step": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=32),
        "answers": Field(Policy.PROTECTED, "json"),
        "photos": Field(Policy.SET, "list"),
        "status": Field(Policy.MONOTONIC, order=("excepted", "done"), required=True),
        "exception": Field(Policy.IMMUTABLE, "json"),
        "completed_at": Field(Policy.OVERWRITE, "str", max_length=40),
        "server_flags": Field(Policy.SERVER),  # over_allocation: more materials placed than the month allows
    },
)
# -- the shape of each intent (docs/sync-protocol.md §5 shows them) ---------------------------
Flag = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Flags = Annotated[list[Flag], Meta(max_length=20)]
VisitStatus = Literal["arrived", "checked_out"]
StepStatus = Literal["excepted", "done"]


class Fix(Shape):
    """The phone's GPS fix at arrival."""

    lat: Lat
    lng: Lng
    accuracy: Metres | None = None
    at: Moment | None = None


class Capture(Shape):
    """What the in-app camera measured of a photo it took."""

    at: Moment | None = None
    width: Count | None = None
    height: Count | None = None
    brightness: Number | None = None
    sharpness: Number | None = None


ShortText = Annotated[str, Meta(max_length=2000)]
Code = Annotated[str, Meta(min_length=1, max_length=64)]


class Scan(Shape):
    """A scanned or typed barcode, matched to the competitor catalogue when it could be."""

    code: Annotated[str, Meta(min_length=1, max_length=200)]  # typed or scanned: EAN, or a QR code's text
    sku_id: Id | None = None
    name: Annotated[str, Meta(max_length=200)] | None = None
    matched_by: Literal["barcode", "name"] | None = None


# One answer, by the template field's type: photos a list of SHA-256, barcodes a list of Scan, yesno
# a bool, number a number, facings, stock and materials {code: count}, choice and text a string;
# ``captures`` maps each photo's SHA-256 to its Capture. Whether an answer fits its field is the
# step rule's to say.
Answer = (
    bool
    | Number
    | ShortText
    | Annotated[list[Code | Scan], Meta(max_length=100)]
    | Annotated[dict[Code, Number | Capture], Meta(max_length=200)]
    | None
)
Answers = Annotated[dict[Key, Answer], Meta(max_length=40)]


class VisitArrive(Shape):
    store_id: Id
    template_id: Id
    day: date
    arrived_at: Moment
    status: VisitStatus
    arrival: Fix | None = None  # null: the phone had no fix (location denied, no signal)
    planned: bool = False
    flags: Flags = []


class FlagEdit(Shape):
    add: Flags = []
    remove: Flags = []


class VisitFlag(Shape):
    flags: FlagEdit


class VisitCheckout(Shape):
    status: VisitStatus
    checked_out_at: Moment


class StepComplete(Shape):
    visit_id: Id
    store_id: Id
    step: Key
    status: StepStatus
    answers: Answers = {}
    photos: Annotated[list[Sha256], Meta(max_length=30)] = []
    completed_at: Moment | None = None


class ExceptionNote(Shape):
    # one of templates.EXCEPTION_REASONS and a note: the rule says exception_needs_reason otherwise
    reason: Annotated[str, Meta(max_length=40)] | None = None
    note: Annotated[str, Meta(max_length=1000)] | None = None


class StepExcept(Shape):
    visit_id: Id
    store_id: Id
    step: Key
    status: StepStatus
    exception: ExceptionNote | None = None
    answers: Answers = {}
    photos: Annotated[list[Sha256], Meta(max_length=30)] = []
    completed_at: Moment | None = None


class StepEdit(Shape):
    answers: Answers | None = None
    photos: HashSet | None = None


OP_TYPES = (
    OpType("visit.arrive", "visit", "create", schema=VisitArrive),
    OpType("visit.flag", "visit", "update", frozenset({"flags"}), schema=VisitFlag),
    OpType("visit.checkout", "visit", "update", frozenset({"status", "checked_out_at"}), schema=VisitCheckout),
    OpType("step.complete", "step", "create", schema=StepComplete),
    OpType("step.except", "step", "create", schema=StepExcept),
    OpType("step.edit", "step", "update", frozenset({"answers", "photos"}), schema=StepEdit),
)
STALE_FIX_SECONDS = 300
POOR_ACCURACY_M = 200


# A template row never changes once saved (editing makes a new version, a new id), so parsed
# templates can be kept for the life of the process instead of being read for every step.
_TEMPLATES: dict[str, TemplateSpec] = {}


def _template(session: Session, template_id: str) -> TemplateSpec | None:
    spec = _TEMPLATES.get(template_id)
    if spec is None:
        row = session.get(VisitTemplate, template_id)
        if row is None:
            return None
        spec = TemplateSpec.model_validate(
            {"code": row.code, "name": row.name, "name_en": row.name_en, "channels": row.channels, "steps": row.steps}
        )
        _TEMPLATES[template_id] = spec
    return spec


def steps_of(ctx: RuleContext, visit: RecordState, *, besides: str | None = None) -> dict[str, RecordState]:
    """The visit's step records by step key (stored ones by the parent index, this push's on top),
    ``besides`` one step record left out."""
    return {
        state.fields["step"]: state
        for state in ctx.children("step", visit.id).values()
        if state.id != besides and "step" in state.fields
    }


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def check_step(ctx: RuleContext, who: Principal, op_type: OpType, op: Operation, current: RecordState | None) -> None:
    fields = {**(current.fields if current else {}), **op.fields}
    visit = ctx.record("visit", str(fields.get("visit_id")))
    session = ctx.session
    if visit is None:
        raise OpRejected("no_visit", "This step belongs to a visit the server does not have.")
    if visit.fields.get("status") == "checked_out" and op_type.action == "create":
        raise OpRejected("visit_closed", "The visit was checked out; start a new visit.")
    if fields.get("store_id") != visit.fields.get("store_id"):
        raise OpRejected("wrong_store", "The step's store is not the visit's store.")
    spec = _template(session, visit.fields["template_id"])
    step = spec.step(str(fields.get("step"))) if spec else None
    if spec is None or step is None:
        raise OpRejected("unknown_step", f"The visit's template has no step {fields.get('step')!r}.")
    if op_type.name == "step.except":
        exc = op.fields.get("exception")
        reason = exc.get("reason") if isinstance(exc, dict) else None
        note = exc.get("note") if isinstance(exc, dict) else None
        if reason not in EXCEPTION_REASONS or not isinstance(note, str) or not note.strip():
            raise OpRejected(
                "exception_needs_reason", "An exception (特批) needs a reason code and a note explaining it."
            )
        if op.fields.get("status") != "excepted":
            raise OpRejected("exception_status", "An exception marks the step 'excepted'.")
    else:
        if op_type.action == "create" and op.fields.get("status") != "done":
            raise OpRejected("step_status", "A completed step is 'done'.")
        if fields.get("status") == "done":
            gaps = missing(step, fields.get("answers") or {})
            if gaps:
                labels = ", ".join(f.label_en or f.label for f in step.fields if f.key in gaps)
                raise OpRejected("step_incomplete", f"“{step.name_en or step.name}” still needs: {labels}.")
    if op_type.action != "create":
        return
    existing = steps_of(ctx, visit, besides=op.id)
    if step.key in existing:
        raise OpRejected("step_exists", f"“{step.name_en or step.name}” was already recorded for this visit.")
    for earlier in spec.steps[: spec.keys().index(step.key)]:
        if not earlier.optional and earlier.key not in existing:
            raise OpRejected(
                "step_locked",
                f"Finish “{earlier.name_en or earlier.name}” ({earlier.name}) first, "
                "or take an exception (特批) with a reason.",
            )


def check_visit(ctx: RuleContext, who: Principal, op_type: OpType, op: Operation, current: RecordState | None) -> None:
    session = ctx.session
    if op_type.name == "visit.arrive":
        if _template(session, str(op.fields.get("template_id"))) is None:
            raise OpRejected("unknown_template", "The visit names a template the server does not have.")
        if op.fields.get("status") != "arrived":
            raise OpRejected("visit_status", "A visit starts as 'arrived'.")
    elif op_type.name == "visit.checkout" and current is not None and op.fields.get("status") == "checked_out":
        spec = _template(session, current.fields["template_id"])
        done = steps_of(ctx, current)
        left = [s for s in (spec.steps if spec else []) if not s.optional and s.key not in done]
        if left:
            names = ", ".join(s.name_en or s.name for s in left)
            raise OpRejected("steps_missing", f"Check-out needs every step done or excepted; still open: {names}.")


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def derive_visit(ctx: RuleContext, who: Principal, op_type: OpType, state: RecordState) -> dict[str, Any] | None:
    session = ctx.session
    if op_type.name == "visit.arrive":
        store = session.get(Store, state.fields["store_id"])
        fix = state.fields.get("arrival")
        flags: list[str] = []
        out: dict[str, Any] = {"distance_m": None, "inside_geofence": None}
        if (
            not isinstance(fix, dict)
            or not isinstance(fix.get("lat"), int | float)
            or not isinstance(fix.get("lng"), int | float)
        ):
            flags.append("location_missing")
        elif store is None or store.lat is None or store.lng is None:
            flags.append("store_unmapped")
        else:
            d = distance_m((fix["lat"], fix["lng"]), (store.lat, store.lng))
            out["distance_m"] = round(d)
            out["inside_geofence"] = d <= store.geofence_m
            if d > store.geofence_m:
                flags.append("outside_geofence")
            if isinstance(fix.get("accuracy"), int | float) and fix["accuracy"] > POOR_ACCURACY_M:
                flags.append("poor_accuracy")
            taken, arrived = parse_time(fix.get("at")), parse_time(state.fields.get("arrived_at"))
            if taken and arrived and abs((arrived - taken).total_seconds()) > STALE_FIX_SECONDS:
                flags.append("stale_fix")
        out["server_flags"] = flags
        return out
    if op_type.name == "visit.checkout" and state.fields.get("status") == "checked_out":
        spec = _template(session, state.fields["template_id"])
        steps = steps_of(ctx, state)
        statuses = {k: s.fields.get("status", "") for k, s in steps.items()}
        arrived, left = parse_time(state.fields.get("arrived_at")), parse_time(state.fields.get("checked_out_at"))
        minutes = round((left - arrived).total_seconds() / 60) if arrived and left else None
        return {
            "score": score(spec, statuses) if spec else 0,
            "max_score": sum(s.points for s in spec.steps) if spec else 0,
            "minutes_on_site": minutes,
        }
    return None


def derive_step(ctx: RuleContext, who: Principal, op_type: OpType, state: RecordState) -> dict[str, Any] | None:
    """A step that places materials beyond what is left of the rep's monthly allocation is applied
    (a rejection would leave the phone's visit unable to check out) and flagged ``over_allocation``
    for the supervisor; the phone itself stops the rep before that."""
    if op_type.name != "step.complete":
        return None
    visit = ctx.record("visit", str(state.fields.get("visit_id")))
    spec = _template(ctx.session, visit.fields["template_id"]) if visit is not None else None
    step = spec.step(str(state.fields.get("step"))) if spec else None
    keys = [f.key for f in step.fields if f.type == "materials"] if step else []
    answers = state.fields.get("answers") or {}
    mine = _counts(answers, keys)
    if visit is None or not mine:
        return None
    month = str(visit.fields.get("day", ""))[:7]
    rep_id = visit.created_by or who.user_id
    allowed: dict[str, int] = {}
    for a in ctx.session.exec(
        sql_select(MaterialAllocation).where(MaterialAllocation.rep_id == rep_id, MaterialAllocation.period == month)
    ):
        material = ctx.session.get(Material, a.material_id)
        if material is not None:
            allowed[material.code] = a.quantity
    if not any(code in allowed for code in mine):
        return {"server_flags": []}
    placed = _placed(ctx, visit, rep_id, month, keys, state.id)
    over = any(code in allowed and placed.get(code, 0) + n > allowed[code] for code, n in mine.items())
    return {"server_flags": ["over_allocation"] if over else []}


def _counts(answers: dict[str, Any], keys: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in keys:
        value = answers.get(key)
        if isinstance(value, dict):
            for code, n in value.items():
                if isinstance(n, int) and n > 0:
                    out[str(code)] = out.get(str(code), 0) + n
    return out


def _placed(
    ctx: RuleContext, visit: RecordState, rep_id: str, month: str, keys: list[str], besides: str
) -> dict[str, int]:
    """What ``rep_id``'s other done steps placed in ``month``, by material code: the month's visits
    by the rep index and the day (one query), their steps by the parent index (one more)."""
    day = RECORDS.c.fields["day"].as_string()
    visit_ids = set(
        ctx.session.execute(
            select(RECORDS.c.id).where(
                RECORDS.c.collection == "visit",
                RECORDS.c.rep_id == visit.scope.rep_id,
                RECORDS.c.created_by == rep_id,
                RECORDS.c.deleted.is_(False),
                day.startswith(month),
            )
        ).scalars()
    )
    visit_ids |= {v.id for v in ctx.pending("visit") if str(v.fields.get("day", "")).startswith(month)}
    steps = {
        row.id: row.fields
        for row in ctx.session.execute(
            select(RECORDS.c.id, RECORDS.c.fields).where(
                RECORDS.c.collection == "step",
                RECORDS.c.parent_id.in_(visit_ids),
                RECORDS.c.deleted.is_(False),
            )
        )
    }
    steps.update({s.id: s.fields for s in ctx.pending("step") if s.fields.get("visit_id") in visit_ids})
    out: dict[str, int] = {}
    for step_id, fields in steps.items():
        if step_id == besides or (fields or {}).get("status") != "done":
            continue
        for code, n in _counts(fields.get("answers") or {}, keys).items():
            out[code] = out.get(code, 0) + n
    return out
