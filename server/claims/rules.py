"""Claims as synced records. A rep files one offline (material photos, the receipt, the amount);
when it reaches the server its reading by OCR is queued in the same transaction, and finance's
decision comes back to the phone as server-owned fields."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from server.claims.models import ClaimReview
from server.jobs.service import enqueue
from server.replication.context import RuleContext
from sync import Collection, Field, Operation, OpRejected, OpType, Policy, Principal, RecordState
from sync.blobs import SHA256_RE
from sync.schema import Id, Moment, Shape

READ_CLAIM = "read_claim"
MAX_PHOTOS = 6
MAX_CENTS = 100_000_000  # ¥1,000,000: more than any shop promotion, less than a typo's zeros

CLAIM = Collection(
    "claim",
    {
        "store_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "visit_id": Field(Policy.IMMUTABLE, "id"),
        "promotion_id": Field(Policy.IMMUTABLE, "id"),
        "receipt": Field(Policy.IMMUTABLE, "str", required=True, nullable=False, max_length=64),
        "photos": Field(Policy.IMMUTABLE, "list", required=True, nullable=False, max_length=MAX_PHOTOS),
        "amount_cents": Field(Policy.PROTECTED, "int"),
        "note": Field(Policy.OVERWRITE, "str", max_length=2000),
        "taken_at": Field(Policy.IMMUTABLE, "str", max_length=40),
        # written by the server: reading → review → approved | rejected
        "status": Field(Policy.SERVER),
        "reading": Field(Policy.SERVER),  # merchant, date, total, tax: {value, confidence}
        "suggested_store": Field(Policy.SERVER),
        "flags": Field(Policy.SERVER),
        "photo_checks": Field(Policy.SERVER),
        "pool": Field(Policy.SERVER),  # {id, name, name_en}
        "decision": Field(Policy.SERVER),  # {action, approved_cents, reason, comment, corrections, at}
        "reopened": Field(Policy.SERVER),  # the decision taken back, kept for finance's next look
        "error": Field(Policy.SERVER),  # in English, for admins
        "error_code": Field(Policy.SERVER),  # reading_failed, receipt_unreadable: what the UI words
    },
)
Cents = Annotated[int, Meta(ge=-(2**53), le=2**53)]  # in range here; 0 < amount <= MAX_CENTS is the rule's
ClaimNote = Annotated[str, Meta(max_length=2000)]


class ClaimSubmit(Shape):
    store_id: Id
    receipt: Annotated[str, Meta(max_length=64)]  # the receipt photo's SHA-256 (the rule says bad_blob)
    photos: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=MAX_PHOTOS)]
    visit_id: Id | None = None
    promotion_id: Id | None = None
    amount_cents: Cents | None = None  # fen; null: use the receipt's total
    note: ClaimNote | None = None
    taken_at: Moment | None = None


class ClaimEdit(Shape):
    amount_cents: Cents | None = None
    note: ClaimNote | None = None


OP_TYPES = (
    OpType("claim.submit", "claim", "create", schema=ClaimSubmit),
    OpType("claim.edit", "claim", "update", frozenset({"amount_cents", "note"}), schema=ClaimEdit),
)


def _check_amount(value: Any) -> None:
    if value is not None and not 0 < value <= MAX_CENTS:
        raise OpRejected("bad_amount", "A claim's amount is more than 0 and at most ¥1,000,000.")


def check_claim(ctx: RuleContext, who: Principal, op_type: OpType, op: Operation, current: RecordState | None) -> None:
    fields = op.fields
    if "amount_cents" in fields:
        _check_amount(fields["amount_cents"])
    if op_type.action == "create":
        if not SHA256_RE.match(str(fields.get("receipt", ""))):
            raise OpRejected("bad_blob", "A claim names its receipt photo by SHA-256 (64 lowercase hex digits).")
        photos = fields.get("photos") or []
        if not photos or not all(isinstance(p, str) and SHA256_RE.match(p) for p in photos):
            raise OpRejected("no_photos", "A claim needs at least one photo of the material, named by SHA-256.")
        return
    if current is not None and current.fields.get("status") in {"approved", "rejected"}:
        raise OpRejected("decided", "Finance has decided this claim; it can no longer change.")


def derive_claim(ctx: RuleContext, who: Principal, op_type: OpType, state: RecordState) -> dict[str, Any] | None:
    """A new claim gets its review row and its OCR job in the push's own transaction."""
    session = ctx.session
    if op_type.action == "create":
        session.add(
            ClaimReview(
                claim_id=state.id,
                store_id=state.fields["store_id"],
                rep_id=state.created_by,
                claimed_cents=state.fields.get("amount_cents"),
            )
        )
        enqueue(session, READ_CLAIM, state.id, {"claim_id": state.id})
        return {"status": "reading"}
    if "amount_cents" in state.fields:
        review = session.get(ClaimReview, state.id)
        if review is not None:
            review.claimed_cents = state.fields.get("amount_cents")
            session.add(review)
    return None
