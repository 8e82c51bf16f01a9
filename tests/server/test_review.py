"""The supervisor's side on the server: the rep's end-of-day confirmation and reasons for later
changes, the review queue (scope, filters, previous photo, thumbnails, decisions reaching the
rep), the photo job's flags with real tesseract, the dashboard's figures and CSV exports."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from typing import Any

from litestar.testing import TestClient
from PIL import Image
from sqlmodel import Session, select

from server.audit.models import AuditEntry
from server.jobs.worker import run_pending
from server.review.models import KeyAction, VisitReview
from server.settings import Settings
from sync import uuid7
from tests.claimhelp import jpeg, material_photo
from tests.conftest import make_client, sign_in
from tests.factories import World
from tests.synchelp import Phone, upload
from tests.visithelp import Visit, signed_in_with_templates


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checkin_photo(store_name: str, day: str, seed: int) -> bytes:
    return jpeg(material_photo(seed, store_name, datetime.fromisoformat(f"{day}T10:05:00")))


def load_visit(
    client: TestClient, phone: Phone, store: Any, template_id: str, day: str, photo: bytes, *, far: bool = False
) -> Visit:
    """A whole visit synced with its check-in photo; ``far`` arrives 2 km from the store."""
    visit = Visit(client, phone, store, template_id, day=day)
    assert visit.arrive(store.lat + (0.02 if far else 0), store.lng)["status"] == "applied"
    for step in ("display", "competitors", "materials"):
        assert visit.complete(step)["status"] == "applied", step
    sha = _sha(photo)
    assert upload(client, photo).status_code == 200
    checkin = {"storefront": [sha], "captures": {sha: {"at": f"{day}T02:05:00Z", "width": 1280, "height": 960}}}
    assert visit.complete("checkin", checkin)["status"] == "applied"
    assert visit.checkout()["status"] == "applied"
    return visit


def _confirm(client: TestClient, phone: Phone, day: str, at: str | None = None, **summary: Any) -> dict[str, Any]:
    fields = {"day": day, "confirmed_at": at or f"{day}T18:02:00+08:00", "summary": summary}
    response = client.post("/api/sync/push", json=phone.batch(phone.op("day.confirm", uuid7(), fields)))
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def _signed_in(settings: Settings, username: str) -> TestClient:
    """Another person's browser on the same server."""
    client = make_client(settings)
    sign_in(client, username)
    return client


_setup = signed_in_with_templates


