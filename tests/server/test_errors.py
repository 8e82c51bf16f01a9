"""Every 4xx is JSON with a clear message; no stack trace ever reaches a client."""

from __future__ import annotations

from litestar import get
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import sign_in
from tests.factories import World

CSV = {"content-type": "text/csv"}


def test_malformed_json_gets_a_clear_400(app_client: TestClient, world: World) -> None:
    response = app_client.post(
        "/api/auth/login", content=b'{"username": "a",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_json"
    assert body["detail"].startswith("The request body is not valid JSON")


def test_wrong_types_name_the_field(app_client: TestClient, world: World) -> None:
    response = app_client.post("/api/auth/login", json={"username": 5})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert {e["key"] for e in body["extra"]} >= {"password"}


def test_unknown_route_and_method_are_json(app_client: TestClient, world: World) -> None:
    missing = app_client.get("/api/no-such-thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong_method = app_client.delete("/api/health")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"


def test_oversized_json_body_is_refused(settings: Settings, clean_db: None, world: World) -> None:
    small = settings.model_copy(update={"max_json_bytes": 1000})
    with TestClient(app=create_app(small, run_migrations=False)) as client:
        response = client.post(
            "/api/auth/login",
            content=b'{"username": "' + b"a" * 5000 + b'"}',
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_oversized_csv_is_refused(settings: Settings, clean_db: None, world: World) -> None:
    small = settings.model_copy(update={"max_csv_bytes": 100})
    with TestClient(app=create_app(small, run_migrations=False)) as client:
        sign_in(client, world.admin.username)
        response = client.post("/api/admin/stores/import", content=b"code,name\n" + b"x,y\n" * 100, headers=CSV)
    assert response.status_code == 413
    assert "over 100 bytes" in response.json()["detail"]


def test_no_free_database_connection_is_a_503_to_retry_not_a_500(
    settings: Settings, clean_db: None, world: World
) -> None:
    """Every connection of the pool is really taken (held here), as under a load past what the
    server can answer: a request waits the pool's timeout, then is told to come back."""
    from server.db import get_engine

    tight = settings.model_copy(update={"db_pool_size": 2, "db_pool_overflow": 0, "db_pool_timeout": 0.5})
    with TestClient(app=create_app(tight, run_migrations=False)) as client:
        sign_in(client, world.east.reps[0].username)
        held = [get_engine(tight).connect() for _ in range(2)]
        try:
            busy = client.get("/api/sync/pull", params={"cursor": 0})
        finally:
            for connection in held:
                connection.close()
        assert busy.status_code == 503, busy.text
        assert busy.json()["code"] == "database_busy" and busy.headers["retry-after"] == "2"
        assert client.get("/api/sync/pull", params={"cursor": 0}).status_code == 200  # and then it answers


def test_an_internal_error_reveals_nothing(settings: Settings, clean_db: None) -> None:
    # The one fault we cannot cause through the public API: a bug. Register a handler that has one.
    @get("/api/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals: /etc/passwd line 42")

    app = create_app(settings, run_migrations=False)
    app.register(boom)
    with TestClient(app=app, raise_server_exceptions=False) as client:
        response = client.get("/api/boom")
    assert response.status_code == 500
    assert response.json() == {
        "status_code": 500,
        "code": "internal_error",
        "detail": "Something went wrong on the server; the error has been logged.",
    }
    assert "Traceback" not in response.text and "secret" not in response.text


def test_security_headers_and_openapi(app_client: TestClient) -> None:
    response = app_client.get("/api/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    schema = app_client.get("/api/docs/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/stores" in paths and "/api/auth/login" in paths and "/api/admin/stores/import" in paths


# ---- the OpenAPI lists every status, in one shape -----------------------------------------------


def _openapi(client: TestClient) -> dict:
    response = client.get("/api/docs/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_docs_pages_serve(app_client: TestClient) -> None:
    for path in ("/api/docs", "/api/docs/swagger"):
        page = app_client.get(path)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"], path


def test_every_error_status_is_documented_in_the_error_shape(app_client: TestClient) -> None:
    doc = _openapi(app_client)
    body = doc["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"status_code", "code", "detail"} and "extra" in body["properties"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorBody"), (method, path, status)
    responses = lambda method, path: set(doc["paths"][path][method]["responses"])  # noqa: E731
    # derived: 400 inputs, 401 signed in, 403 cross_site and 415 on writes, 404 path ids, 413 bodies
    assert responses("post", "/api/stores") == {"201", "400", "401", "403", "409", "413", "415"}
    assert responses("get", "/api/stores/{store_id}") == {"200", "400", "401", "404"}
    assert responses("get", "/api/me") == {"200", "401"}
    assert responses("get", "/api/health") == {"200"}
    assert responses("post", "/api/auth/login") >= {"401", "429"}
    assert "`duplicate_code`" in doc["paths"]["/api/admin/promotions"]["post"]["responses"]["409"]["description"]


def test_the_raises_table_names_only_operations_that_exist(settings: Settings) -> None:
    from server.openapi import RAISES, operations

    app = create_app(settings, run_migrations=False)
    assert set(RAISES) <= {key for key, _, _ in operations(app)}


def test_integer_parameters_are_bounded(app_client: TestClient) -> None:
    """A number the database cannot hold would be a 500 there: every integer parameter has a maximum."""
    for path, item in _openapi(app_client)["paths"].items():
        for method, op in item.items():
            for parameter in op.get("parameters", []):
                if parameter["schema"].get("type") == "integer":
                    assert parameter["schema"].get("maximum", 2**64) <= 2**63 - 1, (method, path, parameter["name"])


# ---- inputs that were 500s ----------------------------------------------------------------------


def test_nul_characters_are_refused_alike_on_every_database(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    store = world.east.stores[world.east.reps[0].username][0]
    for path in ("/index.html%00.js", "/api/stores/a%00b", "/api/sync/records/visit/%00"):
        response = app_client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    query = app_client.get("/api/stores?q=a%00b")
    assert query.status_code == 400 and query.json()["code"] == "nul_character"
    for method, path, body in (
        ("POST", "/api/auth/login", {"username": "a\x00", "password": "b"}),
        ("PATCH", f"/api/stores/{store.id}", {"address": "x\x00y"}),
        ("POST", "/api/stores", {"code": "N-1", "name": "n", "nested": {"k\x00": 1}}),
    ):
        response = app_client.request(method, path, json=body)
        assert response.status_code == 400 and response.json()["code"] == "nul_character", (method, path)


def test_huge_numbers_nulls_and_empty_ids_are_invalid_input(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    store = world.east.stores[world.east.reps[0].username][0]
    for path in ("/api/stores?offset=252694006998690034614272", "/api/claims?offset=252694006998690034614272"):
        assert app_client.get(path).status_code == 400, path
    for body in ({"name": None}, {"geofence_m": None}, {"route_order": 10**30}, {"rep_id": ""}):
        response = app_client.patch(f"/api/stores/{store.id}", json=body)
        assert response.status_code == 400, (body, response.text)
    assert app_client.patch(f"/api/stores/{store.id}", json={"route_order": None}).status_code == 200
    for body in ({"region_id": ""}, {"rep_id": ""}, {"route_order": 10**20}):
        response = app_client.post("/api/stores", json={"code": "NEW-1", "name": "n", **body})
        assert response.status_code == 400, (body, response.text)
    promotion = {
        "code": "P-1",
        "name": "p",
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "pools": [{"name": "pool", "amount_cents": 100, "region_id": ""}],
    }
    response = app_client.post("/api/admin/promotions", json=promotion)
    assert response.status_code == 400 and response.json()["code"] == "unknown_region"


def test_a_pushed_operation_holding_nul_is_rejected_alone(app_client: TestClient, world: World) -> None:
    # The push reads its own body (no JSON guard): its rejections are audited as sent, and PostgreSQL
    # refused the NUL in that audit row (a 500 for the whole batch).
    from sync import uuid7
    from tests.synchelp import Phone

    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    phone = Phone()
    store = world.east.stores[rep.username][0]
    batch = phone.batch(
        phone.op("note.create\x00", uuid7(), {"store_id": store.id, "text": "t"}),
        phone.op("note.create", uuid7(), {"store_id": store.id, "text": "fine"}),
    )
    pushed = app_client.post("/api/sync/push", json=batch)
    assert pushed.status_code == 200, pushed.text
    assert [r["status"] for r in pushed.json()["results"]] == ["rejected", "applied"]
