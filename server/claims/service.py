"""Claims on the server: reading the photos (the durable OCR job), matching a budget pool, and
finance's review — approve, correct or reject — with the pool's balance moved atomically."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, update
from sqlmodel import Session, col, select

from ocr import (
    EngineError,
    ImageError,
    engine_named,
    match_store,
    read_receipt,
)
from server import authz
from server.accounts.models import Region, Role, User
from server.accounts.service import Actor
from server.audit import service as audit
from server.claims import repository as repo
from server.claims.models import BudgetPool, ClaimReview, Promotion
from server.claims.publish import publish_promotions
from server.claims.rules import CLAIM, MAX_CENTS, READ_CLAIM
from server.db import utcnow
from server.errors import Conflict, Forbidden, InvalidInput
from server.jobs.service import Claimed, Done, Inputs, JobKind, Retry, public_reason
from server.photos import inspect_photo, local_time, recycled_of, remember_hashes, sign_candidates
from server.replication.blobaccess import HeldBlobs, holds
from server.replication.models import BlobMeta
from server.replication.publish import server_update
from server.replication.service import blob_store
from server.replication.store import SqlSyncStore
from server.settings import Settings
from server.stores.models import Store
from sync import RecordState

log = logging.getLogger("fieldvisit.claims")

REJECT_REASONS = (
    "not_eligible",
    "outside_period",
    "duplicate",
    "recycled_photo",
    "photo_mismatch",
    "receipt_unreadable",
    "amount_wrong",
    "other",
)
# A claim whose photos never arrive is still read (and flagged) after this long, so it reaches finance.
WAIT_FOR_PHOTOS = timedelta(days=3)
CONFIDENT = 0.5


def cents(amount: str | None) -> int | None:
    """``"1234.50"`` → 123450; None when there is no amount."""
    if not amount:
        return None
    try:
        return int((Decimal(amount) * 100).quantize(Decimal(1)))
    except (InvalidOperation, ValueError):
        return None


# -- budget pools -------------------------------------------------------------------------------


def pool_view(pool: BudgetPool, promotion: Promotion | None) -> dict[str, Any]:
    return {
        "id": pool.id,
        "name": pool.name,
        "name_en": pool.name_en,
        "promotion": {"id": promotion.id, "code": promotion.code, "name": promotion.name, "name_en": promotion.name_en}
        if promotion
        else None,
        "starts_on": pool.starts_on.isoformat(),
        "ends_on": pool.ends_on.isoformat(),
        "amount_cents": pool.amount_cents,
        "spent_cents": pool.spent_cents,
        "balance_cents": pool.amount_cents - pool.spent_cents,
    }


def pool_ref(session: Session, pool: BudgetPool) -> dict[str, Any]:
    """The pool as a claim record names it (what the rep's phone shows)."""
    promotion = session.get(Promotion, pool.promotion_id)
    return {
        "id": pool.id,
        "name": pool.name,
        "name_en": pool.name_en,
        "promotion": promotion.name if promotion else None,
    }


def match_pool(session: Session, store: Store, on: date, promotion_id: str | None) -> BudgetPool | None:
    """The pool this claim draws on: of the store's pools open that day, the most specific (named
    stores, then a region, then channels), then the one with the most money left."""
    candidates = repo.pools_for(session, store, on=on, promotion_id=promotion_id)
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda p: (bool(p.store_ids), p.region_id is not None, bool(p.channels), p.amount_cents - p.spent_cents),
    )


# -- the reading job ----------------------------------------------------------------------------


def _field(
    value: str | None, confidence: float, line: str | None = None, box: tuple[float, ...] | None = None
) -> dict[str, Any]:
    return {"value": value, "confidence": round(confidence, 2), "line": line, "box": list(box) if box else None}


