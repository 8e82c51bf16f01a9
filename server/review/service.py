"""The supervisor's review queue: their team's visits and photo check-ins, newest first, filtered
by rep, day, store and flag; decisions one at a time or for a filtered batch; and the job that
reads each check-in photo (watermark, light, reuse) and makes its thumbnails.

Who sees what: a supervisor their team's items, an admin everyone's; anything else answers 404
for an item and 403 for the queue, so a rep cannot open it and no one learns another team's ids.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlmodel import Session, col, select

from ocr import EngineError, ImageError
from server import authz
from server.accounts.models import Role, User
from server.accounts.service import Actor
from server.audit import service as audit
from server.db import utcnow
from server.errors import Conflict, Forbidden, InvalidInput
from server.jobs.service import Claimed, Done, Inputs, JobKind, Retry
from server.photos import inspect_photo, local_time, recycled_of, remember_hashes, sign_candidates
from server.replication.blobaccess import held_path
from server.replication.context import RuleContext
from server.replication.models import BlobMeta
from server.replication.publish import server_update
from server.replication.store import SqlSyncStore
from server.review import repository as repo
from server.review.dashboard import today
from server.review.models import VisitReview, flag_bits
from server.review.rules import INSPECT_CHECKIN
from server.review.thumbs import make_thumbnails
from server.settings import Settings
from server.stores.models import Store
from server.visits.models import VisitTemplate
from server.visits.rules import VISIT, steps_of
from sync import Principal

log = logging.getLogger("fieldvisit.review")

REJECT_REASONS = (
    "not_at_store",
    "photo_unclear",
    "wrong_store",
    "recycled_photo",
    "watermark_wrong",
    "steps_incomplete",
    "other",
)
WAIT_FOR_PHOTO = timedelta(days=3)


def review_photo_reader(session: Session, who: Principal, sha256: str, held: set[str]) -> bool:
    """A supervisor may see their team's check-in photos, imported history's included (no synced
    record names those), when the rep who took the photo holds it."""
    if Role(who.role) is not Role.supervisor or not who.team_id or not held:
        return False
    found = session.exec(
        select(VisitReview.visit_id).where(
            VisitReview.photo == sha256, VisitReview.team_id == who.team_id, col(VisitReview.rep_id).in_(held)
        )
    ).first()
    return found is not None


MAX_BATCH = 1000


class QueueFilter(BaseModel):
    status: Literal["pending", "approved", "rejected", "all"] = "pending"
    rep: str | None = Field(default=None, max_length=36)
    day: date | None = None
    store: str | None = Field(default=None, max_length=64)  # a store's id or code, or part of its name
    flag: (
        Literal[
            "any",
            "outside_geofence",
            "location_missing",
            "watermark_mismatch",
            "recycled_photo",
            "blurred_dark",
            "exception",
            "sign_mismatch",
        ]
        | None
    ) = None
    team: str | None = Field(default=None, max_length=36)  # admins only


class Decision(BaseModel):
    action: Literal["approve", "reject"]
    visit_ids: list[str] | None = Field(default=None, min_length=1, max_length=MAX_BATCH)
    filter: QueueFilter | None = None  # approve everything pending that matches
    reason: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, max_length=1000)


class Reopen(BaseModel):
    """Take back one's own decisions of today: the visits go back to waiting."""

    visit_ids: list[str] = Field(min_length=1, max_length=MAX_BATCH)


def _photo_links(sha: str | None) -> dict[str, Any]:
    if not sha:
        return {"photo": None, "thumb": None, "large": None}
    return {"photo": sha, "thumb": f"/api/blobs/{sha}/thumb/s", "large": f"/api/blobs/{sha}/thumb/l"}


def _previous(session: Session, review: VisitReview) -> dict[str, Any] | None:
    """The same store's check-in photo before this one."""
    row = repo.previous_checkin(session, review)
    if row is None:
        return None
    prev, name = row
    return {
        "visit_id": prev.visit_id,
        "day": prev.day.isoformat(),
        "arrived_at": prev.arrived_at.isoformat(),
        "rep_name": name,
        "status": prev.status,
        **_photo_links(prev.photo),
    }


def can_reopen(settings: Settings, actor: Actor, review: VisitReview) -> bool:
    """Whether the caller may take this decision back: their own, taken today (local time)."""
    return (
        review.status != "pending"
        and review.decided_by == actor.user.id
        and review.decided_at is not None
        and _local_day(settings, review.decided_at) == today(settings)
    )