def test_a_confirmed_day_changes_only_with_a_reason(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = _setup(app_client, world, session)
    phone = Phone()
    visit = Visit(app_client, phone, store, template_id)
    assert visit.arrive(store.lat, store.lng)["status"] == "applied"
    assert visit.complete("display")["status"] == "applied"
    assert _confirm(app_client, phone, "2026-11-24", planned=3, visited=1, missed=2, unsynced=0)["status"] == "applied"
    again = _confirm(app_client, Phone(), "2026-11-24")  # the same rep's other phone
    assert again["status"] == "rejected" and again["code"] == "already_confirmed"
    bad = _confirm(app_client, phone, "2026-13-01", at="2026-11-24T18:02:00+08:00")
    assert bad["status"] == "rejected" and bad["code"] == "bad_day"
    future = _confirm(app_client, phone, "2026-11-27", at="2026-11-24T18:02:00+08:00")
    assert future["status"] == "rejected" and future["code"] == "bad_day"
    # A time outside the window around the server's day, or one without its zone, does not fit.
    for at in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00Z", "2026-11-24T18:02:00"):
        odd = _confirm(app_client, phone, "2026-11-23", at=at)
        assert odd["status"] == "rejected" and odd["code"] in {"bad_time", "invalid_operation"}, at
    forged = _confirm(app_client, phone, "2026-11-23", changed_after=5)  # the server writes that key
    assert forged["status"] == "rejected" and forged["code"] == "invalid_operation"

    late = visit.complete("competitors")
    assert late["status"] == "rejected" and late["code"] == "day_confirmed" and "2026-11-24" in late["detail"]
    with_reason = visit.complete("competitors", reason="店主回来了，补扫竞品")
    assert with_reason["status"] == "applied"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "step.complete")).all()[-1]
    assert entry.changes["reason"] == "店主回来了，补扫竞品"
    # Another day is not affected.
    other = Visit(app_client, phone, store, template_id, day="2026-11-23")
    assert other.arrive(store.lat, store.lng)["status"] == "applied"

    # Confirming and then changing the same day within one batch: the change needs a reason too.
    late = Visit(app_client, phone, store, template_id, day="2026-11-22")
    confirm = phone.op("day.confirm", uuid7(), {"day": "2026-11-22", "confirmed_at": "2026-11-22T18:00:00+08:00"})
    arrive = phone.op(
        "visit.arrive",
        late.id,
        {"store_id": store.id, "template_id": template_id, "day": "2026-11-22", "arrived_at": "2026-11-22T19:00:00Z"}
        | {"status": "arrived"},
    )
    both = app_client.post("/api/sync/push", json=phone.batch(confirm, arrive)).json()["results"]
    assert [r["status"] for r in both] == ["applied", "rejected"] and both[1]["code"] == "day_confirmed"

    supervisor = _signed_in(settings, world.east.supervisor.username)
    todo = supervisor.get("/api/team/confirmations?day=2026-11-24").json()
    mine = next(r for r in todo["reps"] if r["rep"]["id"] == rep.id)
    other_rep = next(r for r in todo["reps"] if r["rep"]["id"] != rep.id)
    assert mine["confirmed"] and mine["summary"]["visited"] == 1 and mine["visits_on_server"] == 1
    assert mine["summary"]["changed_after"][0]["reason"] == "店主回来了，补扫竞品"
    assert not other_rep["confirmed"] and todo["confirmed"] == 1 and todo["total"] == 2
    assert todo["reps"][0]["confirmed"] is False  # who has not confirmed comes first
    # A supervisor cannot confirm a day; a supervisor of another team does not see this one.
    assert _confirm(supervisor, Phone(), "2026-11-24")["code"] == "not_your_role"
    west = _signed_in(settings, world.west.supervisor.username)
    assert all(r["rep"]["id"] != rep.id for r in west.get("/api/team/confirmations?day=2026-11-24").json()["reps"])