def _read_receipt(settings: Settings, data: bytes, flags: list[str]) -> dict[str, Any]:
    """The receipt's fields with confidences and their boxes on the photo; nothing found is null
    at confidence 0 (and flagged)."""
    empty = {"merchant": _field(None, 0), "date": _field(None, 0), "total": _field(None, 0)}
    try:
        receipt = read_receipt(data, engine=engine_named(settings.ocr_receipt_engine))
    except ImageError as exc:
        flags.append("receipt_unreadable")
        return {**empty, "error": str(exc)}
    except EngineError as exc:  # counted: an engine that fails on this receipt may fail on it every time
        raise Retry(f"OCR failed: {exc}", timedelta(minutes=5), counts=True) from None
    if not (receipt.total.value or receipt.date.value or receipt.merchant.value):
        flags.append("receipt_nothing_found")
    reading: dict[str, Any] = {
        name: _field(f.value, f.confidence, f.line, f.box)
        for name, f in (
            ("merchant", receipt.merchant),
            ("date", receipt.date),
            ("total", receipt.total),
            ("tax", receipt.tax),
        )
    }
    reading.update(currency=receipt.currency, seconds=round(sum(receipt.timings.values()), 2))
    if receipt.currency and receipt.currency != settings.currency:
        flags.append("currency_mismatch")  # the total is not in our money: finance converts or rejects
    return reading


@dataclass(frozen=True)
class _ToRead:
    rec: RecordState
    review: ClaimReview
    store: Store
    candidates: list[tuple[str, str]]  # the stores its photos could show (the sign's match)


def _load_claim(session: Session, settings: Settings, job: Claimed) -> Inputs | Done:
    """The claim, its store and its photos as the rep who filed it holds them (a hash of someone
    else's receipt reads nothing)."""
    claim_id = job.payload["claim_id"]
    rec = SqlSyncStore(session).load(CLAIM.name, [claim_id]).get(claim_id)
    review = session.get(ClaimReview, claim_id)
    store = session.get(Store, rec.fields["store_id"]) if rec else None
    if rec is None or rec.deleted or review is None or store is None or not _to_read(rec.fields):
        return Done({"skipped": "gone or already read"})
    shas = [rec.fields["receipt"], *rec.fields["photos"]]
    refused = {m.sha256 for m in session.exec(select(BlobMeta).where(col(BlobMeta.sha256).in_(shas))) if m.refused}
    blobs = HeldBlobs(blob_store(settings), {sha for sha in shas if holds(session, sha, rec.created_by)})
    return Inputs(
        _ToRead(rec, review, store, sign_candidates(session, store, rec.created_by)),
        blobs={sha: blobs.path(sha) for sha in shas},
        refused=frozenset(refused),
        wait_until=review.submitted_at + WAIT_FOR_PHOTOS,
        waiting="waiting for the claim's photos to be uploaded",
    )


def _read_photos(settings: Settings, inputs: Inputs) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """Tesseract over the receipt and the photos: the slow part, outside any transaction."""
    claim: _ToRead = inputs.value
    fields = claim.rec.fields
    flags: list[str] = []
    receipt_path = inputs.blobs[fields["receipt"]]
    if receipt_path is None:
        flags.append("receipt_refused" if fields["receipt"] in inputs.refused else "receipt_missing")
        reading: dict[str, Any] = {"merchant": _field(None, 0), "date": _field(None, 0), "total": _field(None, 0)}
    else:
        reading = _read_receipt(settings, receipt_path.read_bytes(), flags)
    taken = local_time(settings, fields.get("taken_at"))
    checks: list[dict[str, Any]] = []
    for sha in fields["photos"]:
        path = inputs.blobs[sha]
        if path is None:
            flags.append("photo_refused" if sha in inputs.refused else "photo_missing")
            continue
        try:
            seen = inspect_photo(
                settings,
                claim.store.name,
                path.read_bytes(),
                taken,
                store_id=claim.store.id,
                candidates=claim.candidates,
            )
            checks.append({"blob": sha, **seen})
        except ImageError as exc:
            checks.append({"blob": sha, "error": str(exc), "flags": ["photo_unreadable"]})
        except EngineError as exc:
            raise Retry(f"OCR failed: {exc}", timedelta(minutes=5), counts=True) from None
    return reading, checks, flags


