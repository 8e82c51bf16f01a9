"""This morning's work in the demo, made through the app's own services so it is what the app
itself would hold: rep01's first visits of the day (pushed as the phone pushes them, one approved
and one rejected by the supervisor, one waiting), claims in every state for finance (being read,
to review — one flagged "no pool" —, approved, rejected, one whose reading job is dead), and a
store reassigned from one rep to another by the admin (audited).

The photos are stored as the phone's uploads would be; the claims' readings are written by the
claim job's own write step with the receipt's fields as OCR would give them (running Tesseract
here would make every demo start several seconds slower), the dead job dies through the job
service and its ``dead`` hook, as the worker does after its last attempt.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import update
from sqlmodel import Session, col, select

from server.accounts.models import User
from server.accounts.service import Actor
from server.catalog.models import CompetitorSku, Material, Sku
from server.claims import service as claims
from server.claims.models import ClaimReview, Promotion
from server.claims.rules import READ_CLAIM
from server.demo.photos import storefront_photo
from server.jobs import service as jobs
from server.jobs.models import Job
from server.replication.models import BlobHolder, BlobMeta
from server.replication.service import blob_store, push_batch
from server.review import service as review
from server.review.dashboard import planned_on
from server.settings import Settings
from server.stores.models import Store, StoreUpdate
from server.stores.service import update_store
from server.visits.models import VisitTemplate
from sync import PROTOCOL_VERSION, uuid7

CHINA = timedelta(hours=8)
UNCLEAR = "门头照片看不清店名，下次请站远一点重拍。"
AMOUNT_WRONG = "小票金额与申请金额不符，请核对后重新提交。"
RECEIPT = -1  # a claim for the receipt's total, typed in by the rep
DEAD_REASON = "OCR failed: tesseract was killed (out of memory) while reading the receipt"


class _Phone:
    """One demo device pushing ops the way the PWA's outbox does."""

    def __init__(self, session: Session, settings: Settings, user: User) -> None:
        self.session, self.settings = session, settings
        self.actor = Actor(user, f"demo-{user.username}")
        self.seq = 0

    def push(self, *ops: tuple[str, str, dict[str, Any]]) -> None:
        sent: list[dict[str, Any]] = []
        for type_, record_id, fields in ops:
            self.seq += 1
            sent.append({"op_id": uuid7(), "seq": self.seq, "type": type_, "id": record_id, "fields": fields})
        batch = {"protocol": PROTOCOL_VERSION, "device_id": self.actor.device_id, "ops": sent}
        answer = push_batch(self.session, self.settings, self.actor, json.dumps(batch).encode())
        refused = [r for r in answer["results"] if r["status"] != "applied"]
        if refused:
            raise RuntimeError(f"the demo's own push was refused: {refused}")


