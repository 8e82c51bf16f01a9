from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from server.accounts import password_policy, usernames
from server.accounts.models import AuthSession, LoginFailure, User
from server.app import create_app
from server.audit.models import AuditEntry
from server.settings import Settings
from tests.conftest import PASSWORD, sign_in
from tests.factories import World


def test_sign_in_sets_a_protective_session_cookie_and_me_answers(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    response = app_client.post("/api/auth/login", json={"username": rep.username.upper(), "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "fv_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    me = app_client.get("/api/me").json()
    assert me["user"]["id"] == rep.id and me["user"]["role"] == "rep"
    assert me["team"]["id"] == world.east.team.id and me["region"]["id"] == world.east.region.id
    assert "password_hash" not in me["user"]


def test_sign_in_is_audited_with_the_device(app_client: TestClient, world: World, session: Session) -> None:
    rep = world.west.reps[1]
    app_client.post(
        "/api/auth/login", json={"username": rep.username, "password": PASSWORD}, headers={"X-Device-Id": "phone-7"}
    )
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == rep.id)).one()
    assert (entry.action, entry.user_id, entry.device_id) == ("login", rep.id, "phone-7")
    assert entry.changes == {"address": "testclient"}


def test_cookie_is_secure_when_configured(settings: Settings, clean_db: None, world: World) -> None:
    secure = settings.model_copy(update={"cookie_secure": True})
    with TestClient(app=create_app(secure, run_migrations=False)) as client:
        response = client.post("/api/auth/login", json={"username": world.admin.username, "password": PASSWORD})
    assert "Secure" in response.headers["set-cookie"]


def test_signed_out_requests_get_401_json(app_client: TestClient, world: World) -> None:
    response = app_client.get("/api/stores")
    assert response.status_code == 401
    assert response.json()["code"] == "not_signed_in"


def test_logout_ends_the_session_on_the_server(app_client: TestClient, world: World, session: Session) -> None:
    sign_in(app_client, world.admin.username)
    assert session.exec(select(AuthSession)).all()
    cookie = app_client.cookies.get("fv_session")
    assert app_client.post("/api/auth/logout").status_code == 200
    # Replaying the old cookie after logout is refused.
    app_client.cookies.set("fv_session", cookie)
    assert app_client.get("/api/me").status_code == 401
    session.expire_all()
    assert session.exec(select(AuthSession)).all() == []


def test_wrong_passwords_are_rate_limited_per_account_and_address(
    app_client: TestClient, world: World, session: Session
) -> None:
    rep = world.east.reps[0]
    answers = [
        app_client.post("/api/auth/login", json={"username": rep.username, "password": "wrong"}) for _ in range(5)
    ]
    assert [a.status_code for a in answers[:4]] == [401] * 4
    assert answers[0].json()["extra"]["attempts_left"] == 4
    assert "4 attempt(s) left" in answers[0].json()["detail"]
    assert answers[4].status_code == 429
    # Locked: even the right password is refused now, with a clear message and Retry-After.
    locked = app_client.post("/api/auth/login", json={"username": rep.username, "password": PASSWORD})
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "login_locked_account"
    assert "Try again in" in body["detail"]
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    # Another account from the same address is not locked by this one.
    sign_in(app_client, world.east.reps[1].username)
    assert len(session.exec(select(LoginFailure)).all()) == 5


def test_failed_sign_ins_are_rate_limited_per_address(settings: Settings, clean_db: None, world: World) -> None:
    strict = settings.model_copy(update={"login_max_failures_per_address": 3})
    with TestClient(app=create_app(strict, run_migrations=False)) as client:
        for name in ("ghost1", "ghost2", "ghost3"):
            assert client.post("/api/auth/login", json={"username": name, "password": "x"}).status_code == 401
        blocked = client.post("/api/auth/login", json={"username": world.admin.username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "login_locked_address"


def test_success_clears_failures(app_client: TestClient, world: World) -> None:
    rep = world.west.reps[0]
    for _ in range(3):
        app_client.post("/api/auth/login", json={"username": rep.username, "password": "nope"})
    sign_in(app_client, rep.username)
    answer = app_client.post("/api/auth/login", json={"username": rep.username, "password": "nope"})
    assert answer.json()["extra"]["attempts_left"] == 4


def test_admin_creates_a_user_and_it_is_audited(app_client: TestClient, world: World, session: Session) -> None:
    sign_in(app_client, world.admin.username)
    response = app_client.post(
        "/api/admin/users",
        json={"username": "newrep", "password": "long-enough", "role": "rep", "team_id": world.east.team.id},
        headers={"X-Device-Id": "admin-laptop"},
    )
    assert response.status_code == 201, response.text
    new_id = response.json()["id"]
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == new_id)).one()
    assert entry.user_id == world.admin.id and entry.device_id == "admin-laptop" and entry.action == "create"
    assert (
        app_client.post(
            "/api/admin/users",
            json={"username": "newrep", "password": "long-enough", "role": "rep", "team_id": world.east.team.id},
        ).status_code
        == 409
    )
    sign_in(app_client, "newrep", "long-enough")


def test_a_rep_cannot_create_users(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    response = app_client.post("/api/admin/users", json={"username": "x1", "password": "long-enough", "role": "admin"})
    assert response.status_code == 403


def test_users_listing_is_scoped(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.supervisor.username)
    ids = {u["id"] for u in app_client.get("/api/users").json()}
    assert ids == {world.east.supervisor.id, *(r.id for r in world.east.reps)}


def _create(client: TestClient, world: World, username: str, password: str = "long-enough") -> tuple[int, dict]:
    response = client.post(
        "/api/admin/users",
        json={"username": username, "password": password, "role": "rep", "team_id": world.east.team.id},
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pw", "too_short"),
        (" " * 12, "blank"),
        ("aaaaabbbbbaaaaa", "repetitive"),
        ("password123", "common"),
        ("Qwertyuiop", "common"),
        ("1234567890", "common"),
        ("P@ssw0rd2026!", "common"),  # a common core with the usual substitutions and suffix
        ("woaini1314520", "common"),
        ("Sunshine!!!!", "common"),
        ("x-newrep-2026", "like_username"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    app_client: TestClient, world: World, session: Session, password: str, reason: str
) -> None:
    sign_in(app_client, world.admin.username)
    status, body = _create(app_client, world, "newrep", password)
    assert status == 400
    assert body["code"] == "weak_password" and body["extra"] == {"reason": reason}
    assert body["detail"].endswith(".") and len(body["detail"]) > 20
    assert session.exec(select(User).where(User.username == "newrep")).first() is None


def test_the_demo_and_test_passwords_are_good_enough_and_the_common_list_ships() -> None:
    common = password_policy.common_passwords()
    assert len(common) >= 2000
    for good in ("fieldvisit", "correct-horse", "long-enough", "a-long-password", "立春时节雨纷纷路上行人"):
        assert good not in common
        password_policy.check(good, username="rep01")
    assert {"password", "qwertyuiop", "1qaz2wsx3edc", "iloveyou123", "woaini1314"} <= common


def test_usernames_are_normalised_on_create_and_on_sign_in(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    status, body = _create(app_client, world, "  New.Rep_7 ")
    assert status == 201 and body["username"] == "new.rep_7"
    # Fullwidth letters and digits, capitals and spaces all name the same account.
    for typed in ("ＮＥＷ.ＲＥＰ_７", " NEW.rep_7", "new.rep_7"):
        app_client.cookies.clear()
        sign_in(app_client, typed, "long-enough")


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("ADMIN-BOSS", "username_taken"),
        ("ａｄｍｉｎ-ｂｏｓｓ", "username_taken"),  # fullwidth: NFKC makes it the same name
        ("аdmin-boss", "confusable_username"),  # Cyrillic а
        ("admin-bοss", "confusable_username"),  # Greek ο
        ("adm1n-b0ss", "confusable_username"),  # digits for letters
        ("admln-boss", "confusable_username"),
        ("aԁmіn-bоѕѕ", "confusable_username"),  # mostly Cyrillic
        ("admín-boss", "confusable_username"),  # an accent
    ],
)
def test_a_name_taken_or_looking_like_a_taken_one_is_refused(
    app_client: TestClient, world: World, username: str, code: str
) -> None:
    sign_in(app_client, world.admin.username)
    assert _create(app_client, world, "admin-boss")[0] == 201
    status, body = _create(app_client, world, username)
    assert (status, body["code"]) == (409, code)
    if code == "confusable_username":
        assert "admin-boss" in body["detail"]


@pytest.mark.parametrize("username", ["x", "a b", "-lead", "trail.", "bang!", "zero\u200bwidth", "sm☺le", "rep٣"])
def test_usernames_outside_the_character_set_are_refused(app_client: TestClient, world: World, username: str) -> None:
    sign_in(app_client, world.admin.username)
    status, body = _create(app_client, world, username)
    assert (status, body["code"]) == (400, "invalid_username")
    assert "letters, digits" in body["detail"]


def test_chinese_names_are_usernames_and_distinct_names_stay_distinct() -> None:
    assert usernames.problem(usernames.normalize("张伟")) is None
    demo = ["admin", "finance", "sup-cd", "sup-cq", "sup-xa", *(f"rep{n:02d}" for n in range(1, 44))]
    assert len({usernames.skeleton(name) for name in demo}) == len(demo)
    assert usernames.skeleton("rnary") == usernames.skeleton("mary")
    assert usernames.skeleton("ΑΒΕ") == usernames.skeleton("abe")  # Greek capitals, lower-cased first
