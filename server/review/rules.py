"""How syncing records feed the supervisor's side: the rep's end-of-day confirmation (a synced
record of its own), the review row of each visit, and the key actions with their timing.

Timing uses the phone's clocks only against themselves (a note's time against the same rep's
arrival at the store), never against the server's: a phone's clock may be hours wrong, but it is
wrong the same way for both. Whether a key action was on time is decided when the dashboard is
drawn, from the lag kept here, so the definition in settings can change afterwards.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from msgspec import Meta
from sqlmodel import Session, col, select

from server.db import utcnow
from server.jobs.service import enqueue
from server.replication.context import RuleContext
from server.review.models import DayConfirmation, KeyAction, VisitReview, flag_bits
from server.visits.rules import parse_time
from sync import Collection, Field, Operation, OpRejected, OpType, Policy, Principal, RecordState
from sync.schema import Count, Moment, Shape

INSPECT_CHECKIN = "inspect_checkin"
CHECKIN_STEP = "checkin"
# A note or claim counts as a visit's key action when it follows the rep's visit to its store
# within this long; later ones are not about a visit at all.
ATTACH_WINDOW = timedelta(days=7)
MAX_SUMMARY_BYTES = 4000

DAY = Collection(
    "day",
    {
        "day": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=10),
        "confirmed_at": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=40),
        # what the phone showed when the rep confirmed: visits, steps, photos, claims, unsynced work
        "summary": Field(Policy.IMMUTABLE, "json"),
    },
)


class DaySummary(Shape):
    """What the phone showed the rep when they confirmed the day."""

    planned: Count = 0
    visited: Count = 0
    missed: Count = 0
    unplanned: Count = 0
    steps_done: Count = 0
    exceptions: Count = 0
    photos: Count = 0
    notes: Count = 0
    claims: Count = 0
    unsynced: Count = 0  # operations still in the phone's outbox
    unsynced_photos: Count = 0
    missed_stores: Annotated[list[Annotated[str, Meta(max_length=200)]], Meta(max_length=20)] = []


class DayConfirm(Shape):
    day: Annotated[str, Meta(max_length=10)]  # YYYY-MM-DD, not after tomorrow (the rule says bad_day)
    confirmed_at: Moment
    summary: DaySummary | None = None


OP_TYPES = (OpType("day.confirm", "day", "create", schema=DayConfirm),)
MAX_LATE_CHANGES = 20


def clean_summary(raw: Any) -> dict[str, Any]:
    """A stored day summary as readers can trust it: each count an int or None, ``missed_stores``
    a list of text, ``changed_after`` a list of {op, reason, at}. Pushes are checked by
    ``DaySummary``; this also copes with what an older version stored."""
    raw = raw if isinstance(raw, dict) else {}
    out: dict[str, Any] = {}
    for name in DaySummary.__struct_fields__:
        value = raw.get(name)
        if name == "missed_stores":
            out[name] = [str(v)[:200] for v in value[:20]] if isinstance(value, list) else []
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            out[name] = value if ok else None
    late = raw.get("changed_after")
    out["changed_after"] = [
        {k: str(entry[k])[:500] if entry.get(k) is not None else None for k in ("op", "reason", "at")}
        for entry in (late if isinstance(late, list) else [])[-MAX_LATE_CHANGES:]
        if isinstance(entry, dict)
    ]
    return out


def parse_day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise OpRejected("bad_day", f"{value!r} is not a day (YYYY-MM-DD).") from None


def phone_time(value: Any) -> datetime | None:
    """A phone's ISO timestamp as aware UTC (None when it is not one)."""
    moment = parse_time(value)
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _confirmed(session: Session, rep_id: str, day: date) -> DayConfirmation | None:
    return session.exec(
        select(DayConfirmation).where(DayConfirmation.rep_id == rep_id, DayConfirmation.day == day)
    ).first()


def _confirmed_now(ctx: RuleContext, rep_id: str, day: date) -> bool:
    """Whether the rep confirmed ``day``: on the server (read once per push), or earlier in it."""
    in_batch = any(s.created_by == rep_id and s.fields.get("day") == str(day) for s in ctx.pending("day"))
    stored = ctx.memo(("confirmed", rep_id, day), lambda: _confirmed(ctx.session, rep_id, day) is not None)
    return in_batch or stored