def _write_reading(
    session: Session,
    settings: Settings,
    inputs: Inputs,
    found: tuple[dict[str, Any], list[dict[str, Any]], list[str]],
) -> dict[str, Any]:
    """The reading, the flags and the matched pool, with the claim moved on to finance."""
    claim: _ToRead = inputs.value
    claim_id, rec, store, review = claim.rec.id, claim.rec, claim.store, claim.review
    reading, checks, flags = found
    SqlSyncStore(session).begin_write()  # the change-sequence lock first, as finance's decision takes it
    if not _still_to_read(session, claim_id):
        return {"skipped": "decided while it was read"}
    for check in checks:
        hashes = check.pop("hashes", None)
        if hashes is not None:
            check["recycled_of"] = recycled_of(session, claim_id, hashes)
            if check["recycled_of"]:
                check["flags"].append("recycled_photo")
            remember_hashes(session, check["blob"], CLAIM.name, claim_id, store.id, hashes)
        flags.extend(f for f in check["flags"] if f not in flags)
    total = cents(reading["total"]["value"])
    claimed = rec.fields.get("amount_cents")
    if claimed is not None and total is not None and claimed != total:
        flags.append("amount_differs")
    suggested = None
    if reading["merchant"]["value"]:
        match = match_store(reading["merchant"]["value"], repo.region_stores(session, store.region_id))
        if match is not None and match.store_id != store.id:
            # shops share names (three 川味副食店 in one city): the claim's own store wins a tie
            own = match_store(reading["merchant"]["value"], [(store.id, store.name)], at_least=match.score - 0.1)
            match = own or match
        if match is not None:
            suggested = {"id": match.store_id, "name": match.name, "score": round(match.score)}
            if match.store_id != store.id:
                flags.append("merchant_other_store")
    on = _claim_day(settings, reading, rec.fields.get("taken_at"), review.submitted_at)
    pool = match_pool(session, store, on, rec.fields.get("promotion_id"))
    if pool is None:
        flags.append("no_pool")
    values: dict[str, Any] = {
        "reading": reading,
        "suggested_store": suggested,
        "flags": list(dict.fromkeys(flags)),  # each flag once, however many photos raised it
        "photo_checks": checks,
        "pool": pool_ref(session, pool) if pool else None,
        "error": reading.pop("error", None),
        "error_code": "receipt_unreadable" if "receipt_unreadable" in flags else None,
    }
    _move(session, claim_id, "review", values, pool_id=pool.id if pool else None, claimed_cents=claimed or total)
    log.info("claim %s read: flags %s", claim_id, flags)
    return {"flags": flags, "pool": pool.id if pool else None}


def _claim_day(settings: Settings, reading: dict[str, Any], taken_at: Any, submitted: datetime) -> date:
    """The day a claim is for: the receipt's date when it was read with some confidence, else the
    day the photos were taken, else the day it reached the server (all in local time)."""
    if reading["date"]["value"] and reading["date"]["confidence"] >= CONFIDENT:
        try:
            return date.fromisoformat(reading["date"]["value"])
        except ValueError:
            pass
    taken = local_time(settings, taken_at)
    if taken is not None:
        return taken.date()
    return (local_time(settings, submitted.isoformat()) or submitted).date()


def _to_read(fields: dict[str, Any]) -> bool:
    """Still to be read: ``reading``, or back in the job's hands after it died (an admin retried it)
    while finance has not decided yet."""
    if fields.get("status") == "reading":
        return True
    return fields.get("status") == "review" and READING_FAILED in (fields.get("flags") or [])


def _still_to_read(session: Session, claim_id: str) -> bool:
    rec = SqlSyncStore(session).load(CLAIM.name, [claim_id]).get(claim_id)
    review = session.get(ClaimReview, claim_id)
    return rec is not None and not rec.deleted and review is not None and _to_read(rec.fields)


READING_FAILED = "reading_failed"
DECIDED = frozenset({"approved", "rejected"})  # what finance decided; reading and review are not