def _local_day(settings: Settings, moment: datetime) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(settings.timezone)).date()


def item_view(
    review: VisitReview, store: Store | None, rep_name: str | None, reopenable: bool = False
) -> dict[str, Any]:
    return {
        "visit_id": review.visit_id,
        "store": {"id": review.store_id, "code": store.code if store else None, "name": store.name if store else None},
        "rep": {"id": review.rep_id, "name": rep_name},
        "day": review.day.isoformat(),
        "arrived_at": review.arrived_at.isoformat(),
        "planned": review.planned,
        **_photo_links(review.photo),
        "capture": review.capture,
        "flags": review.flags,
        "inspected": review.inspected,
        "steps_done": review.steps_done,
        "steps_excepted": review.steps_excepted,
        "status": review.status,
        "reason": review.reason,
        "comment": review.comment,
        "decided_at": review.decided_at.isoformat() if review.decided_at else None,
        "checked_out_at": review.checked_out_at.isoformat() if review.checked_out_at else None,
        "can_reopen": reopenable,
    }


def queue(
    session: Session, settings: Settings, actor: Actor, f: QueueFilter, *, before: str | None, limit: int
) -> dict[str, Any]:
    where = repo.queue_where(actor, f)
    rows = repo.queue_page(session, where, repo.page_after(before), limit + 1)
    items = [
        {**item_view(r, s, name, can_reopen(settings, actor, r)), "previous": _previous(session, r)}
        for r, s, name in rows[:limit]
    ]
    last = rows[limit - 1][0] if len(rows) > limit else None
    return {
        "items": items,
        "next": f"{last.day.isoformat()}|{last.arrived_at.isoformat()}|{last.visit_id}" if last else None,
        "counts": repo.flag_counts(session, repo.queue_where(actor, f, with_flag=False)),
        "filter": f.model_dump(mode="json"),
    }


def _template_steps(session: Session, template_id: Any) -> list[dict[str, Any]]:
    template = session.get(VisitTemplate, str(template_id)) if template_id else None
    return [s for s in (template.steps if template else []) if isinstance(s, dict) and s.get("key")]


def _answers(step: dict[str, Any], answers: Any) -> list[dict[str, Any]]:
    """The step's answers in the template's field order, each with its labels and type; answers
    the template does not name (an older version's) follow under their keys."""
    given = answers if isinstance(answers, dict) else {}
    out = []
    for f in step.get("fields") or []:
        if isinstance(f, dict) and f.get("key") in given:
            out.append(
                {
                    "key": f["key"],
                    "type": f.get("type"),
                    "label": f.get("label"),
                    "label_en": f.get("label_en"),
                    "value": given[f["key"]],
                }
            )
    named = {a["key"] for a in out}
    out += [
        {"key": k, "type": None, "label": k, "label_en": k, "value": v}
        for k, v in given.items()
        if k not in named and k != "captures"
    ]
    return out


def detail(session: Session, settings: Settings, actor: Actor, visit_id: str) -> dict[str, Any]:
    review = repo.visible(actor, session.get(VisitReview, visit_id))
    store = session.get(Store, review.store_id)
    rep = session.get(User, review.rep_id) if review.rep_id else None
    visit = SqlSyncStore(session).load(VISIT.name, [visit_id]).get(visit_id)
    records = {k: s.fields for k, s in (steps_of(RuleContext(session), visit).items() if visit else ())}
    template = _template_steps(session, visit.fields.get("template_id") if visit else None)
    order = [str(t["key"]) for t in template] + sorted(k for k in records if k not in {t["key"] for t in template})
    by_key = {str(t["key"]): t for t in template}
    steps = []
    for key in order:
        spec = by_key.get(key, {"key": key, "name": key, "name_en": key, "fields": []})
        fields = records.get(key)
        steps.append(
            {
                "step": key,
                "name": spec.get("name") or key,
                "name_en": spec.get("name_en") or "",
                "optional": bool(spec.get("optional")),
                "status": fields.get("status") if fields else None,  # None: not done (yet)
                "exception": fields.get("exception") if fields else None,
                "completed_at": fields.get("completed_at") if fields else None,
                "answers": _answers(spec, fields.get("answers")) if fields else [],
                "server_flags": list(fields.get("server_flags") or []) if fields else [],  # over_allocation
            }
        )
    return {
        **item_view(review, store, rep.display_name if rep else None, can_reopen(settings, actor, review)),
        "previous": _previous(session, review),
        "steps": steps,
        "reviewable": repo.is_reviewable(session, review),
        "distance_m": visit.fields.get("distance_m") if visit else None,
        "geofence_m": store.geofence_m if store else None,
        "arrival": visit.fields.get("arrival") if visit else None,
    }


