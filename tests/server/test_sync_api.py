"""The sync protocol through the real HTTP API and database."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlmodel import Session, func, select

from server.audit.models import AuditEntry
from server.catalog.models import Material
from server.domains import publish_all
from server.replication.models import SyncDevice, SyncRecord
from sync import uuid7
from tests.conftest import sign_in
from tests.factories import World
from tests.synchelp import Phone, pull_all

_pull_all = pull_all


def _note_count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(SyncRecord).where(SyncRecord.collection == "note")).one()


def test_push_then_pull_round_trip(app_client: TestClient, world: World, session: Session) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    poster = Material(code="POSM-T1", name="海报", name_en="Poster")
    session.add(poster)
    session.flush()
    publish_all(session)  # catalogues are public: every phone pulls them
    session.commit()
    phone = Phone()
    note_id = uuid7()
    batch = phone.batch(
        phone.op("note.create", note_id, {"store_id": store.id, "text": "冰柜不制冷", "tags": ["cooler"]}),
        phone.op("note.edit", note_id, {"tags": {"add": ["urgent"]}, "pinned": True}),
    )
    response = app_client.post("/api/sync/push", json=batch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["last_seq"] == 2 and [r["status"] for r in body["results"]] == ["applied", "applied"]

    seen, cursor = _pull_all(app_client)
    note = seen[("note", note_id)]
    assert note["op"] == "upsert"
    assert note["fields"] == {"store_id": store.id, "text": "冰柜不制冷", "tags": ["cooler", "urgent"], "pinned": True}
    assert ("store", store.id) in seen  # the rep's stores come through pull too
    stores = {k[1] for k in seen if k[0] == "store"}
    assert stores == {s.id for s in world.east.stores[rep.username]}
    assert seen[("material", poster.id)]["fields"]["code"] == "POSM-T1"  # catalogues are public
    # Nothing new: the next pull is empty and keeps the cursor.
    again = app_client.get("/api/sync/pull", params={"cursor": cursor}).json()
    assert again["changes"] == [] and again["cursor"] == cursor

    # The supervisor of the team sees the note; another team's supervisor does not.
    sign_in(app_client, world.east.supervisor.username)
    assert ("note", note_id) in _pull_all(app_client)[0]
    sign_in(app_client, world.west.supervisor.username)
    assert ("note", note_id) not in _pull_all(app_client)[0]


def test_replayed_and_reordered_batches_change_nothing_twice(
    app_client: TestClient, world: World, session: Session
) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone = Phone()
    note_id = uuid7()
    first = phone.batch(phone.op("note.create", note_id, {"store_id": store.id, "text": "a"}))
    second = phone.batch(*[phone.op("note.edit", note_id, {"tags": {"add": [f"t{i}"]}}) for i in range(3)])
    # The later batch arrives first: refused whole, nothing changes.
    early = app_client.post("/api/sync/push", json=second)
    assert early.status_code == 409
    assert early.json()["code"] == "sequence_gap" and early.json()["extra"]["expected_seq"] == 1
    assert _note_count(session) == 0
    assert app_client.post("/api/sync/push", json=first).json()["last_seq"] == 1
    # Reordered inside the batch: applied in seq order.
    shuffled = dict(second, ops=list(reversed(second["ops"])))
    results = app_client.post("/api/sync/push", json=shuffled).json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    # Replayed: every op answers duplicate, and the record is as before.
    replay = app_client.post("/api/sync/push", json=first).json()
    assert [r["status"] for r in replay["results"]] == ["duplicate"]
    replay = app_client.post("/api/sync/push", json=second).json()
    assert [r["status"] for r in replay["results"]] == ["duplicate"] * 3
    record = app_client.get(f"/api/sync/records/note/{note_id}").json()
    assert record["fields"]["tags"] == ["t0", "t1", "t2"]
    applied = session.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_id == note_id)).one()
    assert applied == 4  # one audit entry per operation, never two


def test_a_malformed_batch_is_refused_whole_and_changes_nothing(
    app_client: TestClient, world: World, session: Session
) -> None:
    rep = world.east.reps[0]
    own = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone = Phone()
    good = phone.op("note.create", uuid7(), {"store_id": own.id, "text": "ok"})

    def refused(batch: object, status: int, code: str) -> None:
        response = app_client.post("/api/sync/push", json=batch)
        assert response.status_code == status, response.text
        assert response.json()["code"] == code
        assert _note_count(session) == 0
        assert session.exec(select(SyncDevice)).all() == []

    refused({"protocol": 2, "device_id": phone.device_id, "ops": "nope"}, 400, "malformed_batch")
    refused({"protocol": 2, "device_id": "x", "ops": []}, 400, "malformed_batch")
    refused({"protocol": 9, "device_id": phone.device_id, "ops": []}, 400, "malformed_batch")
    refused(phone.batch({**good, "seq": "1"}), 400, "malformed_batch")
    refused(phone.batch({**good, "op_id": "not-a-uuid"}), 400, "malformed_batch")
    named = app_client.post("/api/sync/push", json=phone.batch({**good, "op_id": "not-a-uuid"})).json()
    assert named["extra"] == {"seq": 1}  # the phone sets that operation aside and sends the rest
    refused(phone.batch({**good, "colour": "red"}), 400, "malformed_batch")
    refused(phone.batch({**good, "seq": 3}), 409, "sequence_gap")
    refused(phone.batch(good, {**good, "seq": 3, "op_id": uuid7()}), 400, "malformed_batch")  # gap inside
    huge = {"protocol": 2, "device_id": phone.device_id, "ops": [dict(good, seq=i + 1) for i in range(2001)]}
    refused(huge, 413, "too_large")
    for body in (b'{"protocol": 2, "ops": [', b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe"):
        malformed = app_client.post("/api/sync/push", content=body, headers={"content-type": "application/json"})
        assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
    # After all that, the good op still goes through as seq 1.
    assert app_client.post("/api/sync/push", json=phone.batch(good)).json()["results"][0]["status"] == "applied"


def test_an_operation_that_does_not_fit_is_rejected_alone_and_the_queue_moves_on(
    app_client: TestClient, world: World, session: Session
) -> None:
    rep = world.east.reps[0]
    own = world.east.stores[rep.username][0]
    foreign = world.west.stores[world.west.reps[0].username][0]
    sign_in(app_client, rep.username)
    phone = Phone()
    note_id = uuid7()
    ops = [
        phone.op("note.teleport", uuid7(), {}),
        phone.op("note.create", uuid7(), {"store_id": foreign.id, "text": "not mine"}),
        phone.op("note.edit", uuid7(), {"text": "no such note"}),
        phone.op("note.create", uuid7(), {"store_id": own.id, "colour": "red"}),
        phone.op("note.create", uuid7(), {"store_id": own.id, "text": 5}),
        phone.op("note.create", uuid7(), {"store_id": own.id, "tags": ["ok", 1.5]}),
        phone.op("note.create", note_id, {"store_id": own.id, "text": "kept"}),
    ]
    answer = app_client.post("/api/sync/push", json=phone.batch(*ops))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", "unknown_operation"),
        ("rejected", "not_found"),
        ("rejected", "not_found"),
        ("rejected", "invalid_operation"),
        ("rejected", "invalid_operation"),
        ("rejected", "invalid_operation"),
        ("applied", None),
    ]
    assert "`$.text`" in results[4]["detail"] and "`$.tags[1]`" in results[5]["detail"]
    assert answer.json()["last_seq"] == len(ops)
    assert _note_count(session) == 1


def test_a_rejected_op_advances_the_queue(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone = Phone()
    note_id = uuid7()
    body = app_client.post(
        "/api/sync/push",
        json=phone.batch(
            phone.op("note.create", note_id, {"store_id": store.id, "text": "x"}),
            phone.op("note.edit", note_id, {"store_id": world.east.stores[rep.username][1].id}),  # immutable
            phone.op("note.create", note_id, {"store_id": store.id, "text": "again"}),  # exists
            phone.op("note.edit", note_id, {"pinned": True}),
        ),
    ).json()
    statuses = [(r["status"], r.get("code")) for r in body["results"]]
    assert statuses == [("applied", None), ("rejected", "immutable"), ("rejected", "exists"), ("applied", None)]
    assert body["last_seq"] == 4
    assert "cannot change" in body["results"][1]["detail"]


def test_concurrent_edits_of_a_protected_field_keep_both(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone_a, phone_b = Phone(), Phone()
    note_id = uuid7()
    created = app_client.post(
        "/api/sync/push",
        json=phone_a.batch(
            phone_a.op("note.create", note_id, {"store_id": store.id, "text": "original", "tags": ["a"]})
        ),
    ).json()
    v1 = created["results"][0]["version"]
    # Both phones edit the text and the tags from version v1.
    a = app_client.post(
        "/api/sync/push",
        json=phone_a.batch(
            phone_a.op("note.edit", note_id, {"text": "from A", "tags": {"add": ["x"]}}, base={"text": v1})
        ),
    ).json()["results"][0]
    b = app_client.post(
        "/api/sync/push",
        json=phone_b.batch(
            phone_b.op(
                "note.edit",
                note_id,
                {"text": "from B", "tags": {"add": ["y"]}},
                base={"text": v1},
                client_time="2026-11-25T09:00:00+08:00",
            )  # a clock a day ahead changes nothing
        ),
    ).json()["results"][0]
    assert a["status"] == "applied" and b["status"] == "conflict" and len(b["conflicts"]) == 1
    note = app_client.get(f"/api/sync/records/note/{note_id}").json()
    assert note["fields"]["text"] == "from A"  # the first to reach the server stays
    assert note["fields"]["tags"] == ["a", "x", "y"]  # sets merge by union
    conflicts = app_client.get("/api/sync/conflicts").json()
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict["fields"]["kept"] == "from A" and conflict["fields"]["other"] == "from B"
    assert conflict["fields"]["other_device_id"] == phone_b.device_id
    # The team's supervisor sees it too; another team's does not.
    sign_in(app_client, world.east.supervisor.username)
    assert [c["id"] for c in app_client.get("/api/sync/conflicts").json()] == [conflict["id"]]
    sign_in(app_client, world.west.supervisor.username)
    assert app_client.get("/api/sync/conflicts").json() == []
    sign_in(app_client, rep.username)
    # A person picks B's text: an edit on the current version that says which conflict it settles.
    settled = app_client.post(
        "/api/sync/push",
        json=phone_b.batch(
            phone_b.op(
                "note.edit",
                note_id,
                {"text": "from B"},
                base={"text": note["versions"]["text"]},
                resolves=[conflict["id"]],
            )
        ),
    ).json()["results"][0]
    assert settled["status"] == "applied"
    assert app_client.get(f"/api/sync/records/note/{note_id}").json()["fields"]["text"] == "from B"
    assert app_client.get("/api/sync/conflicts").json() == []


def test_server_owned_fields_cannot_be_written_from_a_phone(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone = Phone()
    body = app_client.post("/api/sync/push", json=phone.batch(phone.op("store.update", store.id, {"name": "mine now"})))
    assert body.status_code == 200
    assert body.json()["results"][0]["code"] == "unknown_operation"
    assert app_client.get(f"/api/sync/records/store/{store.id}").json()["fields"]["name"] == store.name


def test_a_store_moved_to_another_rep_leaves_the_old_reps_phone(app_client: TestClient, world: World) -> None:
    old, new = world.east.reps
    store = world.east.stores[old.username][0]
    sign_in(app_client, old.username)
    seen, cursor = _pull_all(app_client)
    assert seen[("store", store.id)]["op"] == "upsert"
    sign_in(app_client, world.admin.username)
    assert app_client.patch(f"/api/stores/{store.id}", json={"rep_id": new.id}).status_code == 200
    sign_in(app_client, old.username)
    after, _ = _pull_all(app_client, cursor)
    assert after[("store", store.id)] == {
        "collection": "store",
        "id": store.id,
        "op": "evict",
        "version": after[("store", store.id)]["version"],
    }
    sign_in(app_client, new.username)
    assert _pull_all(app_client)[0][("store", store.id)]["fields"]["rep_id"] == new.id


def test_a_device_id_is_bound_to_its_user(app_client: TestClient, world: World) -> None:
    a, b = world.east.reps
    phone = Phone()
    sign_in(app_client, a.username)
    ok = app_client.post(
        "/api/sync/push",
        json=phone.batch(
            phone.op("note.create", uuid7(), {"store_id": world.east.stores[a.username][0].id, "text": "a"})
        ),
    )
    assert ok.status_code == 200
    sign_in(app_client, b.username)
    stolen = app_client.post(
        "/api/sync/push",
        json=phone.batch(
            phone.op("note.create", uuid7(), {"store_id": world.east.stores[b.username][0].id, "text": "b"})
        ),
    )
    assert stolen.status_code == 403 and stolen.json()["code"] == "device_not_yours"


def test_an_older_clients_push_is_upgraded(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    note_id, device = uuid7(), f"v1-{uuid7()}"
    v1 = {
        "device": device,
        "operations": [
            {
                "uuid": uuid7(),
                "n": 1,
                "name": "note.create",
                "record": note_id,
                "data": {"store_id": store.id, "text": "v1"},
            },
            {
                "uuid": uuid7(),
                "n": 2,
                "name": "note.update",
                "record": note_id,
                "data": {"text": "v1 edit"},
                "base_version": 0,
            },
        ],
    }
    body = app_client.post("/api/sync/push", json=v1).json()
    # The edit's record-level base (0) is older than the create, but the same device wrote it: no conflict.
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    assert body["last_seq"] == 2
    assert app_client.get(f"/api/sync/records/note/{note_id}").json()["fields"]["text"] == "v1 edit"


def test_sync_needs_a_session(app_client: TestClient) -> None:
    assert app_client.get("/api/sync/pull").status_code == 401
    assert app_client.post("/api/sync/push", json={}).status_code == 401


def test_compaction_sends_stale_devices_to_resync(
    app_client: TestClient, world: World, session: Session, settings
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from server.db import session_scope, utcnow
    from server.replication.service import compact

    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone = Phone()
    keep, gone = uuid7(), uuid7()
    app_client.post(
        "/api/sync/push",
        json=phone.batch(
            phone.op("note.create", keep, {"store_id": store.id, "text": "keep"}),
            phone.op("note.create", gone, {"store_id": store.id, "text": "gone"}),
        ),
    )
    _, old_cursor = _pull_all(app_client)
    for i in range(3):
        app_client.post("/api/sync/push", json=phone.batch(phone.op("note.edit", keep, {"pinned": i % 2 == 0})))
    app_client.post("/api/sync/push", json=phone.batch(phone.op("note.delete", gone)))
    seen, new_cursor = _pull_all(app_client, old_cursor)
    assert seen[("note", gone)]["op"] == "delete"
    # Read on its own, a deleted record is its tombstone too (as pull answers it), not an upsert.
    assert app_client.get(f"/api/sync/records/note/{gone}").json() == seen[("note", gone)]

    with session_scope(settings) as s:
        result = compact(s, older_than=utcnow() + timedelta(seconds=1))
    assert result["tombstones_purged"] == 1 and result["superseded_rows"] >= 3
    # A device that pulled after the delete carries on; one from before it must resync.
    assert not app_client.get("/api/sync/pull", params={"cursor": new_cursor}).json()["resync"]
    stale = app_client.get("/api/sync/pull", params={"cursor": old_cursor}).json()
    assert stale["resync"] is True and stale["changes"] == []
    # Resync is a pull from zero: the live note is there, the purged one is not.
    fresh, _ = _pull_all(app_client)
    assert fresh[("note", keep)]["fields"]["pinned"] is True and ("note", gone) not in fresh
    # A cursor from the future (a server restored from backup) also resyncs.
    assert app_client.get("/api/sync/pull", params={"cursor": 10**9}).json()["resync"] is True


def test_a_devices_own_earlier_edit_never_conflicts(app_client: TestClient, world: World) -> None:
    rep = world.east.reps[0]
    store = world.east.stores[rep.username][0]
    sign_in(app_client, rep.username)
    phone, other = Phone(), Phone()
    note_id = uuid7()
    app_client.post(
        "/api/sync/push", json=phone.batch(phone.op("note.create", note_id, {"store_id": store.id, "text": "1"}))
    )
    # Offline on the phone, two edits in a row, both based on what it never pulled (base 0).
    for text in ("2", "3"):
        result = app_client.post("/api/sync/push", json=phone.batch(phone.op("note.edit", note_id, {"text": text})))
        assert result.json()["results"][0]["status"] == "applied"
    # Another device editing from the old base does conflict.
    clash = app_client.post("/api/sync/push", json=other.batch(other.op("note.edit", note_id, {"text": "x"})))
    assert clash.json()["results"][0]["status"] == "conflict"
    assert app_client.get(f"/api/sync/records/note/{note_id}").json()["fields"]["text"] == "3"