def reading_failed(session: Session, settings: Settings, job: Claimed, reason: str) -> None:
    """The reading job is dead: the claim goes to finance anyway, flagged ``reading_failed`` with
    empty readings and the reason, so it can be rejected, or approved with the fields typed by hand
    (``correct``). Nothing waits for ever on a photo nobody can read."""
    claim_id = job.payload["claim_id"]
    SqlSyncStore(session).begin_write()
    rec = SqlSyncStore(session).load(CLAIM.name, [claim_id]).get(claim_id)
    review = session.get(ClaimReview, claim_id)
    if rec is None or rec.deleted or review is None or rec.fields.get("status") != "reading":
        return
    store = session.get(Store, review.store_id)
    empty = {"merchant": _field(None, 0), "date": _field(None, 0), "total": _field(None, 0)}
    pool = None
    if store is not None:
        on = _claim_day(settings, empty, rec.fields.get("taken_at"), review.submitted_at)
        pool = match_pool(session, store, on, rec.fields.get("promotion_id"))
    error = f"The photos could not be read automatically ({public_reason(reason)}); check them by eye."
    values: dict[str, Any] = {
        "reading": empty,
        "suggested_store": None,
        "flags": [READING_FAILED] + ([] if pool else ["no_pool"]),
        "photo_checks": [],
        "pool": pool_ref(session, pool) if pool else None,
        "error": error,
        "error_code": READING_FAILED,  # the UI words it in its own language
    }
    _move(
        session,
        claim_id,
        "review",
        values,
        pool_id=pool.id if pool else None,
        claimed_cents=rec.fields.get("amount_cents"),
    )
    log.warning("claim %s could not be read; it goes to finance flagged %s", claim_id, READING_FAILED)


def _move(
    session: Session, claim_id: str, status: str, values: dict[str, Any], *, reopen: bool = False, **review: Any
) -> None:
    """A claim's status changes here only, and is stored once: in the claim record phones sync
    (``status``), which finance's queue reads too (``claim_status``). Reading (``reading`` →
    ``review``) may run again while finance has not decided; a decision needs ``review``; a reopen
    (``reopen``) takes a decided claim back to ``review``. All run under the change-sequence lock
    (``begin_write``), so the status read is the status written."""
    if reopen:
        allowed: tuple[str, ...] = tuple(DECIDED)
    else:
        allowed = ("reading", "review") if status == "review" else ("review",)
    SqlSyncStore(session).begin_write()
    current = SqlSyncStore(session).load(CLAIM.name, [claim_id]).get(claim_id)
    if current is None or current.deleted or current.fields.get("status") not in allowed:
        if reopen:
            raise Conflict("This claim is not decided; there is nothing to reopen.", code="not_decided")
        raise Conflict("Someone else decided this claim a moment ago.", code="already_decided")
    if status == "review" and not reopen:
        review["read_at"] = utcnow()
    session.execute(update(ClaimReview).where(col(ClaimReview.claim_id) == claim_id).values(**review))
    server_update(session, CLAIM, claim_id, lambda s: {"status": status, **values})


READ_CLAIM_JOB = JobKind(READ_CLAIM, load=_load_claim, read=_read_photos, write=_write_reading, dead=reading_failed)


# -- finance review -----------------------------------------------------------------------------


class Decision(BaseModel):
    """Finance's decision on one claim. ``correct`` approves with corrected fields."""

    action: str = Field(pattern="^(approve|correct|reject)$")
    amount_cents: int | None = Field(default=None, gt=0, le=MAX_CENTS)
    pool_id: str | None = Field(default=None, max_length=36)
    reason: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, max_length=1000)
    merchant: str | None = Field(default=None, max_length=200)
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    total: str | None = Field(default=None, pattern=r"^\d{1,7}(\.\d{1,2})?$")


FINANCE = (Role.finance, Role.admin)