# -- decisions -------------------------------------------------------------------------------------


def decide(session: Session, actor: Actor, decision: Decision) -> dict[str, Any]:
    authz.require(actor, authz.Action.REVIEW_DECIDE)
    if decision.action == "reject":
        if decision.reason not in REJECT_REASONS:
            raise InvalidInput(f"A rejection needs a reason: one of {', '.join(REJECT_REASONS)}.")
        if decision.reason == "other" and not (decision.comment or "").strip():
            raise InvalidInput("A rejection for 'other' needs a comment saying why.")
        if decision.filter is not None:
            raise InvalidInput("Reject items one by one (or by their ids); only approval goes by filter.")
    if (decision.visit_ids is None) == (decision.filter is None):
        raise InvalidInput("Name the visits (visit_ids) or the filter whose pending items to approve.")
    decided: list[str] = []
    skipped: list[str] = []
    # The change-sequence lock first, as a push takes it: no lock-order deadlock with pushes.
    SqlSyncStore(session).begin_write()
    if decision.filter is not None:
        where = repo.queue_where(actor, decision.filter.model_copy(update={"status": "pending"}))
        ids = repo.matching_ids(session, where, MAX_BATCH)
    else:
        ids = list(dict.fromkeys(decision.visit_ids or []))
        found = repo.by_ids(session, ids)
        for visit_id in ids:
            repo.visible(actor, found.get(visit_id))
        waiting = [i for i in ids if not repo.is_reviewable(session, found[i])]
        if len(ids) == 1 and waiting:
            raise Conflict(
                "This visit is still in progress: it can be decided once the rep checks out or confirms the day.",
                code="visit_in_progress",
            )
        skipped.extend(waiting)
        ids = [i for i in ids if i not in waiting]
    now = utcnow()
    status = "approved" if decision.action == "approve" else "rejected"
    comment = (decision.comment or "").strip() or None
    reason = decision.reason if decision.action == "reject" else None
    for visit_id in ids:
        moved = session.execute(
            update(VisitReview)
            .where(col(VisitReview.visit_id) == visit_id, col(VisitReview.status) == "pending")
            .values(status=status, reason=reason, comment=comment, decided_by=actor.user.id, decided_at=now)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            skipped.append(visit_id)
            continue
        decided.append(visit_id)
        verdict = {
            "status": status,
            "reason": reason,
            "comment": comment,
            "by": actor.user.display_name,
            "at": now.isoformat(),
        }
        server_update(session, VISIT, visit_id, _setting_review(verdict))
        audit.record(
            session,
            actor,
            entity="visit",
            entity_id=visit_id,
            action=f"review.{decision.action}",
            changes={"reason": reason, "comment": comment},
        )
    if decision.visit_ids is not None and len(set(decision.visit_ids)) == 1 and skipped:
        raise Conflict("This visit was already decided.", code="already_decided")
    return {"decided": decided, "skipped": skipped, "status": status}


def _setting_review(verdict: dict[str, Any]) -> Any:
    return lambda _record: {"review": verdict}


def reopen(session: Session, settings: Settings, actor: Actor, body: Reopen) -> dict[str, Any]:
    """Take back decisions: only one's own, only the day they were taken; all or none. The visit
    waits for review again, and the rep's phone learns it at the next pull (the visit's ``review``
    says ``pending``), the same path a decision takes."""
    authz.require(actor, authz.Action.REVIEW_DECIDE)
    SqlSyncStore(session).begin_write()
    ids = list(dict.fromkeys(body.visit_ids))
    found = repo.by_ids(session, ids)
    rows = [repo.visible(actor, found.get(visit_id)) for visit_id in ids]
    for row in rows:
        if row.status == "pending":
            raise Conflict("This visit is waiting for review: there is no decision to reopen.", code="not_decided")
        if row.decided_by != actor.user.id:
            raise Forbidden("Only the supervisor who decided can reopen this decision.", code="not_your_decision")
        if not can_reopen(settings, actor, row):
            raise Conflict(
                "This decision was taken on an earlier day and can no longer be reopened.", code="decided_earlier"
            )
    now = utcnow()
    for row in rows:
        before = {"status": row.status, "reason": row.reason, "comment": row.comment}
        moved = session.execute(
            update(VisitReview)
            .where(
                col(VisitReview.visit_id) == row.visit_id,
                col(VisitReview.status) == row.status,
                col(VisitReview.decided_by) == actor.user.id,
            )
            .values(status="pending", reason=None, comment=None, decided_by=None, decided_at=None)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("This decision changed meanwhile; reload and try again.", code="decision_changed")
        verdict = {"status": "pending", "reason": None, "comment": None, "by": actor.user.display_name}
        server_update(session, VISIT, row.visit_id, _setting_review({**verdict, "at": now.isoformat()}))
        audit.record(
            session, actor, entity="visit", entity_id=row.visit_id, action="review.reopen", changes={"was": before}
        )
    return {"reopened": [r.visit_id for r in rows], "status": "pending"}


# -- the check-in photo job --------------------------------------------------------------------------


def _load_checkin(session: Session, settings: Settings, job: Claimed) -> Inputs | Done:
    review = session.get(VisitReview, job.payload["visit_id"])
    store = session.get(Store, review.store_id) if review else None
    if review is None or store is None or not review.photo or review.inspected:
        return Done({"skipped": "gone, no photo or already read"})
    meta = session.get(BlobMeta, review.photo)
    session.expunge(review)
    candidates = sign_candidates(session, store, review.rep_id)
    return Inputs(
        (review, store.name, candidates),
        blobs={review.photo: held_path(settings, session, review.photo, review.rep_id)},
        refused=frozenset({review.photo} if meta and meta.refused else ()),
        wait_until=review.received_at + WAIT_FOR_PHOTO,
        waiting="waiting for the check-in photo to be uploaded",
    )


def _read_checkin(settings: Settings, inputs: Inputs) -> tuple[list[str], dict[str, Any]]:
    """Read a check-in photo once it has arrived: watermark against the store and the visit's
    time, the shop sign against the stores it could show, light and sharpness; make its
    thumbnails. OCR runs outside any transaction."""
    review, store_name, candidates = inputs.value
    sha = review.photo
    path = inputs.blobs[sha]
    if path is None:
        return ["photo_refused" if sha in inputs.refused else "photo_missing"], {}
    data = path.read_bytes()
    taken = local_time(settings, (review.capture or {}).get("at")) or local_time(
        settings, review.arrived_at.isoformat()
    )
    try:
        reading = inspect_photo(settings, store_name, data, taken, store_id=review.store_id, candidates=candidates)
        make_thumbnails(settings, sha, data)
    except ImageError as exc:
        return ["photo_unreadable"], {"error": str(exc)}
    except EngineError as exc:
        raise Retry(f"OCR failed: {exc}", timedelta(minutes=5)) from None
    return [], reading


def _write_checkin(
    session: Session, settings: Settings, inputs: Inputs, found: tuple[list[str], dict[str, Any]]
) -> dict[str, Any]:
    """The photo's flags on the review item, and its hashes, to find the photo used again."""
    visit_id, sha = inputs.value[0].visit_id, inputs.value[0].photo
    flags, reading = found
    hashes = reading.pop("hashes", None)
    SqlSyncStore(session).begin_write()
    review = session.get(VisitReview, visit_id)
    if review is None or review.photo != sha:
        return {"skipped": "the check-in photo changed meanwhile"}
    flags.extend(reading.pop("flags", []))
    if hashes is not None:
        again = recycled_of(session, visit_id, hashes)
        if again:
            flags.append("recycled_photo")
            reading["recycled_of"] = again
        remember_hashes(session, sha, VISIT.name, visit_id, review.store_id, hashes)
    kept = [f for f in review.flags if f not in _PHOTO_FLAGS]
    review.flags = kept + [f for f in dict.fromkeys(flags) if f not in kept]
    review.flag_bits = flag_bits(review.flags)
    review.capture = {**(review.capture or {}), "server": reading}
    review.inspected = True
    session.add(review)
    log.info("check-in %s read: flags %s", visit_id, flags)
    return {"flags": flags}


INSPECT_CHECKIN_JOB = JobKind(INSPECT_CHECKIN, load=_load_checkin, read=_read_checkin, write=_write_checkin)


_PHOTO_FLAGS = frozenset(
    {
        "watermark_missing",
        "watermark_store_mismatch",
        "watermark_time_mismatch",
        "blurred",
        "dark",
        "recycled_photo",
        "photo_refused",
        "photo_missing",
        "photo_unreadable",
        "sign_mismatch",
    }
)
