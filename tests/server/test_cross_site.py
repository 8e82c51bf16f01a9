"""Cross-site requests are refused, and every answer carries the security headers."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.conftest import sign_in
from tests.factories import World

EVIL = "https://evil.example"
USER = {"username": "planted", "password": "a-long-password", "role": "admin"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ('{"username": "planted", "password": "a-long-password", "role": "admin"}', "text/plain"),
        ("username=planted&password=a-long-password&role=admin", "application/x-www-form-urlencoded"),
        (
            '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nplanted\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
    ],
)
def test_a_cross_site_form_cannot_create_an_admin(
    app_client: TestClient, world: World, content: str, content_type: str
) -> None:
    sign_in(app_client, world.admin.username)
    for headers in ({"origin": EVIL}, {"sec-fetch-site": "cross-site"}, {}):
        answer = app_client.post("/api/admin/users", content=content, headers={"content-type": content_type, **headers})
        expected = 403 if headers else 415  # from this site, still only JSON
        assert answer.status_code == expected, (headers, answer.text)
    assert "planted" not in {u["username"] for u in app_client.get("/api/users").json()}


def test_json_from_another_origin_is_refused_and_from_our_own_accepted(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    refused = app_client.post("/api/admin/users", json=USER, headers={"origin": EVIL})
    assert refused.status_code == 403 and refused.json()["code"] == "cross_site"
    same_site = app_client.post("/api/admin/users", json=USER, headers={"sec-fetch-site": "same-site"})
    assert same_site.status_code == 403  # a sibling subdomain is another site's page too
    ok = app_client.post(
        "/api/admin/users", json=USER, headers={"origin": "http://testserver.local", "sec-fetch-site": "same-origin"}
    )
    assert ok.status_code == 201, ok.text
    # reading is not a write: a GET from anywhere is answered (the cookie is SameSite=Lax anyway)
    assert app_client.get("/api/me", headers={"origin": EVIL}).status_code == 200


def test_logout_and_pushes_from_another_site_are_refused(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.east.reps[0].username)
    assert app_client.post("/api/auth/logout", headers={"origin": EVIL}).status_code == 403
    assert app_client.post("/api/sync/push", json={}, headers={"origin": EVIL}).status_code == 403
    assert app_client.get("/api/me").status_code == 200  # still signed in


def test_the_live_dictation_socket_checks_origin(app_client: TestClient, world: World) -> None:
    from litestar.exceptions import WebSocketDisconnect

    sign_in(app_client, world.east.reps[0].username)
    with (
        pytest.raises(WebSocketDisconnect),
        app_client.websocket_connect("/api/speech/live?lang=ko", headers={"origin": EVIL}) as ws,
    ):
        ws.receive_json()


def test_every_answer_carries_the_security_headers(app_client: TestClient, world: World) -> None:
    for path in ("/", "/api/health", "/api/me", "/api/nothing-here", "/admin/", "/nothing.js"):
        answer = app_client.get(path)
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "same-origin", path
        if path.startswith("/api/"):
            assert answer.headers["cache-control"] == "no-store", path  # errors too (401, 404)
    assert "strict-transport-security" not in app_client.get("/").headers  # cookies are not Secure here