def _store_blob(session: Session, settings: Settings, owner: User, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    blob_store(settings).append(sha, 0, data, total=len(data))
    if session.get(BlobMeta, sha) is None:
        session.add(BlobMeta(sha256=sha, size=len(data), content_type="image/jpeg", uploaded_by=owner.id))
    if session.get(BlobHolder, (sha, owner.id)) is None:
        session.add(BlobHolder(sha256=sha, user_id=owner.id))
    return sha


def _photo(session: Session, settings: Settings, rep: User, store: Store, when: datetime, n: int) -> str:
    local = (when + CHINA).replace(tzinfo=None)
    data = storefront_photo(store.name, local, store.lat or 0, store.lng or 0, rep.display_name, 7000 + n)
    return _store_blob(session, settings, rep, data)


def _receipt(
    session: Session, settings: Settings, rep: User, store: Store, day: datetime, seed: int
) -> tuple[str, Any]:
    """A printed receipt from the store (the paper, not photographed on a table: cheaper to draw)."""
    from ocr.synth import draw_receipt

    paper, truth = draw_receipt(random.Random(seed), company=store.name, day=day)
    out = io.BytesIO()
    paper.convert("RGB").resize((paper.width // 2, paper.height // 2), Image.Resampling.BILINEAR).save(
        out, "JPEG", quality=70
    )
    return _store_blob(session, settings, rep, out.getvalue()), truth


def _iso(moment: datetime) -> str:
    return (moment + CHINA).replace(tzinfo=None).isoformat(timespec="seconds") + "+08:00"


def _visit_ops(
    session: Session,
    settings: Settings,
    rep: User,
    store: Store,
    template: VisitTemplate,
    arrived: datetime,
    n: int,
    *,
    excepted: str | None = None,
) -> tuple[str, list[tuple[str, str, dict[str, Any]]]]:
    """A whole visit as the phone pushes it: arrival at the store, every step, check-out."""
    visit_id = uuid7()
    day = (arrived + CHINA).date().isoformat()
    sku = session.exec(select(Sku.code).order_by(Sku.code)).all()
    material = session.exec(select(Material.code).order_by(Material.code)).first() or "POSM-001"
    scan = session.exec(select(CompetitorSku).order_by(CompetitorSku.barcode)).first()
    fix = {"lat": store.lat, "lng": store.lng, "accuracy": 12, "at": _iso(arrived)}
    ops: list[tuple[str, str, dict[str, Any]]] = [
        (
            "visit.arrive",
            visit_id,
            {
                "store_id": store.id,
                "template_id": template.id,
                "day": day,
                "arrived_at": _iso(arrived),
                "arrival": fix,
                "planned": True,
                "status": "arrived",
            },
        )
    ]
    at = arrived
    for i, step in enumerate(template.steps or []):
        key = step["key"]
        at += timedelta(minutes=3)
        base = {"visit_id": visit_id, "store_id": store.id, "step": key, "completed_at": _iso(at)}
        if key == excepted:
            note = {"reason": "no_stock_delivered", "note": "物料本周未到货，下次补上"}
            ops.append(("step.except", uuid7(), {**base, "status": "excepted", "exception": note}))
            continue
        answers: dict[str, Any] = {}
        for f in step["fields"]:
            kind = f["type"]
            if kind == "photos":
                answers[f["key"]] = [_photo(session, settings, rep, store, at, n * 10 + i)]
            elif kind == "facings":
                answers[f["key"]] = {sku[(n + i) % len(sku)]: 3 + n} if f.get("required", True) else {}
            elif kind == "stock":
                answers[f["key"]] = {sku[(n + i) % len(sku)]: 10 + n, sku[(n + i + 1) % len(sku)]: 0}
            elif kind == "yesno":
                answers[f["key"]] = (n + len(f["key"])) % 3 != 0
            elif kind == "barcodes" and scan is not None:
                found = {"code": scan.barcode, "sku_id": scan.id, "name": scan.name, "matched_by": "barcode"}
                answers[f["key"]] = [found]
            elif kind == "materials":
                answers[f["key"]] = {material: 2}
            elif kind == "number":
                answers[f["key"]] = 6 + n
            elif kind == "choice":
                answers[f["key"]] = (f.get("options") or ["high"])[n % max(1, len(f.get("options") or []))]
            elif kind == "text":
                answers[f["key"]] = "老板希望春节前多备两箱酱香型，礼盒要早点到。"
        photos = [p for v in answers.values() if isinstance(v, list) for p in v if isinstance(p, str)]
        ops.append(("step.complete", uuid7(), {**base, "status": "done", "answers": answers, "photos": photos}))
    out = {"status": "checked_out", "checked_out_at": _iso(at + timedelta(minutes=4))}
    ops.append(("visit.checkout", visit_id, out))
    return visit_id, ops


def _claim_job(session: Session, claim_id: str) -> jobs.Claimed:
    job = session.exec(select(Job).where(Job.kind == READ_CLAIM, Job.key == claim_id)).one()
    return jobs.Claimed(job.id, job.kind, job.key, dict(job.payload), job.attempts + 1, job.created_at)


def _read(session: Session, settings: Settings, claim_id: str, truth: Any) -> None:
    """The claim job's load and write steps, with the receipt's fields as OCR reads them."""
    job = _claim_job(session, claim_id)
    inputs = claims.READ_CLAIM_JOB.load(session, settings, job)
    assert isinstance(inputs, jobs.Inputs)
    reading = {
        "merchant": {"value": truth.company, "confidence": 0.86, "line": truth.company},
        "date": {"value": truth.iso_date, "confidence": 0.91, "line": truth.date},
        "total": {"value": truth.total, "confidence": 0.94, "line": f"合计 {truth.total}"},
        "tax": {"value": None, "confidence": 0, "line": None},
        "currency": "CNY",
        "seconds": 1.8,
    }
    result = claims.READ_CLAIM_JOB.write(session, settings, inputs, (reading, [], []))
    jobs.finish(session, job.id, result)


def _die(session: Session, settings: Settings, claim_id: str) -> None:
    """The claim job's last attempt fails: the job is dead, and the claim goes to finance flagged."""
    job = _claim_job(session, claim_id)
    session.execute(update(Job).where(col(Job.id) == job.id).values(attempts=jobs.MAX_ATTEMPTS))
    last = jobs.Claimed(job.id, job.kind, job.key, job.payload, jobs.MAX_ATTEMPTS, job.created_at)
    assert jobs.fail(session, last, DEAD_REASON) == "dead"
    claims.reading_failed(session, settings, last, DEAD_REASON)


def seed_activity(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    users = {u.username: u for u in session.exec(select(User).where(col(User.username).in_(_USERS)))}
    rep01, sup, finance, admin = users["rep01"], users["sup-cd"], users["finance"], users["admin"]
    today = (now + CHINA).date()
    templates = {t.code: t for t in session.exec(select(VisitTemplate)) if t.active}
    promos = {p.code: p for p in session.exec(select(Promotion))}

    def stores_of(rep: User) -> list[Store]:
        return list(session.exec(select(Store).where(Store.rep_id == rep.id).order_by(Store.code)))

    # -- rep01's morning: three visits along today's route, two decided by the supervisor -----------
    mine = stores_of(rep01)
    planned = [s for s in mine if planned_on(s.visit_days, s.cycle_weeks, s.cycle_anchor, today)]
    morning = datetime(today.year, today.month, today.day, 7, 35, tzinfo=UTC) - CHINA
    phone = _Phone(session, settings, rep01)
    visits: list[str] = []
    for n, store in enumerate(planned[:3]):
        template = templates["liquor" if store.channel == "tobacco_liquor" else "standard"]
        visit_id, ops = _visit_ops(
            session, settings, rep01, store, template, morning + timedelta(minutes=28 * n), n,
            excepted="materials" if n == 2 else None,
        )  # fmt: skip
        phone.push(*ops)
        visits.append(visit_id)
    supervisor = Actor(sup, "demo-sup-cd")
    review.decide(session, supervisor, review.Decision(action="approve", visit_ids=[visits[0]]))
    review.decide(
        session,
        supervisor,
        review.Decision(action="reject", visit_ids=[visits[1]], reason="photo_unclear", comment=UNCLEAR),
    )

    # -- claims in every state --------------------------------------------------------------------
    def pick(rep: User, channels: tuple[str, ...], skip: int = 0) -> Store:
        return [s for s in stores_of(rep) if s.channel in channels][skip]

    reps = {name: users[name] for name in ("rep01", "rep02", "rep03", "rep04", "rep18")}
    phones = {name: (phone if name == "rep01" else _Phone(session, settings, u)) for name, u in reps.items()}
    winter, baijiu = promos["WINTER-DISPLAY"].id, promos["CNY-BAIJIU"].id
    shop = ("convenience", "supermarket")
    plan = [  # (rep, store, promotion, amount, days ago, what happens)
        ("rep01", pick(rep01, shop), winter, RECEIPT, 2, "approve"),
        ("rep01", pick(rep01, ("tobacco_liquor",)), baijiu, RECEIPT, 1, "review"),
        ("rep01", pick(rep01, ("convenience",), 1), None, RECEIPT, 1, "late"),  # a September receipt: no pool
        ("rep02", pick(reps["rep02"], shop), winter, 32000, 3, "reject"),  # not what the receipt says
        ("rep02", pick(reps["rep02"], shop, 1), winter, RECEIPT, 1, "review"),
        ("rep18", pick(reps["rep18"], ("supermarket",)), winter, None, 2, "review"),  # the receipt's total
        ("rep04", pick(reps["rep04"], ("restaurant", "tobacco_liquor")), baijiu, 48000, 2, "dead"),
        ("rep03", pick(reps["rep03"], shop), winter, 26000, 0, "reading"),
    ]
    decided = Actor(finance, "demo-finance")
    for n, (who, store, promotion, amount, ago, outcome) in enumerate(plan):
        rep = reps[who]
        taken = (now - timedelta(days=ago, hours=3 + n % 4)).replace(microsecond=0)
        local = (taken + CHINA).replace(tzinfo=None)
        material = storefront_photo(store.name, local, store.lat or 0, store.lng or 0, rep.display_name, 9000 + n)
        photo_sha = hashlib.sha256(material).hexdigest()
        receipt_sha, truth = hashlib.sha256(f"receipt {n}".encode()).hexdigest(), None
        if outcome != "reading":  # a claim being read is still waiting for its photos to upload
            _store_blob(session, settings, rep, material)
            printed = datetime(2026, 9, 28, 19, 12) if outcome == "late" else local - timedelta(minutes=20)
            receipt_sha, truth = _receipt(session, settings, rep, store, printed, 500 + n)
        claim_id = uuid7()
        fields: dict[str, Any] = {
            "store_id": store.id,
            "receipt": receipt_sha,
            "photos": [photo_sha],
            "promotion_id": promotion,
            "taken_at": taken.isoformat().replace("+00:00", "Z"),
        }
        if amount == RECEIPT:
            amount = claims.cents(truth.total if truth else None)
        if amount is not None:
            fields["amount_cents"] = amount
        phones[who].push(("claim.submit", claim_id, {k: v for k, v in fields.items() if v is not None}))
        submitted = taken + timedelta(minutes=40) if ago else now
        session.execute(update(ClaimReview).where(col(ClaimReview.claim_id) == claim_id).values(submitted_at=submitted))
        if outcome == "reading":
            continue
        if outcome == "dead":
            _die(session, settings, claim_id)
            continue
        _read(session, settings, claim_id, truth)
        if outcome == "approve":
            claims.decide(session, decided, claim_id, claims.Decision(action="approve"))
        elif outcome == "reject":
            claims.decide(
                session,
                decided,
                claim_id,
                claims.Decision(action="reject", reason="amount_wrong", comment=AMOUNT_WRONG),
            )

    # -- a store moved from rep02 to rep01 this morning (audited, the phones follow) --------------------
    moved = stores_of(reps["rep02"])[-1]
    update_store(session, Actor(admin, "demo-admin"), moved.id, StoreUpdate(rep_id=rep01.id))
    return {"visits": len(visits), "claims": len(plan), "moved": 1}


_USERS = ("rep01", "rep02", "rep03", "rep04", "rep18", "sup-cd", "finance", "admin")
