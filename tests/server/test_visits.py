"""Visits through sync: steps in order, exceptions with reasons, geofence, scores per template version."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.audit.models import AuditEntry
from server.visits.service import ensure_default_templates
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import Phone
from tests.visithelp import Visit, answers, template


def _start(app_client: TestClient, world: World, session: Session) -> tuple[Visit, Any]:
    ensure_default_templates(session)
    session.commit()
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    return Visit(app_client, Phone(), store, template(app_client)["id"]), store


def test_steps_complete_only_in_order(app_client: TestClient, world: World, session: Session) -> None:
    visit, store = _start(app_client, world, session)
    assert visit.arrive(store.lat, store.lng)["status"] == "applied"
    early = visit.complete("materials")
    assert early["status"] == "rejected" and early["code"] == "step_locked"
    assert "Display check" in early["detail"] and "exception" in early["detail"]
    incomplete = visit.complete("display", {**answers("display"), "shelf_photos": []})
    assert incomplete["status"] == "rejected" and incomplete["code"] == "step_incomplete"
    assert "Cooler / shelf photos" in incomplete["detail"]
    for step in ("display", "competitors", "materials", "checkin"):
        assert visit.complete(step)["status"] == "applied", step
    again = visit.complete("display")
    assert again["code"] == "step_exists"
    assert visit.checkout()["status"] == "applied"
    record = visit.record()["fields"]
    assert record["score"] == 100 and record["max_score"] == 100 and record["minutes_on_site"] == 23


def test_an_exception_needs_a_reason_and_is_audited(app_client: TestClient, world: World, session: Session) -> None:
    visit, store = _start(app_client, world, session)
    visit.arrive(store.lat, store.lng)
    for bad in (None, {"reason": "store_closed"}, {"reason": "bored", "note": "x"}, {"reason": "other", "note": " "}):
        refused = visit.except_("display", bad)
        assert refused["status"] == "rejected" and refused["code"] == "exception_needs_reason", bad
    ok = visit.except_("display", {"reason": "owner_refused", "note": "老板不让拍冰柜"})
    assert ok["status"] == "applied"
    assert visit.complete("competitors")["status"] == "applied"  # the exception unlocked the next step
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "step.except")).all()
    assert len(entries) == 5
    accepted = [e for e in entries if e.changes["status"] == "applied"]
    assert len(accepted) == 1 and accepted[0].user_id == world.east.reps[0].id
    assert accepted[0].changes["fields"]["exception"] == {"reason": "owner_refused", "note": "老板不让拍冰柜"}
    # An excepted step scores nothing.
    for step in ("materials", "checkin"):
        visit.complete(step)
    visit.checkout()
    assert visit.record()["fields"]["score"] == 70


def test_arriving_2_km_away_flags_the_visit(app_client: TestClient, world: World, session: Session) -> None:
    visit, store = _start(app_client, world, session)
    visit.arrive(store.lat + 0.018, store.lng)  # ~2 km north
    fields = visit.record()["fields"]
    assert fields["inside_geofence"] is False and 1900 < fields["distance_m"] < 2100
    assert "outside_geofence" in fields["server_flags"]
    near = Visit(app_client, visit.phone, store, visit.template_id)
    near.arrive(store.lat + 0.0005, store.lng)  # ~55 m
    assert near.record()["fields"]["inside_geofence"] is True
    denied = Visit(app_client, visit.phone, store, visit.template_id)
    denied.push(
        visit.phone.op(
            "visit.arrive",
            denied.id,
            {
                "store_id": store.id,
                "template_id": visit.template_id,
                "day": "2026-11-24",
                "arrived_at": "2026-11-24T11:00:00+08:00",
                "arrival": None,
                "status": "arrived",
            },
        )
    )
    assert denied.record()["fields"]["server_flags"] == ["location_missing"]
    # A phone cannot write the server's verdict.
    forged = app_client.post(
        "/api/sync/push", json=visit.phone.batch(visit.phone.op("visit.flag", visit.id, {"inside_geofence": True}))
    )
    assert forged.status_code == 200
    assert forged.json()["results"][0] | {"op_id": None} == {
        "seq": forged.json()["last_seq"],
        "op_id": None,
        "status": "rejected",
        "code": "server_owned",
        "detail": "visit.inside_geofence is written by the server only",
    }
    assert visit.record()["fields"]["inside_geofence"] is False


def test_a_template_change_does_not_alter_past_scores(app_client: TestClient, world: World, session: Session) -> None:
    visit, store = _start(app_client, world, session)
    visit.arrive(store.lat, store.lng)
    for step in ("display", "competitors", "materials", "checkin"):
        visit.complete(step)
    visit.checkout()
    assert visit.record()["fields"]["score"] == 100
    old_id = visit.template_id
    # An admin doubles the display step's points: a new version.
    sign_in(app_client, world.admin.username)
    spec = template(app_client)
    body = {
        "code": "standard",
        "name": spec["name"],
        "name_en": spec["name_en"],
        "channels": spec["channels"],
        "steps": [{**s, "points": s["points"] * 2 if s["key"] == "display" else s["points"]} for s in spec["steps"]],
    }
    new = app_client.post("/api/admin/templates", json=body).json()
    assert new["version"] == 2 and new["id"] != old_id
    assert app_client.get(f"/api/templates/{old_id}").json()["active"] is False
    versions = [(t["code"], t["version"]) for t in app_client.get("/api/templates", params={"all": "true"}).json()]
    assert ("standard", 1) in versions and ("standard", 2) in versions
    assert ("standard", 1) not in [(t["code"], t["version"]) for t in app_client.get("/api/templates").json()]
    sign_in(app_client, world.east.reps[0].username)
    assert visit.record()["fields"]["score"] == 100  # untouched
    later = Visit(app_client, visit.phone, store, new["id"])
    later.arrive(store.lat, store.lng)
    for step in ("display", "competitors", "materials", "checkin"):
        later.complete(step)
    later.checkout()
    assert later.record()["fields"]["score"] == 130


def test_templates_are_validated_and_admin_only(app_client: TestClient, world: World, session: Session) -> None:
    ensure_default_templates(session)
    session.commit()
    sign_in(app_client, world.east.reps[0].username)
    good = {
        "code": "mini",
        "name": "简版",
        "steps": [
            {
                "key": "checkin",
                "name": "打卡",
                "points": 10,
                "fields": [{"key": "storefront", "type": "photos", "label": "门头", "min": 1, "max": 1}],
            }
        ],
    }
    assert app_client.post("/api/admin/templates", json=good).status_code == 403
    sign_in(app_client, world.admin.username)
    assert app_client.post("/api/admin/templates", json=good).status_code == 201
    bad = {**good, "steps": [{**good["steps"][0], "fields": [{"key": "x", "type": "choice", "label": "?"}]}]}
    response = app_client.post("/api/admin/templates", json=bad)
    assert response.status_code == 400 and "choice needs options" in response.text
    codes = {t["code"] for t in app_client.get("/api/templates").json()}
    assert codes == {"standard", "liquor", "mini"}
    liquor = template(app_client, "liquor")
    assert [s["key"] for s in liquor["steps"]] == ["display", "competitors", "owner_interview", "materials", "checkin"]


def test_allocations_reach_only_their_reps_phone(app_client: TestClient, world: World, session: Session) -> None:
    from server.catalog.models import Material, MaterialAllocation
    from server.catalog.publish import publish_allocations

    poster = Material(code="POSM-001", name="海报", name_en="Poster")
    session.add(poster)
    session.flush()
    mine, other = world.east.reps[0], world.west.reps[0]
    for rep, qty in ((mine, 20), (other, 7)):
        session.add(MaterialAllocation(rep_id=rep.id, material_id=poster.id, period="2026-11", quantity=qty))
    session.flush()
    publish_allocations(session)
    session.commit()
    sign_in(app_client, mine.username)
    changes = app_client.get("/api/sync/pull").json()["changes"]
    allocations = [c["fields"] for c in changes if c["collection"] == "allocation"]
    assert allocations == [{"material_code": "POSM-001", "period": "2026-11", "quantity": 20}]


def test_materials_beyond_the_allocation_are_applied_and_flagged(
    app_client: TestClient, world: World, session: Session
) -> None:
    """The phone stops a rep at the allocation; a phone that did not (an old app, two phones) is
    not refused — its visit must still check out and its queue go on — but the step is flagged."""
    from server.catalog.models import Material, MaterialAllocation

    poster = Material(code="POSM-001", name="海报", name_en="Poster")
    session.add(poster)
    session.flush()
    session.add(MaterialAllocation(rep_id=world.east.reps[0].id, material_id=poster.id, period="2026-11", quantity=3))
    session.commit()
    first, store = _start(app_client, world, session)
    phone = first.phone
    flags = {}
    for visit, placed in ((first, 2), (Visit(app_client, phone, store, first.template_id, day="2026-11-25"), 2)):
        assert visit.arrive(store.lat, store.lng)["status"] == "applied"
        for step in ("display", "competitors"):
            assert visit.complete(step)["status"] == "applied"
        given = {**answers("materials"), "placed": {"POSM-001": placed}}
        assert visit.complete("materials", given)["status"] == "applied"
        assert visit.complete("checkin")["status"] == "applied"
        assert visit.checkout()["status"] == "applied"  # nothing stalls behind it
        changes = app_client.get("/api/sync/pull").json()["changes"]
        step = next(
            c["fields"]
            for c in changes
            if c["collection"] == "step" and c["fields"]["visit_id"] == visit.id and c["fields"]["step"] == "materials"
        )
        flags[visit.day] = step["server_flags"]
    assert flags == {"2026-11-24": [], "2026-11-25": ["over_allocation"]}  # 2 of 3, then 4 of 3
