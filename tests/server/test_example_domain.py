"""A new synced domain touches its own folder and one line where the app collects domains.

``tests/example_domain`` declares one: a collection, three intents and their write rule, a check,
which records follow their store, and a route. Installed next to the app's domains (the list in
``server/domains.py`` plus it), it syncs like any other: a rep pushes tallies and pulls them back,
its own rule refuses what it must, other roles and other reps are held to the write rule and the
audience, its route answers, and nothing central was edited for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.domains import DOMAINS, install
from server.settings import Settings
from sync import uuid7
from tests.conftest import sign_in
from tests.example_domain.domain import TALLY_DOMAIN
from tests.factories import World
from tests.synchelp import Phone, pull_all

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(settings: Settings, clean_db: None) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings, run_migrations=False, domains=[*DOMAINS, TALLY_DOMAIN])) as c:
        yield c
    install(DOMAINS)


def test_an_added_domain_syncs_enforces_its_rules_and_serves_its_routes(client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(client, rep.username)
    phone = Phone()
    tally = uuid7()
    ops = [
        phone.op("tally.create", tally, {"store_id": store.id, "count": 2, "stage": "new", "flags": []}),
        phone.op("tally.update", tally, {"count": {"add": 3}, "stage": "started"}),
        phone.op("tally.update", tally, {"count": {"add": 5000}}),  # the domain's own check refuses it
    ]
    results = client.post("/api/sync/push", json=phone.batch(*ops)).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"]
    assert results[2]["code"] == "tally_step"

    seen, _ = pull_all(client)
    assert seen[("tally", tally)]["fields"]["count"] == 5
    assert seen[("tally", tally)]["fields"]["stage"] == "started"
    assert client.get("/api/tallies/count").json() == {"tallies": 1}

    # the write rule it declared: only reps send tallies, and only at their own stores
    supervisor = Phone()
    sign_in(client, world.east.supervisor.username)
    refused = client.post(
        "/api/sync/push",
        json=supervisor.batch(supervisor.op("tally.create", uuid7(), {"store_id": store.id, "count": 1})),
    ).json()["results"][0]
    assert (refused["status"], refused["code"]) == ("rejected", "not_your_role")
    assert ("tally", tally) in pull_all(client)[0]  # the supervisor sees the team's tallies

    other = world.west.reps[0]
    sign_in(client, other.username)
    assert ("tally", tally) not in pull_all(client)[0]  # another team's rep does not


def test_without_the_line_the_app_knows_nothing_of_it(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    sign_in(app_client, rep.username)
    phone = Phone()
    op = phone.op("tally.create", uuid7(), {"store_id": world.east.stores[rep.username][0].id, "count": 1})
    result = app_client.post("/api/sync/push", json=phone.batch(op)).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "unknown_operation")
    assert app_client.get("/api/tallies/count").status_code == 404


def test_no_central_module_names_the_example_domain() -> None:
    central = [ROOT / "server" / "domains.py", ROOT / "server" / "registry.py", ROOT / "server" / "app.py"]
    central += sorted((ROOT / "server" / "replication").glob("*.py"))
    assert not [p.name for p in central if "tally" in p.read_text(encoding="utf-8").lower()]