# -- checks ------------------------------------------------------------------------------------


def check_day(ctx: RuleContext, who: Principal, op_type: OpType, op: Operation, current: RecordState | None) -> None:
    day = parse_day(op.fields.get("day"))
    if phone_time(op.fields.get("confirmed_at")) is None:
        raise OpRejected("bad_time", "confirmed_at is the phone's time (ISO 8601).")
    if len(json.dumps(op.fields.get("summary"))) > MAX_SUMMARY_BYTES:
        raise OpRejected("summary_too_large", f"A day's summary is at most {MAX_SUMMARY_BYTES} bytes.")
    if day > utcnow().date() + timedelta(days=1):
        raise OpRejected("bad_day", "A day cannot be confirmed before it has begun.")
    if _confirmed_now(ctx, who.user_id, day):
        raise OpRejected("already_confirmed", f"{day} is already confirmed.")


def record_day(ctx: RuleContext, op_type: OpType, op: Operation, current: RecordState | None) -> date | None:
    """The day a visit or step operation changes (None for other collections)."""
    fields = {**(current.fields if current else {}), **op.fields}
    if op_type.collection == "visit":
        return parse_day(fields.get("day"))
    if op_type.collection == "step":
        visit = ctx.record("visit", str(fields.get("visit_id")))
        return parse_day(visit.fields.get("day")) if visit else None
    return None


def check_confirmed_day(
    ctx: RuleContext, who: Principal, op_type: OpType, op: Operation, current: RecordState | None
) -> None:
    """After a rep confirms a day, a change to that day's visits and steps needs a reason."""
    if op_type.collection not in ("visit", "step"):
        return
    day = record_day(ctx, op_type, op, current)  # a malformed day is refused here
    if who.role != "rep" or day is None or op.reason:
        return
    if _confirmed_now(ctx, who.user_id, day):
        raise OpRejected("day_confirmed", f"You confirmed {day} already: say why it changes.")


# -- following synced records ------------------------------------------------------------------


def follow(session: Session, who: Principal, op_type: OpType, op: Operation, state: RecordState) -> None:
    """Keep the review tables in step with an operation just applied (``state`` includes what the
    server derived, e.g. the visit's geofence flags)."""
    handler = _FOLLOWERS.get(op_type.collection)
    if handler is not None:
        handler(session, who, op_type, op, state)
    if op.reason and who.role == "rep":
        _note_late_change(session, who, op_type, op, state)


def _follow_day(session: Session, who: Principal, op_type: OpType, op: Operation, state: RecordState) -> None:
    summary = state.fields.get("summary")
    session.add(
        DayConfirmation(
            id=state.id,
            rep_id=who.user_id,
            team_id=who.team_id,
            day=date.fromisoformat(state.fields["day"]),
            confirmed_at=state.fields["confirmed_at"],
            summary=clean_summary(summary),
        )
    )


def _note_late_change(session: Session, who: Principal, op_type: OpType, op: Operation, state: RecordState) -> None:
    """The change shows on the confirmation the supervisor reads (the audit log has it too)."""
    day = state.fields.get("day")
    if op_type.collection == "step":
        review = session.get(VisitReview, state.fields.get("visit_id"))
        day = review.day.isoformat() if review else None
    if not day:
        return
    row = _confirmed(session, who.user_id, date.fromisoformat(str(day)))
    if row is not None:
        summary = clean_summary(row.summary)
        late = [*summary["changed_after"], {"op": op.type, "reason": op.reason, "at": op.client_time}]
        row.summary = {**summary, "changed_after": late[-MAX_LATE_CHANGES:]}
        session.add(row)