def list_claims(session: Session, actor: Actor, *, status: str | None, limit: int, offset: int) -> dict[str, Any]:
    authz.require(actor, authz.Action.CLAIM_READ)
    rows = repo.queue_rows(session, actor.user, status=status, limit=limit, offset=offset)
    records = SqlSyncStore(session).load(CLAIM.name, [r.claim_id for r, _, _ in rows])
    pools = repo.pools_by_id(session, {r.pool_id for r, _, _ in rows if r.pool_id})
    items = []
    for review, store, rep in rows:
        fields = records[review.claim_id].fields if review.claim_id in records else {}
        pool = pools.get(review.pool_id or "")
        items.append(
            {
                "id": review.claim_id,
                "status": fields.get("status"),
                "store": {"id": store.id, "code": store.code, "name": store.name},
                "rep": {"id": rep.id, "name": rep.display_name} if rep else None,
                "claimed_cents": review.claimed_cents,
                "approved_cents": review.approved_cents,
                "total": (fields.get("reading") or {}).get("total"),
                "flags": fields.get("flags") or [],
                "pool": {
                    "id": pool.id,
                    "name": pool.name,
                    "name_en": pool.name_en,
                    "balance_cents": pool.amount_cents - pool.spent_cents,
                }
                if pool
                else None,
                "submitted_at": review.submitted_at.isoformat(),
                "decided_at": review.decided_at.isoformat() if review.decided_at else None,
            }
        )
    counts = repo.status_counts(session, actor.user)
    return {"items": items, "counts": counts}


def _decided_today(settings: Settings, decided_at: datetime) -> bool:
    """Whether a decision was taken today, in the business's time zone (it may be reopened)."""
    aware = decided_at if decided_at.tzinfo else decided_at.replace(tzinfo=UTC)
    day, today = local_time(settings, aware.isoformat()), local_time(settings, utcnow().isoformat())
    return day is not None and today is not None and day.date() == today.date()


def claim_detail(session: Session, actor: Actor, claim_id: str, settings: Settings | None = None) -> dict[str, Any]:
    """One claim for finance; with ``settings``, also whether this user may reopen its decision."""
    authz.require(actor, authz.Action.CLAIM_READ)
    rec, review = repo.load(session, claim_id)
    store = session.get(Store, review.store_id)
    rep = session.get(User, review.rep_id) if review.rep_id else None
    pool = session.get(BudgetPool, review.pool_id) if review.pool_id else None
    promotion = session.get(Promotion, pool.promotion_id) if pool else None
    assert store is not None
    return {
        "id": claim_id,
        "status": rec.fields.get("status"),
        "fields": rec.fields,
        "store": {
            "id": store.id,
            "code": store.code,
            "name": store.name,
            "address": store.address,
            "channel": store.channel,
        },
        "rep": {"id": rep.id, "name": rep.display_name, "username": rep.username} if rep else None,
        "pool": pool_view(pool, promotion) if pool else None,
        "pools": [pool_view(p, session.get(Promotion, p.promotion_id)) for p in repo.pools_for(session, store)],
        "submitted_at": review.submitted_at.isoformat(),
        "read_at": review.read_at.isoformat() if review.read_at else None,
        "decided_at": review.decided_at.isoformat() if review.decided_at else None,
        "can_reopen": bool(
            settings is not None
            and rec.fields.get("status") in DECIDED
            and review.decided_at is not None
            and review.decided_by == actor.user.id
            and authz.allowed(actor.role, authz.Action.CLAIM_DECIDE)
            and _decided_today(settings, review.decided_at)
        ),
        "reject_reasons": list(REJECT_REASONS),
    }


