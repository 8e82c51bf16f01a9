"""Decisions that can be taken back, and a queue of finished visits only: a supervisor reopens
their own decision of today (audited; the rep's phone pulls ``review.status = pending``), bulk
approvals too; another's decision or an earlier day's is refused. A visit still in progress (an
arrival and one step) is not in the queue and cannot be decided until the rep checks out or
confirms the day."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.audit.models import AuditEntry
from server.review.models import VisitReview
from server.settings import Settings
from sync import uuid7
from tests.factories import World
from tests.server.test_review import _checkin_photo, _signed_in, load_visit
from tests.synchelp import Phone
from tests.visithelp import Visit, signed_in_with_templates


def _review_of(client: TestClient, visit_id: str) -> dict:  # type: ignore[type-arg]
    pulled = client.get("/api/sync/pull?cursor=0&limit=2000").json()
    visits = {c["id"]: c for c in pulled["changes"] if c["collection"] == "visit"}
    return visits[visit_id]["fields"].get("review") or {}


def test_reopen_own_decision_of_today_and_bulk_undo(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = signed_in_with_templates(app_client, world, session)
    phone = Phone()
    one = load_visit(app_client, phone, store, template_id, "2026-11-24", _checkin_photo("门店", "2026-11-24", 1))
    two = load_visit(
        app_client,
        phone,
        world.east.stores[rep.username][1],
        template_id,
        "2026-11-23",
        _checkin_photo("门店", "2026-11-24", 2),
    )
    sup = _signed_in(settings, world.east.supervisor.username)

    rejected = sup.post(
        "/api/review/decisions",
        json={"action": "reject", "visit_ids": [one.id], "reason": "photo_unclear", "comment": "看不清"},
    )
    assert rejected.status_code == 200
    assert _review_of(app_client, one.id)["status"] == "rejected"
    listed = sup.get("/api/review?status=rejected").json()["items"]
    assert listed[0]["visit_id"] == one.id and listed[0]["can_reopen"] is True
    assert sup.get(f"/api/review/{one.id}").json()["can_reopen"] is True

    reopened = sup.post("/api/review/reopen", json={"visit_ids": [one.id]})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json() == {"reopened": [one.id], "status": "pending"}
    session.expire_all()
    row = session.get(VisitReview, one.id)
    assert row is not None and row.status == "pending" and row.reason is None and row.decided_by is None
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "review.reopen")).all()
    assert [(a.entity_id, a.user_id) for a in audit] == [(one.id, world.east.supervisor.id)]
    assert audit[0].changes["was"]["status"] == "rejected" and audit[0].changes["was"]["reason"] == "photo_unclear"
    # The rep's phone gets it the way it got the decision: the visit's review says pending again.
    review = _review_of(app_client, one.id)
    assert review["status"] == "pending" and review["reason"] is None and review["comment"] is None
    assert {i["visit_id"] for i in sup.get("/api/review").json()["items"]} == {one.id, two.id}
    # Nothing left to reopen: 409, said plainly.
    again = sup.post("/api/review/reopen", json={"visit_ids": [one.id]})
    assert again.status_code == 409 and again.json()["code"] == "not_decided"

    # Approve all, then undo: the same ids go back to waiting.
    batch = sup.post("/api/review/decisions", json={"action": "approve", "filter": {"rep": rep.id}}).json()
    assert sorted(batch["decided"]) == sorted([one.id, two.id])
    assert sup.get("/api/review").json()["items"] == []
    undo = sup.post("/api/review/reopen", json={"visit_ids": batch["decided"]})
    assert undo.status_code == 200 and sorted(undo.json()["reopened"]) == sorted(batch["decided"])
    assert sup.get("/api/review").json()["counts"]["all"] == 2
    assert _review_of(app_client, two.id)["status"] == "pending"

    # A rep cannot reopen; another team's supervisor does not even see the visit.
    assert app_client.post("/api/review/reopen", json={"visit_ids": [one.id]}).status_code == 403
    west = _signed_in(settings, world.west.supervisor.username)
    assert west.post("/api/review/reopen", json={"visit_ids": [one.id]}).status_code == 404
    assert sup.post("/api/review/reopen", json={"visit_ids": []}).status_code == 400


def test_reopening_another_ones_or_an_earlier_days_decision_is_refused(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = signed_in_with_templates(app_client, world, session)
    phone = Phone()
    mine = load_visit(app_client, phone, store, template_id, "2026-11-24", _checkin_photo("门店", "2026-11-24", 3))
    theirs = load_visit(
        app_client,
        phone,
        world.east.stores[rep.username][1],
        template_id,
        "2026-11-24",
        _checkin_photo("门店", "2026-11-24", 4),
    )
    sup = _signed_in(settings, world.east.supervisor.username)
    admin = _signed_in(settings, world.admin.username)
    assert sup.post("/api/review/decisions", json={"action": "approve", "visit_ids": [mine.id]}).status_code == 200
    assert admin.post("/api/review/decisions", json={"action": "approve", "visit_ids": [theirs.id]}).status_code == 200

    other = sup.post("/api/review/reopen", json={"visit_ids": [theirs.id]})
    assert other.status_code == 403 and other.json()["code"] == "not_your_decision"
    assert "who decided" in other.json()["detail"]
    assert sup.get(f"/api/review/{theirs.id}").json()["can_reopen"] is False
    # All or none: one refused id keeps the other decision too.
    both = sup.post("/api/review/reopen", json={"visit_ids": [mine.id, theirs.id]})
    assert both.status_code == 403
    session.expire_all()
    assert session.get(VisitReview, mine.id).status == "approved"  # type: ignore[union-attr]

    # Yesterday's decision stays.
    row = session.get(VisitReview, mine.id)
    assert row is not None and row.decided_at is not None
    row.decided_at = row.decided_at - timedelta(days=1)
    session.add(row)
    session.commit()
    old = sup.post("/api/review/reopen", json={"visit_ids": [mine.id]})
    assert old.status_code == 409 and old.json()["code"] == "decided_earlier"
    assert "earlier day" in old.json()["detail"]
    assert sup.get(f"/api/review/{mine.id}").json()["can_reopen"] is False
    assert _review_of(app_client, mine.id)["status"] == "approved"
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "review.reopen")).all() == []


def test_a_visit_in_progress_is_not_in_the_queue_nor_decidable(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = signed_in_with_templates(app_client, world, session)
    phone = Phone()
    done = load_visit(app_client, phone, store, template_id, "2026-11-24", _checkin_photo("门店", "2026-11-24", 5))
    going = Visit(app_client, phone, world.east.stores[rep.username][1], template_id, day="2026-11-24", hour=14)
    assert going.arrive(store.lat, store.lng)["status"] == "applied"
    assert going.complete("display")["status"] == "applied"
    sup = _signed_in(settings, world.east.supervisor.username)

    page = sup.get("/api/review?status=all").json()
    assert [i["visit_id"] for i in page["items"]] == [done.id] and page["counts"]["all"] == 1
    assert sup.get(f"/api/review/{going.id}").json()["reviewable"] is False
    refused = sup.post("/api/review/decisions", json={"action": "reject", "visit_ids": [going.id], "reason": "other"})
    assert refused.status_code == 400  # 'other' needs a comment: checked before anything else
    refused = sup.post(
        "/api/review/decisions",
        json={"action": "reject", "visit_ids": [going.id], "reason": "steps_incomplete"},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "visit_in_progress"
    assert "in progress" in refused.json()["detail"]
    several = sup.post("/api/review/decisions", json={"action": "approve", "visit_ids": [going.id, done.id]}).json()
    assert several["decided"] == [done.id] and several["skipped"] == [going.id]
    assert sup.post("/api/review/reopen", json={"visit_ids": [done.id]}).status_code == 200
    batch = sup.post("/api/review/decisions", json={"action": "approve", "filter": {"rep": rep.id}}).json()
    assert batch["decided"] == [done.id]
    session.expire_all()
    assert session.get(VisitReview, going.id).status == "pending"  # type: ignore[union-attr]
    todo = sup.get("/api/team/confirmations?day=2026-11-24").json()
    assert next(r for r in todo["reps"] if r["rep"]["id"] == rep.id)["pending_review"] == 0

    # Checking out puts it in the queue.
    for step in ("competitors", "materials"):
        assert going.complete(step)["status"] == "applied"
    assert going.except_("checkin", {"reason": "owner_refused", "note": "不让拍"})["status"] == "applied"
    assert going.checkout()["status"] == "applied"
    assert [i["visit_id"] for i in sup.get("/api/review").json()["items"]] == [going.id]
    row = session.get(VisitReview, going.id)
    session.refresh(row)
    assert row.checked_out_at is not None  # type: ignore[union-attr]

    # A visit never checked out enters once the rep confirms its day.
    left = Visit(app_client, phone, store, template_id, day="2026-11-23", hour=16)
    assert left.arrive(store.lat, store.lng)["status"] == "applied"
    assert left.id not in {i["visit_id"] for i in sup.get("/api/review").json()["items"]}
    fields = {"day": "2026-11-23", "confirmed_at": "2026-11-23T18:02:00+08:00", "summary": {"visited": 1}}
    confirmed = app_client.post("/api/sync/push", json=phone.batch(phone.op("day.confirm", uuid7(), fields)))
    assert confirmed.json()["results"][0]["status"] == "applied"
    assert left.id in {i["visit_id"] for i in sup.get("/api/review").json()["items"]}
    assert sup.post("/api/review/decisions", json={"action": "approve", "visit_ids": [left.id]}).status_code == 200


def test_the_item_lists_the_templates_steps_in_order_with_answers(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, _rep, store = signed_in_with_templates(app_client, world, session)
    phone = Phone()
    visit = Visit(app_client, phone, store, template_id, day="2026-11-24")
    visit.arrive(store.lat, store.lng)
    # Three steps done, the check-in still open: the item lists the template's steps, in its order.
    for step in ("display", "competitors", "materials"):
        assert visit.complete(step)["status"] == "applied"
    sup = _signed_in(settings, world.east.supervisor.username)
    detail = sup.get(f"/api/review/{visit.id}").json()
    assert [s["step"] for s in detail["steps"]] == ["display", "competitors", "materials", "checkin"]
    display = detail["steps"][0]
    assert display["name"] == "陈列检查" and display["name_en"] == "Display check" and display["status"] == "done"
    facings = next(a for a in display["answers"] if a["key"] == "facings")
    assert facings["value"] == {"BEV-001": 4} and facings["label_en"] == "Own SKU facings"
    materials = detail["steps"][2]
    assert next(a for a in materials["answers"] if a["key"] == "placed")["value"] == {"POSM-001": 2}
    assert detail["steps"][3]["status"] is None and detail["steps"][3]["answers"] == []  # not done
    assert detail["reviewable"] is False  # not checked out yet
