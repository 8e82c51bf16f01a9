"""A record's audience follows its store: when an admin gives a store to another rep (by PATCH or
CSV import), its notes, open visits and their steps, undecided claims, recordings and conflicts go
to the new rep and their supervisor and leave the old rep's phone; finished work stays."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from server.replication.rescope import follow_stores
from server.stores.models import Store
from server.visits.service import ensure_default_templates
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import Phone, pull_all
from tests.visithelp import PHOTO, Visit, template

Key = tuple[str, str]


_pull = pull_all


def _push(client: TestClient, phone: Phone, *ops: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/api/sync/push", json=phone.batch(*ops))
    assert response.status_code == 200, response.text
    return response.json()["results"]


@dataclass
class AtStore:
    """What a rep has done at one store: the records that follow it and those that stay."""

    store: Store
    follow: set[Key]
    stay: set[Key]
    cursors: dict[str, int]  # username -> pull cursor just before the move


def _work_at_store(client: TestClient, session: Session, world: World) -> AtStore:
    ensure_default_templates(session)
    session.commit()
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    phone, tablet = Phone(), Phone()
    sign_in(client, rep.username)
    template_id = template(client)["id"]

    note_id = uuid7()
    assert (
        _push(client, phone, phone.op("note.create", note_id, {"store_id": store.id, "text": "冰柜坏了"}))[0]["status"]
        == "applied"
    )
    version = client.get(f"/api/sync/records/note/{note_id}").json()["versions"]["text"]
    # the same rep on two devices edits the note from the same base: a conflict about the note
    assert (
        _push(client, phone, phone.op("note.edit", note_id, {"text": "A"}, base={"text": version}))[0]["status"]
        == "applied"
    )
    edited = _push(client, tablet, tablet.op("note.edit", note_id, {"text": "B"}, base={"text": version}))[0]
    assert edited["status"] == "conflict"
    conflict_id = edited["conflicts"][0]
    recording_id = uuid7()
    recording = {
        "note_id": note_id,
        "store_id": store.id,
        "blob": "b" * 64,
        "mime": "audio/webm",
        "lang": "zh",
        "seconds": 3,
        "recorded_at": "2026-11-24T09:00:00+08:00",
    }
    assert _push(client, phone, phone.op("recording.create", recording_id, recording))[0]["status"] == "applied"

    done = Visit(client, phone, store, template_id, day="2026-11-23")  # yesterday's visit, checked out
    assert done.arrive(store.lat, store.lng)["status"] == "applied"
    done_steps = []
    for step in ("display", "competitors", "materials", "checkin"):
        result = done.complete(step)
        assert result["status"] == "applied", result
    assert done.checkout()["status"] == "applied"
    done_steps = [
        (c["collection"], c["id"])
        for c in _pull(client)[0].values()
        if c["collection"] == "step" and c["fields"]["visit_id"] == done.id
    ]
    assert len(done_steps) == 4

    open_visit = Visit(client, phone, store, template_id, day="2026-11-24")  # today's, still open
    assert open_visit.arrive(store.lat, store.lng)["status"] == "applied"
    assert open_visit.complete("display")["status"] == "applied"
    open_steps = [
        (c["collection"], c["id"])
        for c in _pull(client)[0].values()
        if c["collection"] == "step" and c["fields"]["visit_id"] == open_visit.id
    ]
    assert len(open_steps) == 1

    claim_id = uuid7()
    claim = {"store_id": store.id, "receipt": "c" * 64, "photos": [PHOTO], "taken_at": "2026-11-24T02:31:00Z"}
    assert _push(client, phone, phone.op("claim.submit", claim_id, claim))[0]["status"] == "applied"

    cursors = {}
    for user in (rep, world.east.supervisor, world.west.reps[0], world.west.supervisor):
        sign_in(client, user.username)
        cursors[user.username] = _pull(client)[1]
    follow = {
        ("note", note_id),
        ("conflict", conflict_id),
        ("recording", recording_id),
        ("visit", open_visit.id),
        *open_steps,
        ("claim", claim_id),
    }
    return AtStore(store, follow, {("visit", done.id), *done_steps}, cursors)


def _check_moved(client: TestClient, world: World, at: AtStore) -> None:
    old, new = world.east.reps[0], world.west.reps[0]
    moved = at.follow | {("store", at.store.id)}
    for user in (new, world.west.supervisor):  # the new rep and the new team's supervisor
        sign_in(client, user.username)
        since_move, _ = _pull(client, at.cursors[user.username])
        assert moved <= set(since_move), user.username
        assert all(since_move[key]["op"] == "upsert" for key in moved)
        assert not at.stay & set(since_move)
        everything, _ = _pull(client)  # a new phone, from cursor 0
        assert moved <= {k for k, c in everything.items() if c["op"] == "upsert"}, user.username
        assert not at.stay & set(everything)
        note = next(c for k, c in everything.items() if k[0] == "note" and k in at.follow)
        assert note["fields"]["text"] == "A"
    for user in (old, world.east.supervisor):  # the old rep's phone and the old supervisor's
        sign_in(client, user.username)
        since_move, _ = _pull(client, at.cursors[user.username])
        assert {k for k, c in since_move.items() if c["op"] == "evict"} == moved, user.username
        everything, _ = _pull(client)
        assert not {k for k, c in everything.items() if c["op"] == "upsert"} & moved
    sign_in(client, old.username)  # finished work stays with the rep who did it
    assert at.stay <= {k for k, c in _pull(client)[0].items() if c["op"] == "upsert"}
    for collection, record_id in at.follow:
        sign_in(client, new.username)
        assert client.get(f"/api/sync/records/{collection}/{record_id}").status_code == 200
        sign_in(client, old.username)
        assert client.get(f"/api/sync/records/{collection}/{record_id}").status_code == 404


def test_a_store_given_to_another_rep_by_patch_takes_its_records(
    app_client: TestClient, world: World, session: Session
) -> None:
    at = _work_at_store(app_client, session, world)
    sign_in(app_client, world.admin.username)
    response = app_client.patch(f"/api/stores/{at.store.id}", json={"rep_id": world.west.reps[0].id})
    assert response.status_code == 200, response.text
    _check_moved(app_client, world, at)


def test_a_store_given_to_another_rep_by_csv_takes_its_records(
    app_client: TestClient, world: World, session: Session
) -> None:
    at = _work_at_store(app_client, session, world)
    out = io.StringIO()
    csv.writer(out).writerows([["code", "name", "rep"], [at.store.code, at.store.name, world.west.reps[0].username]])
    sign_in(app_client, world.admin.username)
    report = app_client.post("/api/admin/stores/import", content=out.getvalue().encode(), headers=CSV).json()
    assert (report["updated"], report["rejected"]) == (1, 0), report
    _check_moved(app_client, world, at)
    session.expire_all()
    moved = session.get(Store, at.store.id)
    assert moved is not None and moved.address == at.store.address  # the file had no address column


CSV = {"content-type": "text/csv"}


def test_a_store_that_comes_back_brings_its_records_back_and_moving_twice_changes_nothing(
    app_client: TestClient, world: World, session: Session
) -> None:
    at = _work_at_store(app_client, session, world)
    old, new = world.east.reps[0], world.west.reps[0]
    sign_in(app_client, world.admin.username)
    assert app_client.patch(f"/api/stores/{at.store.id}", json={"rep_id": new.id}).status_code == 200
    session.expire_all()
    store = session.get(Store, at.store.id)
    assert store is not None
    assert follow_stores(session, [store]) == 0  # already where they belong
    session.rollback()
    assert app_client.patch(f"/api/stores/{at.store.id}", json={"rep_id": old.id}).status_code == 200
    sign_in(app_client, old.username)
    back = {k for k, c in _pull(app_client)[0].items() if c["op"] == "upsert"}
    assert at.follow | at.stay <= back
    sign_in(app_client, new.username)
    assert not {k for k, c in _pull(app_client)[0].items() if c["op"] == "upsert"} & (at.follow | at.stay)


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_a_decided_claim_stays_with_the_rep_who_filed_it(
    app_client: TestClient, world: World, session: Session, decision: str
) -> None:
    from server.claims.rules import CLAIM
    from server.replication.publish import server_update

    at = _work_at_store(app_client, session, world)
    claim_id = next(i for c, i in at.follow if c == "claim")
    server_update(session, CLAIM, claim_id, lambda _: {"status": decision})
    session.commit()
    sign_in(app_client, world.admin.username)
    assert app_client.patch(f"/api/stores/{at.store.id}", json={"rep_id": world.west.reps[0].id}).status_code == 200
    sign_in(app_client, world.east.reps[0].username)
    assert app_client.get(f"/api/sync/records/claim/{claim_id}").status_code == 200
    sign_in(app_client, world.west.reps[0].username)
    assert app_client.get(f"/api/sync/records/claim/{claim_id}").status_code == 404


def test_what_the_old_rep_did_offline_before_the_move_is_refused_not_lost(
    app_client: TestClient, world: World, session: Session
) -> None:
    """The old rep edits offline, the store moves, the phone pushes: each edit is answered
    ``rejected`` (the phone keeps it in its list of refused changes) and the server's records are
    as they were. An edit of a record that stayed with the rep (yesterday's closed visit) is
    refused because the store is not theirs any more."""
    at = _work_at_store(app_client, session, world)
    old = world.east.reps[0]
    note_id = next(i for c, i in at.follow if c == "note")
    visit_id = next(i for c, i in at.follow if c == "visit")
    step_id = next(i for c, i in at.follow if c == "step")
    done_id = next(i for c, i in at.stay if c == "visit")
    sign_in(app_client, old.username)
    before = {
        key: app_client.get(f"/api/sync/records/{key[0]}/{key[1]}").json()
        for key in (("note", note_id), ("step", step_id), ("visit", visit_id), ("visit", done_id))
    }
    phone = Phone()
    offline = [
        phone.op("note.edit", note_id, {"text": "离线改的"}, base={"text": before[("note", note_id)]["version"]}),
        phone.op(
            "step.edit",
            step_id,
            {"answers": {"facings": {"BEV-001": 9}}},
            base={"answers": before[("step", step_id)]["versions"]["answers"]},
        ),
        phone.op("visit.checkout", visit_id, {"status": "checked_out", "checked_out_at": "2026-11-24T10:30:00+08:00"}),
        phone.op("visit.flag", done_id, {"flags": {"add": ["owner_absent"], "remove": []}}),
    ]

    sign_in(app_client, world.admin.username)
    assert app_client.patch(f"/api/stores/{at.store.id}", json={"rep_id": world.west.reps[0].id}).status_code == 200

    sign_in(app_client, old.username)
    results = _push(app_client, phone, *offline)
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", "store_moved"),
        ("rejected", "store_moved"),
        ("rejected", "store_moved"),
        ("rejected", "not_your_store"),
    ]
    assert all(r["detail"] for r in results)
    sign_in(app_client, world.admin.username)
    for (collection, record_id), was in before.items():
        now = app_client.get(f"/api/sync/records/{collection}/{record_id}").json()
        assert now["fields"] == was["fields"], (collection, record_id)