def decide(session: Session, actor: Actor, claim_id: str, decision: Decision) -> dict[str, Any]:
    """Approve, correct (approve with corrected fields) or reject, once. An approval takes its
    amount from the pool by a conditional UPDATE: of two approvals racing for the last money in a
    pool, one gets it and the other is told the pool cannot cover it; nothing is half-written."""
    authz.require(actor, authz.Action.CLAIM_DECIDE)
    reject = decision.action == "reject"
    if reject and decision.reason not in REJECT_REASONS:
        raise InvalidInput(f"A rejection needs a reason: one of {', '.join(REJECT_REASONS)}.", code="reason_required")
    if reject and decision.reason == "other" and not (decision.comment or "").strip():
        raise InvalidInput("Say why in the comment when the reason is 'other'.", code="comment_required")
    corrections = {
        k: v for k, v in (("merchant", decision.merchant), ("date", decision.date), ("total", decision.total)) if v
    }
    if decision.action == "correct" and not corrections:
        raise InvalidInput("A correction names the corrected merchant, date or total.", code="nothing_corrected")
    store_lock = SqlSyncStore(session)
    store_lock.begin_write()  # the change-sequence lock first, always: no lock-order deadlock with pushes
    rec, review = repo.load(session, claim_id)
    if rec.created_by == actor.user.id:
        raise Forbidden("Nobody decides their own claim.", code="own_claim")
    status_now = rec.fields.get("status")
    if status_now != "review":
        code = "not_ready" if status_now == "reading" else "already_decided"
        raise Conflict(f"This claim is {status_now}; it cannot be decided now.", code=code)
    pool_id = decision.pool_id or review.pool_id
    amount = None
    if not reject:
        if pool_id is None:
            raise Conflict("No budget pool matches this claim; choose the pool to charge (pool_id).", code="no_pool")
        if session.get(BudgetPool, pool_id) is None:
            raise Conflict("That budget pool does not exist; choose another.", code="no_pool")
        store = session.get(Store, review.store_id)
        if decision.pool_id and store and decision.pool_id not in {p.id for p in repo.pools_for(session, store)}:
            raise InvalidInput("That budget pool does not include this claim's store.", code="pool_not_for_store")
        reading_total = ((rec.fields.get("reading") or {}).get("total") or {}).get("value")
        # finance's corrected total is what is approved unless finance typed another amount
        amount = decision.amount_cents or cents(decision.total) or review.claimed_cents or cents(reading_total)
        if not amount:
            raise InvalidInput("Say how much to approve (amount_cents).", code="amount_required")
    now = utcnow()
    if amount is not None:
        paid = session.execute(
            update(BudgetPool)
            .where(
                and_(
                    col(BudgetPool.id) == pool_id,
                    col(BudgetPool.spent_cents) + amount <= col(BudgetPool.amount_cents),
                )
            )
            .values(spent_cents=col(BudgetPool.spent_cents) + amount)
        )
        if getattr(paid, "rowcount", 0) != 1:
            pool = session.get(BudgetPool, pool_id)
            left = pool.amount_cents - pool.spent_cents if pool else 0
            raise Conflict(
                f"The pool has {left / 100:,.2f} left; it cannot cover {amount / 100:,.2f}.",
                code="pool_exhausted",
                extra={"balance_cents": left, "amount_cents": amount},
            )
    pool = session.get(BudgetPool, pool_id) if pool_id else None
    outcome = {
        "action": decision.action,
        "approved_cents": amount,
        "reason": decision.reason,
        "comment": decision.comment,
        "corrections": corrections or None,
        "by": actor.user.display_name,
        "at": now.isoformat(),
    }
    status = "rejected" if reject else "approved"
    fields: dict[str, Any] = {"decision": outcome, "reopened": None}
    if pool is not None:
        fields["pool"] = pool_ref(session, pool)
    _move(
        session,
        claim_id,
        status,
        fields,
        action=decision.action,
        pool_id=pool_id,
        approved_cents=amount,
        reason=decision.reason,
        comment=decision.comment,
        corrections=corrections or None,
        decided_by=actor.user.id,
        decided_at=now,
    )
    audit.record(session, actor, entity="claim", entity_id=claim_id, action=decision.action, changes=outcome)
    if pool is not None:
        session.refresh(pool)
    promotion = session.get(Promotion, pool.promotion_id) if pool else None
    return {
        "id": claim_id,
        "status": status,
        "decision": outcome,
        "pool": pool_view(pool, promotion) if pool else None,
    }


