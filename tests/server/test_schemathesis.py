"""Schemathesis over the app's own OpenAPI schema, signed in as a rep and as an admin, on the suite's
database (SQLite, or PostgreSQL when FIELDVISIT_TEST_DATABASE_URL says so).

Every operation gets schema-derived boundary cases (the coverage phase: empty strings, nulls,
huge numbers, values just outside each limit) and a few generated ones, valid and invalid, from a
fixed seed so a failure reproduces. Each answer must be:

- no server error (5xx);
- a status that operation's OpenAPI responses list (server/openapi.py documents them);
- of a documented content type, and its body of the documented shape (errors: ErrorBody).

Schemathesis is in the test extra; without it this module fails to import, which fails the run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.python import asgi

from server.app import create_app
from server.settings import Settings
from tests.conftest import PASSWORD
from tests.factories import World

BASE_URL = f"http://{asgi.HOST}"

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261125,
        "suppress-health-check": ["all"],
        "generation": {"mode": "all", "max-examples": 10, "deterministic": True, "database": "none"},
        # Operations one at a time; no chains of calls (they would need links the schema lacks).
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
        },
    }
)


def _openapi_document() -> dict[str, Any]:
    """The schema the app serves; building it needs no database."""
    root = Path(tempfile.mkdtemp(prefix="fv-openapi-"))
    app = create_app(Settings(data_dir=root, database_url="sqlite://", secret_key="openapi"), run_migrations=False)
    return app.openapi_schema.to_schema()


# Left out: signing out ends the session every other case runs in, so what followed would only
# see 401s. Signing in itself is exercised (wrong credentials, throttling: 401 and 429).
schema = schemathesis.openapi.from_dict(_openapi_document(), config=CONFIG).exclude(path="/api/auth/logout")


@pytest.fixture(params=["rep", "admin"])
def api_client(request: pytest.FixtureRequest, settings: Settings, world: World) -> Iterator[asgi.ASGIClient]:
    """The app in process on the test database, signed in as a rep or as an admin of the fixture's world."""
    user = world.admin if request.param == "admin" else world.east.reps[0]
    app = create_app(settings, run_migrations=False)
    try:
        with asgi.get_client(app) as client:
            client.headers["X-Device-Id"] = f"schemathesis-{request.param}"
            signed_in = client.post("/api/auth/login", json={"username": user.username, "password": PASSWORD})
            assert signed_in.status_code == 200, signed_in.text
            yield client
    finally:
        asgi.shutdown_lifespans()


@schema.parametrize()
def test_operation_answers_as_documented(case: schemathesis.Case, api_client: asgi.ASGIClient) -> None:
    case.call_and_validate(session=api_client, base_url=BASE_URL)


def test_every_documented_operation_is_exercised() -> None:
    # A filter or a schema that lost its paths would make the test above pass on nothing.
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    assert len(labels) >= 40
    assert {
        "GET /api/stores",
        "PATCH /api/stores/{store_id}",
        "POST /api/admin/promotions",
        "GET /api/claims",
    } <= labels
    assert "POST /api/auth/logout" not in labels
