"""Role guards (server/guards.py) answer exactly what the services' ``authz.require`` answers, go
through the same error handler, come after the sign-in check (401 before 403), sit on every route
whose service requires an action, and leave the services' own check in place."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from server import authz
from server.accounts.service import Actor
from server.app import create_app
from server.errors import Forbidden, domain_error_handler
from server.guards import RoleGuard
from server.settings import Settings
from server.visits import service as visits
from server.visits.templates import DEFAULT_TEMPLATES
from tests.conftest import make_client, sign_in
from tests.factories import World

Action = authz.Action


def _service_answer(actor: Actor, action: authz.Action) -> dict[str, Any]:
    """What a service's ``authz.require`` refusal answers through the app's error handler."""
    with pytest.raises(Forbidden) as refused:
        authz.require(actor, action)
    content = domain_error_handler(None, refused.value).content  # type: ignore[arg-type]
    assert isinstance(content, dict)
    return content


def _client(settings: Settings, username: str) -> TestClient:
    client = make_client(settings)
    client.__enter__()
    sign_in(client, username)
    return client


def test_a_guard_refuses_with_the_services_own_answer(settings: Settings, world: World) -> None:
    rep = world.east.reps[0]
    client = _client(settings, rep.username)
    try:
        spec = DEFAULT_TEMPLATES[0].model_dump(mode="json")
        answer = client.post("/api/admin/templates", json=spec)
        assert answer.status_code == 403
        assert answer.json() == _service_answer(Actor(rep), Action.TEMPLATE_SAVE)
        assert answer.json() == {
            "status_code": 403,
            "code": "forbidden",
            "detail": "Your role (rep) cannot do this (template.save).",
        }
        # the guard answered, before the body was read: a malformed one is refused the same way
        assert client.post("/api/admin/templates", json={}).json() == answer.json()
        for call in (
            lambda: client.get("/api/admin/jobs"),
            lambda: client.post(
                "/api/admin/stores/import", content=b"code,name\n", headers={"content-type": "text/csv"}
            ),
            lambda: client.get("/api/claims/"),
        ):
            refused = call()
            assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
    finally:
        client.__exit__(None, None, None)


def test_a_refusal_inside_the_service_has_the_same_shape(settings: Settings, world: World) -> None:
    """A supervisor passes ``store.edit``'s guard; giving the store to another rep (``store.assign``)
    is refused by the service, with the same body a guard would answer."""
    sup = world.east.supervisor
    store = world.east.stores[world.east.reps[0].username][0]
    client = _client(settings, sup.username)
    try:
        answer = client.patch(f"/api/stores/{store.id}", json={"rep_id": world.east.reps[1].id})
        assert answer.status_code == 403
        assert answer.json() == _service_answer(Actor(sup), Action.STORE_ASSIGN)
    finally:
        client.__exit__(None, None, None)


def test_not_signed_in_is_401_before_any_403(settings: Settings, world: World) -> None:
    with make_client(settings) as client:
        unguarded = client.get("/api/me")  # provide_actor's answer
        assert unguarded.status_code == 401
        for call in (
            lambda: client.post("/api/admin/templates", json={}),
            lambda: client.get("/api/admin/jobs"),
            lambda: client.post("/api/review/decisions", json={}),
        ):
            answer = call()
            assert answer.status_code == 401
            assert (
                answer.json()
                == unguarded.json()
                == {
                    "status_code": 401,
                    "code": "not_signed_in",
                    "detail": "Sign in first.",
                }
            )
        client.cookies.set("fv_session", "a-session-that-ended")
        ended = client.get("/api/admin/jobs")
        assert ended.status_code == 401 and ended.json() == client.get("/api/me").json()
        assert ended.json()["code"] == "session_expired"


def test_the_guard_lets_an_allowed_role_through(settings: Settings, world: World) -> None:
    client = _client(settings, world.admin.username)
    try:
        assert client.get("/api/admin/jobs").status_code == 200
    finally:
        client.__exit__(None, None, None)


def test_the_service_still_refuses_without_a_route(session: Session, world: World) -> None:
    """Commands, jobs and tests call services with no guard in front: the service checks too."""
    rep = Actor(world.east.reps[0])
    with pytest.raises(Forbidden) as refused:
        visits.save_template(session, rep, DEFAULT_TEMPLATES[0])
    assert refused.value.detail == "Your role (rep) cannot do this (template.save)."


# Every route whose service begins with ``authz.require(actor, Action.X)`` has that guard. Routes
# whose refusal is a 404 (a rep opening a review item) or that anyone may call are not guarded.
GUARDED = {
    ("POST", "/api/admin/users", Action.USER_CREATE),
    ("POST", "/api/admin/templates", Action.TEMPLATE_SAVE),
    ("POST", "/api/admin/promotions", Action.PROMOTION_CREATE),
    ("GET", "/api/claims", Action.CLAIM_READ),
    ("GET", "/api/claims/{claim_id:str}", Action.CLAIM_READ),
    ("POST", "/api/claims/{claim_id:str}/decision", Action.CLAIM_DECIDE),
    ("GET", "/api/review", Action.REVIEW_READ),
    ("POST", "/api/review/decisions", Action.REVIEW_DECIDE),
    ("GET", "/api/team/confirmations", Action.REVIEW_READ),
    ("GET", "/api/team/dashboard", Action.REVIEW_READ),
    ("GET", "/api/team/export/{kind:str}", Action.REVIEW_READ),
    ("POST", "/api/stores", Action.STORE_CREATE),
    ("PATCH", "/api/stores/{store_id:str}", Action.STORE_EDIT),
    ("POST", "/api/admin/stores/import", Action.STORE_CREATE),
    ("GET", "/api/admin/stores/export.csv", Action.STORE_CREATE),
    ("GET", "/api/admin/jobs", Action.JOB_READ),
    ("POST", "/api/admin/jobs/{job_id:str}/retry", Action.JOB_RETRY),
    ("GET", "/api/admin/users", Action.USER_EDIT),
    ("PATCH", "/api/admin/users/{user_id:str}", Action.USER_EDIT),
    ("POST", "/api/admin/users/{user_id:str}/password", Action.USER_EDIT),
    ("GET", "/api/admin/teams", Action.USER_EDIT),
    ("POST", "/api/admin/teams", Action.USER_EDIT),
    ("PATCH", "/api/admin/teams/{team_id:str}", Action.USER_EDIT),
    ("POST", "/api/admin/regions", Action.USER_EDIT),
    ("PATCH", "/api/admin/regions/{region_id:str}", Action.USER_EDIT),
    ("GET", "/api/admin/status", Action.STATUS_READ),
    ("POST", "/api/admin/catalog/{kind:str}", Action.CATALOG_EDIT),
    ("PATCH", "/api/admin/catalog/{kind:str}/{item_id:str}", Action.CATALOG_EDIT),
    ("GET", "/api/admin/allocations", Action.CATALOG_EDIT),
    ("PUT", "/api/admin/allocations", Action.CATALOG_EDIT),
    ("GET", "/api/admin/promotions", Action.PROMOTION_CREATE),
    ("PATCH", "/api/admin/promotions/{promotion_id:str}", Action.PROMOTION_CREATE),
    ("POST", "/api/admin/promotions/{promotion_id:str}/pools", Action.PROMOTION_CREATE),
    ("PATCH", "/api/admin/pools/{pool_id:str}", Action.PROMOTION_CREATE),
    ("POST", "/api/claims/{claim_id:str}/reopen", Action.CLAIM_DECIDE),
    ("POST", "/api/review/reopen", Action.REVIEW_DECIDE),
    ("GET", "/api/insights/alerts", Action.ALERT_READ),
    ("GET", "/api/insights/effective-visits", Action.REVIEW_READ),
    ("GET", "/api/insights/effective-visits.csv", Action.REVIEW_READ),
    ("GET", "/api/insights/claim-cycle", Action.CLAIM_READ),
    ("GET", "/api/insights/claim-cycle.csv", Action.CLAIM_READ),
    ("GET", "/api/insights/launches", Action.REVIEW_READ),
    ("GET", "/api/insights/launches/{code:str}", Action.REVIEW_READ),
    ("GET", "/api/insights/launches/{code:str}/csv", Action.REVIEW_READ),
    ("POST", "/api/insights/deliveries.csv", Action.CATALOG_EDIT),
    ("GET", "/api/insights/potential", Action.REVIEW_READ),
    ("GET", "/api/insights/potential.csv", Action.REVIEW_READ),
    ("POST", "/api/insights/potential/retrain", Action.MODEL_TRAIN),
    ("POST", "/api/insights/potential/{version:int}/samples", Action.SAMPLE_ALLOCATE),
}


def test_the_routes_guarded_are_those_whose_service_requires_an_action(settings: Settings) -> None:
    app = create_app(settings, run_migrations=False)
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for guard in handler.resolve_guards():
                target = getattr(guard, "func", guard)
                if isinstance(target, RoleGuard):
                    found |= {(method, route.path, target.action) for method in handler.http_methods}
    assert found == GUARDED