def reopen(session: Session, settings: Settings, actor: Actor, claim_id: str) -> dict[str, Any]:
    """Take back one's own decision on the day it was taken (local time): the claim returns to
    ``review`` (the rep's phone learns it at its next pull), an approval's amount goes back into its
    pool, and the reopen is audited. Someone else's decision, or an earlier day's, stays."""
    authz.require(actor, authz.Action.CLAIM_DECIDE)
    SqlSyncStore(session).begin_write()  # the change-sequence lock first, as a decision takes it
    rec, review = repo.load(session, claim_id)
    status_now = rec.fields.get("status")
    if status_now not in DECIDED or review.decided_at is None:
        raise Conflict(f"This claim is {status_now}; there is no decision to reopen.", code="not_decided")
    if review.decided_by != actor.user.id:
        raise Forbidden("Only the person who decided a claim may reopen it.", code="not_your_decision")
    decided_at = review.decided_at if review.decided_at.tzinfo else review.decided_at.replace(tzinfo=UTC)
    if not _decided_today(settings, decided_at):
        raise Conflict("A decision can be reopened only on the day it was taken.", code="reopen_too_late")
    previous = {
        "status": status_now,
        "action": review.action,
        "approved_cents": review.approved_cents,
        "pool_id": review.pool_id,
        "decided_at": decided_at.isoformat(),
    }
    if status_now == "approved" and review.pool_id and review.approved_cents:
        session.execute(
            update(BudgetPool)
            .where(col(BudgetPool.id) == review.pool_id)
            .values(spent_cents=col(BudgetPool.spent_cents) - review.approved_cents)
        )
    # a claim no pool matched goes back without one: finance chooses again, nothing is pre-selected
    pool = None if "no_pool" in (rec.fields.get("flags") or []) else session.get(BudgetPool, review.pool_id or "")
    _move(
        session,
        claim_id,
        "review",
        # the decision taken back stays readable: finance reopens to change part of it, not to retype it
        {"decision": None, "reopened": rec.fields.get("decision"), "pool": pool_ref(session, pool) if pool else None},
        reopen=True,
        action=None,
        pool_id=pool.id if pool else None,
        approved_cents=None,
        reason=None,
        comment=None,
        corrections=None,
        decided_by=None,
        decided_at=None,
    )
    audit.record(session, actor, entity="claim", entity_id=claim_id, action="reopen", changes=previous)
    return claim_detail(session, actor, claim_id, settings)


# -- promotions ---------------------------------------------------------------------------------


def list_promotions(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Promotions with their pools; balances for finance and admins only."""
    see_money = actor.role in FINANCE
    out = []
    for promo in session.exec(select(Promotion).order_by(col(Promotion.starts_on).desc())).all():
        pools = session.exec(select(BudgetPool).where(BudgetPool.promotion_id == promo.id)).all()
        views = [pool_view(p, None) for p in pools]
        if not see_money:
            for v in views:
                for k in ("amount_cents", "spent_cents", "balance_cents"):
                    v.pop(k)
        out.append({"id": promo.id, **promo.synced(), "pools": views})
    return out


def create_promotion(session: Session, actor: Actor, spec: dict[str, Any]) -> dict[str, Any]:
    authz.require(actor, authz.Action.PROMOTION_CREATE)
    if spec["ends_on"] < spec["starts_on"]:
        raise InvalidInput("A promotion ends on or after the day it starts.", code="bad_period")
    if session.exec(select(Promotion.id).where(Promotion.code == spec["code"])).first() is not None:
        raise Conflict(f"A promotion with code {spec['code']} exists already.", code="duplicate_code")
    promo = Promotion(
        code=spec["code"],
        name=spec["name"],
        name_en=spec["name_en"],
        starts_on=spec["starts_on"],
        ends_on=spec["ends_on"],
    )
    session.add(promo)
    session.flush()  # the pools refer to it
    for p in spec["pools"]:
        starts, ends = p["starts_on"] or promo.starts_on, p["ends_on"] or promo.ends_on
        if ends < starts:
            raise InvalidInput(f"Pool {p['name']} ends before it starts.", code="bad_period")
        if p["region_id"] is not None and session.get(Region, p["region_id"]) is None:  # "" names none either
            raise InvalidInput(f"Pool {p['name']}: region_id does not name a region.", code="unknown_region")
        session.add(
            BudgetPool(
                promotion_id=promo.id,
                name=p["name"],
                name_en=p["name_en"],
                amount_cents=p["amount_cents"],
                starts_on=starts,
                ends_on=ends,
                region_id=p["region_id"],
                channels=p["channels"],
                store_ids=p["store_ids"],
            )
        )
    session.flush()
    publish_promotions(session)
    audit.record(session, actor, entity="promotion", entity_id=promo.id, action="create", changes={"code": promo.code})
    return next(p for p in list_promotions(session, actor) if p["id"] == promo.id)