def test_review_queue_scope_filters_previous_photo_and_decisions(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = _setup(app_client, world, session)
    phone = Phone()
    older = load_visit(app_client, phone, store, template_id, "2026-11-20", _checkin_photo(store.name, "2026-11-20", 1))
    newer = load_visit(
        app_client, phone, store, template_id, "2026-11-24", _checkin_photo(store.name, "2026-11-24", 2), far=True
    )
    other_store = world.east.stores[rep.username][1]
    third = load_visit(
        app_client, phone, other_store, template_id, "2026-11-23", _checkin_photo(other_store.name, "2026-11-23", 3)
    )
    run_pending(settings)  # the photo job: watermark, light, hashes, thumbnails

    # A rep cannot open the queue; another team's supervisor sees none of it.
    assert app_client.get("/api/review").status_code == 403
    west = _signed_in(settings, world.west.supervisor.username)
    assert west.get("/api/review?status=all").json()["items"] == []
    assert west.get(f"/api/review/{newer.id}").status_code == 404
    refused = west.post("/api/review/decisions", json={"action": "approve", "visit_ids": [newer.id]})
    assert refused.status_code == 404
    assert session.get(VisitReview, newer.id).status == "pending"  # type: ignore[union-attr]

    sup = _signed_in(settings, world.east.supervisor.username)
    page = sup.get("/api/review").json()
    assert [i["visit_id"] for i in page["items"]] == [newer.id, third.id, older.id]  # newest first
    assert page["counts"]["all"] == 3 and page["counts"]["outside_geofence"] == 1
    flagged = sup.get("/api/review?flag=outside_geofence").json()["items"]
    assert [i["visit_id"] for i in flagged] == [newer.id]
    item = flagged[0]
    assert "outside_geofence" in item["flags"] and item["inspected"]
    assert item["previous"]["visit_id"] == older.id and item["previous"]["thumb"].endswith("/thumb/s")
    assert item["capture"]["server"]["watermark"]["place"]  # read back by tesseract
    assert [i["visit_id"] for i in sup.get(f"/api/review?day=2026-11-23&rep={rep.id}").json()["items"]] == [third.id]
    assert [i["visit_id"] for i in sup.get(f"/api/review?store={other_store.code}").json()["items"]] == [third.id]
    two = sup.get("/api/review?limit=2").json()
    rest = sup.get("/api/review", params={"limit": 2, "before": two["next"]}).json()
    assert [i["visit_id"] for i in two["items"] + rest["items"]] == [newer.id, third.id, older.id]
    assert rest["next"] is None
    assert sup.get("/api/review?before=nonsense").status_code == 400
    assert sup.get("/api/review?flag=haunted").status_code == 400

    # Thumbnails: small JPEGs, cached, for those who may see the photo.
    thumb = sup.get(item["thumb"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) == 240
    assert len(thumb.content) < 30_000
    assert sup.get(item["large"]).status_code == 200
    assert west.get(item["thumb"]).status_code == 404
    assert sup.get(item["thumb"].replace("/s", "/huge")).status_code == 404

    detail = sup.get(f"/api/review/{newer.id}").json()
    assert detail["distance_m"] > 1000 and [s["step"] for s in detail["steps"]][-1] == "checkin"

    # Reject one with a reason; the rep's phone gets it at the next pull.
    no_reason = sup.post("/api/review/decisions", json={"action": "reject", "visit_ids": [newer.id]})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    other_without_comment = {"action": "reject", "visit_ids": [newer.id], "reason": "other"}
    assert sup.post("/api/review/decisions", json=other_without_comment).status_code == 400
    assert (
        sup.post(
            "/api/review/decisions", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    rejected = sup.post(
        "/api/review/decisions",
        json={"action": "reject", "visit_ids": [newer.id], "reason": "not_at_store", "comment": "离店2公里打卡"},
    )
    assert rejected.status_code == 200 and rejected.json()["decided"] == [newer.id]
    again = sup.post("/api/review/decisions", json={"action": "approve", "visit_ids": [newer.id]})
    assert again.status_code == 409
    # Approve the filtered batch: everything still pending for this rep.
    batch = sup.post("/api/review/decisions", json={"action": "approve", "filter": {"rep": rep.id}}).json()
    assert sorted(batch["decided"]) == sorted([older.id, third.id])
    assert sup.get("/api/review").json()["items"] == []
    assert sup.get("/api/review?status=rejected").json()["items"][0]["reason"] == "not_at_store"

    record = app_client.get(f"/api/sync/records/visit/{newer.id}").json()["fields"]
    assert record["review"]["status"] == "rejected" and record["review"]["comment"] == "离店2公里打卡"
    pulled = app_client.get("/api/sync/pull?cursor=0&limit=2000").json()
    visits = {c["id"]: c for c in pulled["changes"] if c["collection"] == "visit"}
    assert visits[older.id]["fields"]["review"]["status"] == "approved"


def test_the_photo_job_flags_reused_and_mismatched_photos(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = _setup(app_client, world, session)
    phone = Phone()
    photo = _checkin_photo(store.name, "2026-11-23", 7)
    first = load_visit(app_client, phone, store, template_id, "2026-11-23", photo)
    other_store = world.east.stores[rep.username][2]
    reused = load_visit(app_client, phone, other_store, template_id, "2026-11-24", photo)
    elsewhere = load_visit(
        app_client, phone, store, template_id, "2026-11-24", _checkin_photo("金龙大酒店", "2026-11-24", 8)
    )
    run_pending(settings)
    session.expire_all()

    def flags(visit: Visit) -> list[str]:
        return session.get(VisitReview, visit.id).flags  # type: ignore[union-attr]

    assert flags(first) == []
    # The same picture again, two stores and a day later.
    assert {"recycled_photo", "watermark_time_mismatch"} <= set(flags(reused)), flags(reused)
    assert flags(elsewhere) == ["watermark_store_mismatch"]
    sup = _signed_in(settings, world.east.supervisor.username)
    counts = sup.get("/api/review").json()["counts"]
    assert counts["recycled_photo"] == 1 and counts["watermark_mismatch"] == 2 and counts["any"] == 2

    # A recording is not a photo: its thumbnail is refused clearly, nothing else breaks.
    from tests.server.test_blobs import _recording

    audio = _recording(2000)
    assert upload(app_client, audio).status_code == 200
    assert app_client.get(f"/api/blobs/{_sha(audio)}/thumb/s").status_code == 422


def test_dashboard_figures_and_csv_exports(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = _setup(app_client, world, session)
    phone = Phone()
    visit = Visit(app_client, phone, store, template_id, day="2026-11-24")
    visit.arrive(store.lat, store.lng)
    for step in ("display", "competitors", "materials"):
        visit.complete(step)
    excepted = visit.except_("checkin", {"reason": "owner_refused", "note": "老板不让拍门头"})
    assert excepted["status"] == "applied"
    # A note two hours after arriving (on time), another 30 hours later (late).
    for hours, text in ((2, "冰柜门坏了"), (30, "补记：店主要求加货")):
        note = phone.op("note.create", uuid7(), {"store_id": store.id, "text": text})
        note["client_time"] = f"2026-11-{24 + hours // 24:02d}T{10 + hours % 24:02d}:00:00+08:00"
        assert app_client.post("/api/sync/push", json=phone.batch(note)).json()["results"][0]["status"] == "applied"
    _confirm(app_client, phone, "2026-11-24", visited=1)
    kinds = sorted((a.kind, a.done, a.lag_minutes) for a in session.exec(select(KeyAction)))
    assert (
        kinds == [("note", True, 120), ("note", True, 30 * 60)] + [("step", False, None)] + [("step", True, None)] * 3
    )

    sup = _signed_in(settings, world.east.supervisor.username)
    board = sup.get("/api/team/dashboard?from=2026-11-18&to=2026-11-24").json()
    assert board["ontime"]["actions"] == 6 and board["ontime"]["on_time"] == 4  # 3 steps + the prompt note
    assert board["ontime"]["by_kind"]["note"] == {"actions": 2, "on_time": 1}
    assert board["definition"]["note_hours"] == 24 and board["definition"]["healthy"] == 0.92
    cell = next(c for c in board["heat"] if c["rep"] == rep.id and c["day"] == "2026-11-24")
    assert cell["actions"] == 6 and cell["on_time"] == 4 and cell["visits"] == 1 and cell["confirmed"]
    today = next(c for c in board["coverage"] if c["day"] == "2026-11-24")
    assert today["covered"] <= today["planned"]
    assert sup.get("/api/team/dashboard?from=2026-11-24&to=2026-11-01").status_code == 400
    assert sup.get("/api/team/dashboard?from=2026-01-01&to=2026-11-24").status_code == 400
    assert app_client.get("/api/team/dashboard").status_code == 403  # a rep

    exported = sup.get("/api/team/export/visits.csv?from=2026-11-20&to=2026-11-24")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["store_code"] == store.code and "exception_taken" in rows[0]["flags"]
    confirmations = sup.get("/api/team/export/confirmations?from=2026-11-20&to=2026-11-24").content
    assert "2026-11-24" in confirmations.decode("utf-8-sig") and rep.username in confirmations.decode("utf-8-sig")
    assert sup.get("/api/team/export/secrets").status_code == 400


def test_a_check_in_photo_of_another_stores_sign_is_flagged(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    """The shop sign read by RapidOCR (the real engine), matched against the rep's stores: a photo
    of the rep's other store's front is ``sign_mismatch``, with what the sign says; the store's
    own front is not, even though the watermark band names the store either way."""
    import random

    from ocr.signsynth import make_storefront

    template_id, rep, store = _setup(app_client, world, session)
    other = world.east.stores[rep.username][2]
    store.name, other.name = "鑫盛副食店", "华联超市"
    session.add(store)
    session.add(other)
    session.commit()
    phone = Phone()
    own_front, _ = make_storefront(random.Random(3), "鑫盛副食店")
    other_front, _ = make_storefront(random.Random(4), "华联超市")
    mine = load_visit(app_client, phone, store, template_id, "2026-11-23", own_front)
    wrong = load_visit(app_client, phone, store, template_id, "2026-11-24", other_front)
    run_pending(settings)
    session.expire_all()
    got_mine, got_wrong = session.get(VisitReview, mine.id), session.get(VisitReview, wrong.id)
    assert got_mine is not None and got_wrong is not None
    assert "sign_mismatch" not in got_mine.flags, got_mine.flags
    assert "sign_mismatch" in got_wrong.flags, got_wrong.flags
    sign = (got_wrong.capture or {})["server"]["sign"]
    assert sign["texts"][0] == "华联超市" and sign["match"]["id"] == other.id
    sup = _signed_in(settings, world.east.supervisor.username)
    listed = sup.get("/api/review?flag=sign_mismatch").json()
    assert [i["visit_id"] for i in listed["items"]] == [wrong.id] and listed["counts"]["sign_mismatch"] == 1