def _follow_visit(session: Session, who: Principal, op_type: OpType, op: Operation, state: RecordState) -> None:
    fields = state.fields
    if op_type.action != "create":
        review = session.get(VisitReview, state.id)
        if review is not None and review.checked_out_at is None and fields.get("status") == "checked_out":
            review.checked_out_at = phone_time(fields.get("checked_out_at")) or utcnow()
            session.add(review)  # now it enters the review queue
        return
    flags = list(fields.get("server_flags") or [])
    session.add(
        VisitReview(
            visit_id=state.id,
            store_id=fields["store_id"],
            rep_id=state.created_by,
            team_id=state.scope.team_id,
            day=date.fromisoformat(fields["day"]),
            arrived_at=phone_time(fields.get("arrived_at")) or utcnow(),
            planned=bool(fields.get("planned")),
            checked_out_at=(phone_time(fields.get("checked_out_at")) or utcnow())
            if fields.get("status") == "checked_out"
            else None,
            flags=flags,
            flag_bits=flag_bits(flags),
        )
    )
    session.flush()


def _set_flags(review: VisitReview, flags: list[str]) -> None:
    review.flags = flags
    review.flag_bits = flag_bits(flags)


def _follow_step(session: Session, who: Principal, op_type: OpType, op: Operation, state: RecordState) -> None:
    fields = state.fields
    review = session.get(VisitReview, fields.get("visit_id"))
    if review is None:
        return  # a visit from before reviews existed
    if op_type.action == "create":
        excepted = fields.get("status") == "excepted"
        review.steps_done += 0 if excepted else 1
        review.steps_excepted += 1 if excepted else 0
        if excepted and "exception_taken" not in review.flags:
            _set_flags(review, [*review.flags, "exception_taken"])
        session.add(
            KeyAction(
                record_id=state.id,
                kind="step",
                rep_id=review.rep_id,
                team_id=review.team_id,
                visit_id=review.visit_id,
                day=review.day,
                done=not excepted,
            )
        )
    photos = [p for p in fields.get("photos") or [] if isinstance(p, str)]
    if fields.get("step") == CHECKIN_STEP and photos and photos[0] != review.photo:
        captures = (fields.get("answers") or {}).get("captures") or {}
        capture = captures.get(photos[0]) if isinstance(captures, dict) else None
        review.photo = photos[0]
        review.capture = capture if isinstance(capture, dict) else {}
        review.inspected = False
        enqueue(session, INSPECT_CHECKIN, f"{review.visit_id}:{photos[0][:16]}", {"visit_id": review.visit_id})
    session.add(review)


def _attach(session: Session, rep_id: str | None, store_id: Any, visit_id: Any, at: datetime) -> VisitReview | None:
    """The visit a note or claim is about: the one it names, else the rep's latest visit to the
    store that began before it (within a week)."""
    if visit_id:
        return session.get(VisitReview, str(visit_id))
    if rep_id is None or not isinstance(store_id, str):
        return None
    return session.exec(
        select(VisitReview)
        .where(
            VisitReview.store_id == store_id,
            VisitReview.rep_id == rep_id,
            col(VisitReview.arrived_at) <= at,
            col(VisitReview.arrived_at) >= at - ATTACH_WINDOW,
        )
        .order_by(col(VisitReview.arrived_at).desc())
        .limit(1)
    ).first()


def _follow_after_visit(session: Session, who: Principal, op_type: OpType, op: Operation, state: RecordState) -> None:
    """A note or claim written after a visit is one of that visit's key actions."""
    if op_type.action != "create" or who.role != "rep":
        return
    at = phone_time(state.fields.get("taken_at")) or phone_time(op.client_time)
    if at is None:
        return
    visit = _attach(session, who.user_id, state.fields.get("store_id"), state.fields.get("visit_id"), at)
    if visit is None:
        return
    lag = max(0, round((at - visit.arrived_at.astimezone(UTC)).total_seconds() / 60))
    session.add(
        KeyAction(
            record_id=state.id,
            kind=op_type.collection,
            rep_id=who.user_id,
            team_id=visit.team_id,
            visit_id=visit.visit_id,
            day=visit.day,
            done=True,
            lag_minutes=lag,
        )
    )


_FOLLOWERS = {
    "day": _follow_day,
    "visit": _follow_visit,
    "step": _follow_step,
    "note": _follow_after_visit,
    "claim": _follow_after_visit,
}
