"""The admin console's people and places: users (list, edit, disable, reset password), regions and
teams, and the speech/OCR status. Admins only; bad input is a clear 4xx; every change is audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from server.accounts.models import AuthSession, User
from server.audit.models import AuditEntry
from server.settings import Settings
from tests.conftest import PASSWORD, make_client, sign_in
from tests.factories import World

NEW_PASSWORD = "Lantern-Quay-4417"


@contextmanager
def client_as(settings: Settings, username: str, password: str = PASSWORD) -> Iterator[TestClient]:
    with make_client(settings) as client:
        sign_in(client, username, password)
        yield client


def _audit(session: Session, entity_id: str) -> list[tuple[str, dict]]:
    session.expire_all()
    rows = session.exec(select(AuditEntry).where(AuditEntry.entity_id == entity_id).order_by(AuditEntry.id))  # type: ignore[arg-type]
    return [(e.action, e.changes) for e in rows if e.action != "login"]


def test_only_an_admin_reaches_the_console(settings: Settings, world: World) -> None:
    user = world.east.reps[0]
    calls = [
        ("GET", "/api/admin/users", None),
        ("PATCH", f"/api/admin/users/{user.id}", {"display_name": "x"}),
        ("POST", f"/api/admin/users/{user.id}/password", {"password": NEW_PASSWORD}),
        ("GET", "/api/admin/teams", None),
        ("POST", "/api/admin/regions", {"code": "XX", "name": "新区"}),
        ("PATCH", f"/api/admin/regions/{world.east.region.id}", {"name": "新区"}),
        ("POST", "/api/admin/teams", {"name": "新队", "region_id": world.east.region.id}),
        ("PATCH", f"/api/admin/teams/{world.east.team.id}", {"name": "新队"}),
        ("GET", "/api/admin/status", None),
    ]
    for username in (user.username, world.east.supervisor.username, world.finance.username):
        with client_as(settings, username) as client:
            for method, path, body in calls:
                answer = client.request(method, path, json=body)
                assert answer.status_code == 403, (username, method, path, answer.text)
                assert answer.json()["code"] == "forbidden"
    with make_client(settings) as anonymous:
        assert anonymous.get("/api/admin/users").status_code == 401


def test_the_user_list_filters_and_pages(settings: Settings, world: World) -> None:
    with client_as(settings, world.admin.username) as admin:
        everyone = admin.get("/api/admin/users").json()
        assert everyone["total"] == 8 and [u["username"] for u in everyone["items"]] == sorted(
            u["username"] for u in everyone["items"]
        )
        assert {"id", "username", "display_name", "role", "team_id", "active"} <= set(everyone["items"][0])
        assert "password_hash" not in everyone["items"][0]
        reps = admin.get("/api/admin/users", params={"role": "rep", "team_id": world.east.team.id}).json()
        assert {u["id"] for u in reps["items"]} == {r.id for r in world.east.reps}
        page = admin.get("/api/admin/users", params={"limit": 3, "offset": 3}).json()
        assert len(page["items"]) == 3 and page["total"] == 8
        one = admin.get("/api/admin/users", params={"q": world.east.reps[1].username}).json()
        assert [u["id"] for u in one["items"]] == [world.east.reps[1].id]
        assert admin.get("/api/admin/users", params={"q": "%_"}).json()["total"] == 0
        for bad in ({"role": "boss"}, {"limit": 0}, {"offset": -1}, {"active": "maybe"}):
            answer = admin.get("/api/admin/users", params=bad)
            assert answer.status_code == 400, (bad, answer.text)


def test_admin_creates_and_edits_a_user_with_audit(settings: Settings, world: World, session: Session) -> None:
    with client_as(settings, world.admin.username) as admin:
        created = admin.post(
            "/api/admin/users",
            json={"username": "newrep", "password": NEW_PASSWORD, "role": "rep", "team_id": world.east.team.id},
        )
        assert created.status_code == 201, created.text
        uid = created.json()["id"]
        edited = admin.patch(
            f"/api/admin/users/{uid}", json={"display_name": "  王小明 ", "team_id": world.west.team.id}
        )
        assert edited.status_code == 200, edited.text
        assert (edited.json()["display_name"], edited.json()["team_id"]) == ("王小明", world.west.team.id)
        promoted = admin.patch(f"/api/admin/users/{uid}", json={"role": "supervisor"})
        assert promoted.json()["role"] == "supervisor"
        # nothing changed: nothing audited
        assert admin.patch(f"/api/admin/users/{uid}", json={"role": "supervisor"}).status_code == 200
    actions = _audit(session, uid)
    assert [a for a, _ in actions] == ["create", "update", "update"]
    assert actions[1][1]["display_name"] == ["newrep", "王小明"]
    assert actions[1][1]["team_id"] == [world.east.team.id, world.west.team.id]
    assert actions[2][1]["role"] == ["rep", "supervisor"]


def test_bad_user_edits_are_clear_4xx(settings: Settings, world: World) -> None:
    rep = world.east.reps[0]
    with client_as(settings, world.admin.username) as admin:
        cases = [
            (f"/api/admin/users/{rep.id}", {"role": "boss"}, 400, "validation_failed"),
            (f"/api/admin/users/{rep.id}", {"role": None}, 400, "invalid_input"),
            (f"/api/admin/users/{rep.id}", {"active": None}, 400, "invalid_input"),
            (f"/api/admin/users/{rep.id}", {"team_id": "no-such-team"}, 400, "unknown_team"),
            (f"/api/admin/users/{rep.id}", {"team_id": None}, 400, "team_required"),
            (f"/api/admin/users/{rep.id}", {"team_id": ""}, 400, "team_required"),
            (f"/api/admin/users/{rep.id}", {"display_name": "x" * 101}, 400, "validation_failed"),
            (f"/api/admin/users/{rep.id}", {"role": "finance"}, 409, "rep_has_stores"),
            (f"/api/admin/users/{world.admin.id}", {"active": False}, 409, "own_account"),
            (f"/api/admin/users/{world.admin.id}", {"role": "finance"}, 409, "own_account"),
            ("/api/admin/users/nobody", {"display_name": "x"}, 404, "not_found"),
        ]
        for path, body, status, code in cases:
            answer = admin.patch(path, json=body)
            assert (answer.status_code, answer.json()["code"]) == (status, code), (body, answer.text)
            assert answer.json()["detail"]
        assert (
            admin.patch(
                f"/api/admin/users/{rep.id}", content=b"{", headers={"content-type": "application/json"}
            ).status_code
            == 400
        )
        # finance needs no team
        moved = admin.patch(f"/api/admin/users/{world.finance.id}", json={"team_id": None})
        assert moved.status_code == 200 and moved.json()["team_id"] is None


def test_a_disabled_user_cannot_sign_in_and_their_sessions_end(
    settings: Settings, world: World, session: Session
) -> None:
    rep = world.west.reps[0]
    with client_as(settings, rep.username) as phone, client_as(settings, world.admin.username) as admin:
        assert phone.get("/api/me").status_code == 200
        disabled = admin.patch(f"/api/admin/users/{rep.id}", json={"active": False})
        assert disabled.status_code == 200 and disabled.json()["active"] is False
        assert phone.get("/api/me").status_code == 401
        assert phone.post("/api/auth/login", json={"username": rep.username, "password": PASSWORD}).status_code == 401
        assert admin.get("/api/admin/users", params={"active": False}).json()["items"][0]["id"] == rep.id
        enabled = admin.patch(f"/api/admin/users/{rep.id}", json={"active": True})
        assert enabled.json()["active"] is True
        sign_in(phone, rep.username)
    session.expire_all()
    actions = _audit(session, rep.id)
    assert [a for a, _ in actions] == ["disable", "enable"]
    assert actions[0][1] == {"active": [True, False], "sessions_ended": 1}


def test_reset_password_applies_the_policy_and_ends_old_sessions(
    settings: Settings, world: World, session: Session
) -> None:
    rep = world.east.reps[1]
    with client_as(settings, rep.username) as phone, client_as(settings, world.admin.username) as admin:
        for weak, reason in (
            ("short", "too_short"),
            (f"{rep.username}-longer-1", "like_username"),
            ("password123", "common"),
        ):
            answer = admin.post(f"/api/admin/users/{rep.id}/password", json={"password": weak})
            assert answer.status_code == 400 and answer.json()["code"] == "weak_password", answer.text
            assert answer.json()["extra"]["reason"] == reason
        assert admin.post(f"/api/admin/users/{rep.id}/password", json={}).status_code == 400
        assert admin.post("/api/admin/users/nobody/password", json={"password": NEW_PASSWORD}).status_code == 404
        assert phone.get("/api/me").status_code == 200  # a refused reset changed nothing
        done = admin.post(f"/api/admin/users/{rep.id}/password", json={"password": NEW_PASSWORD})
        assert done.status_code == 200, done.text
        assert done.json()["sessions_ended"] == 1
        assert phone.get("/api/me").status_code == 401
        assert phone.post("/api/auth/login", json={"username": rep.username, "password": PASSWORD}).status_code == 401
        sign_in(phone, rep.username, NEW_PASSWORD)
    session.expire_all()
    assert session.exec(select(AuthSession).where(AuthSession.user_id == rep.id)).all()
    actions = _audit(session, rep.id)
    assert actions == [("password_reset", {"sessions_ended": 1})]
    assert NEW_PASSWORD not in str(actions)


def test_a_rep_moving_team_takes_their_stores(settings: Settings, world: World) -> None:
    rep = world.east.reps[0]
    store_ids = {s.id for s in world.east.stores[rep.username]}
    with client_as(settings, world.admin.username) as admin:
        assert admin.patch(f"/api/admin/users/{rep.id}", json={"team_id": world.west.team.id}).status_code == 200
    with client_as(settings, world.west.supervisor.username) as west:
        seen = {s["id"] for s in west.get("/api/stores", params={"limit": 100}).json()["items"]}
        pulled = west.get("/api/sync/pull", params={"cursor": 0, "limit": 5000}).json()
    assert store_ids <= seen
    assert store_ids <= {c["id"] for c in pulled["changes"] if c["collection"] == "store"}
    with client_as(settings, world.east.supervisor.username) as east:
        seen = {s["id"] for s in east.get("/api/stores", params={"limit": 100}).json()["items"]}
    assert not store_ids & seen


def test_regions_and_teams(settings: Settings, world: World, session: Session) -> None:
    with client_as(settings, world.admin.username) as admin:
        listing = admin.get("/api/admin/teams").json()
        regions = {r["id"]: r for r in listing["regions"]}
        east = next(t for t in regions[world.east.region.id]["teams"] if t["id"] == world.east.team.id)
        assert east["reps"] == 2 and [s["id"] for s in east["supervisors"]] == [world.east.supervisor.id]
        assert east["name_en"] and east["name"]

        region = admin.post("/api/admin/regions", json={"code": "GY", "name": "广元", "name_en": "Guangyuan"})
        assert region.status_code == 201, region.text
        rid = region.json()["id"]
        assert (
            admin.post("/api/admin/regions", json={"code": "GY", "name": "又一个"}).json()["code"] == "duplicate_code"
        )
        assert admin.post("/api/admin/regions", json={"code": "G2", "name": "  "}).json()["code"] == "name_required"
        assert admin.post("/api/admin/regions", json={"code": "G3", "name": "a\nb"}).json()["code"] == "invalid_name"
        assert admin.post("/api/admin/regions", json={"code": "G4"}).status_code == 400
        renamed = admin.patch(f"/api/admin/regions/{rid}", json={"name_en": "Guangyuan City"})
        assert renamed.json()["name_en"] == "Guangyuan City" and renamed.json()["name"] == "广元"
        assert admin.patch("/api/admin/regions/none", json={"name": "x"}).status_code == 404

        team = admin.post("/api/admin/teams", json={"name": "广元一队", "name_en": "Guangyuan 1", "region_id": rid})
        assert team.status_code == 201, team.text
        tid = team.json()["id"]
        assert (
            admin.post("/api/admin/teams", json={"name": "x", "region_id": "none"}).json()["code"] == "unknown_region"
        )
        answer = admin.patch(f"/api/admin/teams/{tid}", json={"supervisor_id": world.east.reps[0].id})
        assert (answer.status_code, answer.json()["code"]) == (400, "not_a_supervisor")
        assert admin.patch(f"/api/admin/teams/{tid}", json={"region_id": "none"}).json()["code"] == "unknown_region"
        assert admin.patch("/api/admin/teams/none", json={"name": "x"}).status_code == 404
        led = admin.patch(
            f"/api/admin/teams/{tid}", json={"name": "广元二队", "supervisor_id": world.west.supervisor.id}
        )
        assert led.status_code == 200 and led.json()["name"] == "广元二队"
        listing = admin.get("/api/admin/teams").json()
        new = next(r for r in listing["regions"] if r["id"] == rid)["teams"][0]
        assert [s["id"] for s in new["supervisors"]] == [world.west.supervisor.id] and new["reps"] == 0
    session.expire_all()
    assert session.get(User, world.west.supervisor.id).team_id == tid  # type: ignore[union-attr]
    assert [a for a, _ in _audit(session, rid)] == ["create", "update"]
    team_audit = _audit(session, tid)
    assert [a for a, _ in team_audit] == ["create", "update"]
    assert team_audit[1][1]["supervisor"] == [world.west.team.id, world.west.supervisor.id]


def test_status_lists_speech_models_and_ocr_languages(settings: Settings, world: World) -> None:
    with client_as(settings, world.admin.username) as admin:
        status = admin.get("/api/admin/status")
    assert status.status_code == 200, status.text
    speech = {lang["code"]: lang for lang in status.json()["speech"]["languages"]}
    assert speech["ko"]["installed"] is True and "command" not in speech["ko"]  # the test's stand-in model
    for code in ("en", "zh"):
        assert speech[code]["installed"] is False and speech[code]["problem"] == "missing"
        assert (
            speech[code]["command"] == f"python -m speech download {code} --dir {settings.resolved_speech_models_dir()}"
        )
    assert speech["en"]["model"] == "vosk-model-small-en-us-0.15"
    ocr = status.json()["ocr"]
    assert ocr["tesseract"] is True and ocr["version"]
    assert {lang["code"]: lang["installed"] for lang in ocr["languages"]} == {"chi_sim": True, "eng": True}


@pytest.mark.parametrize("bad", [{"limit": 5000}, {"q": "x" * 65}])
def test_user_list_bounds(settings: Settings, world: World, bad: dict) -> None:
    with client_as(settings, world.admin.username) as admin:
        assert admin.get("/api/admin/users", params=bad).status_code == 400
