"""Bad values never get in, and readers never fail on one that did.

The corpus is what was found against a demo server (NaN, Infinity and 1e400 in coordinates, times
a millennium away or without a zone, answers of the wrong shape, a forged day summary, bodies
nested 100,000 deep, lone surrogates …) and more of its kind. Each is answered 4xx, or — inside a
well-formed batch — its own operation is rejected with a code while the queue behind it moves on,
and nothing changes. Then the worst values the old code let in are written straight into the
database, and every reader (each role's pull, records, conflicts, queues, dashboards, exports) still
answers, as does a later change of the day they are on."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from litestar.testing import TestClient
from sqlmodel import Session, func, select

from server.replication.models import SyncRecord
from server.replication.store import SqlSyncStore
from server.review.models import DayConfirmation, VisitReview
from server.settings import Settings
from sync import RecordState, Scope, uuid7
from tests import clock
from tests.conftest import make_client, sign_in
from tests.factories import World
from tests.synchelp import Phone
from tests.visithelp import Visit, signed_in_with_templates

NAN, INF, HUGE = "__NaN__", "__Infinity__", "__1e400__"


def _raw(batch: dict[str, Any]) -> bytes:
    """The batch as JSON text, with the placeholders turned into what no JSON encoder writes."""
    text = json.dumps(batch)
    for placeholder, literal in ((NAN, "NaN"), (INF, "Infinity"), (HUGE, "1e400")):
        text = text.replace(f'"{placeholder}"', literal)
    return text.encode()


def _records(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(SyncRecord)).one()


_setup = signed_in_with_templates


def _corpus(store: Any, template_id: str, visit_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(what, operation type, fields) of operations that must each be rejected on their own."""
    day = clock.today().isoformat()
    at = clock.now().isoformat()
    arrive = {
        "store_id": store.id,
        "template_id": template_id,
        "day": day,
        "arrived_at": at,
        "status": "arrived",
        "arrival": {"lat": 30.6, "lng": 104.0, "accuracy": 10, "at": at},
    }
    step = {"visit_id": visit_id, "store_id": store.id, "step": "display", "status": "done"}
    deep: Any = 1
    for _ in range(40):
        deep = {"x": deep}
    return [
        ("NaN latitude", "visit.arrive", {**arrive, "arrival": {**arrive["arrival"], "lat": NAN}}),
        ("Infinity latitude", "visit.arrive", {**arrive, "arrival": {**arrive["arrival"], "lat": INF}}),
        ("1e400 latitude", "visit.arrive", {**arrive, "arrival": {**arrive["arrival"], "lat": HUGE}}),
        ("latitude 91", "visit.arrive", {**arrive, "arrival": {**arrive["arrival"], "lat": 91}}),
        ("latitude as text", "visit.arrive", {**arrive, "arrival": {**arrive["arrival"], "lat": "30.6"}}),
        ("a time in the year 9999", "visit.arrive", {**arrive, "arrived_at": "9999-12-31T23:59:59-23:59"}),
        ("a time in the year 1", "visit.arrive", {**arrive, "arrived_at": "0001-01-01T00:00:00Z"}),
        ("a time without a zone", "visit.arrive", {**arrive, "arrived_at": "2026-11-25T09:00:00"}),
        ("a day that is not one", "visit.arrive", {**arrive, "day": "2026-02-30"}),
        ("a store id that is empty", "visit.arrive", {**arrive, "store_id": ""}),
        ("an unknown field", "visit.arrive", {**arrive, "colour": "red"}),
        ("answers that are a list", "step.complete", {**step, "answers": [1, 2]}),
        ("answers that are a number", "step.complete", {**step, "answers": 5}),
        ("answers nested 40 deep", "step.complete", {**step, "answers": {"facings": deep}}),
        ("a capture whose width is text", "step.complete", {**step, "answers": {"captures": {"a": {"width": "x"}}}}),
        ("a photo that is not a hash", "step.complete", {**step, "photos": ["../../etc/passwd"]}),
        ("a check-out without a zone", "visit.checkout", {"status": "checked_out",
                                                          "checked_out_at": "2026-11-25T10:00"}),
        ("a check-out status out of order", "visit.checkout", {"status": "gone", "checked_out_at": at}),
        ("NaN in tags", "note.create", {"store_id": store.id, "text": "x", "tags": [NAN]}),
        ("a number as a note", "note.create", {"store_id": store.id, "text": 12}),
        ("a note over 20,000 characters", "note.create", {"store_id": store.id, "text": "长" * 20_001}),
        ("a lone surrogate in a note", "note.create", {"store_id": store.id, "text": "a\ud800b"}),
        ("a forged changed_after", "day.confirm", {"day": day, "confirmed_at": at, "summary": {"changed_after": 5}}),
        ("a summary count as text", "day.confirm", {"day": day, "confirmed_at": at, "summary": {"visited": "3"}}),
        ("a claim of 1e400 fen", "claim.submit", {"store_id": store.id, "receipt": "a" * 64, "photos": ["b" * 64],
                                                  "amount_cents": HUGE}),
        ("a claim with seven photos", "claim.submit", {"store_id": store.id, "receipt": "a" * 64,
                                                       "photos": ["b" * 64] * 7}),
        ("a recording of -1 seconds", "recording.create", {"note_id": uuid7(), "store_id": store.id, "blob": "c" * 64,
                                                           "lang": "en", "seconds": -1}),
    ]  # fmt: skip


def test_every_bad_value_is_rejected_alone_and_changes_nothing(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    template_id, rep, store = _setup(app_client, world, session)
    phone = Phone()
    visit = Visit(app_client, phone, store, template_id, day=clock.today().isoformat(), hour=9)
    assert visit.arrive(store.lat, store.lng)["status"] == "applied"
    before = _records(session)
    corpus = _corpus(store, template_id, visit.id)
    ops = [phone.op(kind, visit.id if kind == "visit.checkout" else uuid7(), fields) for _, kind, fields in corpus]
    good = phone.op("note.create", uuid7(), {"store_id": store.id, "text": "after the bad ones"})
    answer = app_client.post(
        "/api/sync/push", content=_raw(phone.batch(*ops, good)), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    for (what, _, _), result in zip(corpus, results, strict=False):
        assert result["status"] == "rejected", (what, result)
        assert result["code"] in {"invalid_operation", "bad_time", "missing_field", "not_found"}, (what, result)
        assert result["detail"], what
    assert results[-1]["status"] == "applied"  # the queue behind them moved on
    assert answer.json()["last_seq"] == good["seq"]
    assert _records(session) == before + 1

    # Bodies that are not (strict) JSON batches are refused whole: nothing changes.
    for body in (
        b"[" * 100_000 + b"]" * 100_000,
        b'{"protocol": 2, "device_id": "' + phone.device_id.encode() + b'", "ops": NaN}',
        b'{"protocol": 2, "ops": [',
        b"",
        '{"protocol": 2, "device_id": "\ud800"}'.encode("utf-8", "surrogatepass"),
    ):
        refused = app_client.post("/api/sync/push", content=body, headers={"content-type": "application/json"})
        assert refused.status_code == 400, (body[:40], refused.text)
        assert refused.json()["code"] in {"malformed_json", "malformed_batch"}
    assert _records(session) == before + 1

    # client_time is for display only: a wrong phone clock there costs nothing, the time is dropped.
    odd_clock = [
        phone.op("note.create", uuid7(), {"store_id": store.id, "text": f"clock {i}"}, client_time=when)
        for i, when in enumerate(("0001-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "2026-11-25T09:00", "soon"))
    ]
    answer = app_client.post("/api/sync/push", json=phone.batch(*odd_clock))
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 4, answer.text
    assert _records(session) == before + 5

    # Every reader still answers, for the rep and for the team's supervisor.
    _all_readers_answer(settings, world, rep.username)


def _all_readers_answer(settings: Settings, world: World, rep: str, visit_id: str | None = None) -> None:
    day = clock.today()
    span = f"from={day.replace(day=1).isoformat()}&to={day.isoformat()}"
    readers = {
        rep: ["/api/sync/pull?cursor=0&limit=5000", "/api/sync/conflicts", "/api/stores", "/api/me"],
        world.east.supervisor.username: [
            "/api/sync/pull?cursor=0&limit=5000",
            "/api/review?status=all",
            f"/api/team/confirmations?day={day.isoformat()}",
            f"/api/team/dashboard?{span}",
            *(f"/api/team/export/{kind}?{span}" for kind in ("visits.csv", "confirmations.csv", "reviews.csv")),
            *([f"/api/review/{visit_id}"] if visit_id else []),
        ],
        world.finance.username: ["/api/sync/pull?cursor=0&limit=5000", "/api/claims"],
        world.admin.username: ["/api/sync/pull?cursor=0&limit=5000", "/api/admin/stores/export.csv"],
    }
    for username, paths in readers.items():
        with make_client(settings) as client:
            sign_in(client, username)
            for path in paths:
                answer = client.get(path)
                assert answer.status_code == 200, (username, path, answer.status_code, answer.text[:300])
            if "pull" in paths[0]:
                for change in client.get(paths[0]).json()["changes"]:
                    one = client.get(f"/api/sync/records/{change['collection']}/{change['id']}")
                    assert one.status_code in (200, 404), (username, change, one.text[:300])


def test_readers_answer_whatever_an_older_version_stored(
    app_client: TestClient, world: World, session: Session, settings: Settings
) -> None:
    """The worst values the old code let in, written straight into the database."""
    template_id, rep, store = _setup(app_client, world, session)
    sqlite = session.get_bind().dialect.name == "sqlite"
    nan = float("nan") if sqlite else None  # PostgreSQL's JSON never held NaN: its insert failed
    day = clock.today()
    visit_id, step_id, note_id, day_id, claim_id = uuid7(), uuid7(), uuid7(), uuid7(), uuid7()
    scope = Scope(rep.id, rep.team_id, store.id)
    worst = {
        ("visit", visit_id): {
            "store_id": store.id,
            "template_id": template_id,
            "day": day.isoformat(),
            "arrived_at": "9999-12-31T23:59:59-23:59",
            "checked_out_at": "2026-11-25T10:00:00",
            "arrival": {"lat": "north", "lng": nan, "accuracy": [1], "at": "0001-01-01T00:00:00Z"},
            "status": "checked_out",
            "flags": [nan, 5, {"x": 1}],
            "planned": "yes",
        },
        ("step", step_id): {
            "visit_id": visit_id,
            "store_id": store.id,
            "step": "checkin",
            "status": "done",
            "answers": [1, 2, 3],
            "photos": 7,
        },
        ("note", note_id): {"store_id": store.id, "text": "a\ud800b", "tags": [nan, "\udfff"], "pinned": "no"},
        ("day", day_id): {
            "day": day.isoformat(),
            "confirmed_at": "0001-01-01T00:00:00Z",
            "summary": {"changed_after": 5, "visited": "<b>3</b>", "missed_stores": "none"},
        },
        ("claim", claim_id): {
            "store_id": store.id,
            "receipt": "x",
            "photos": "y",
            "amount_cents": nan,
            "taken_at": "9999-12-31T23:59:59-23:59",
            "note": "\ud800",
        },
    }
    store_db = SqlSyncStore(session)
    store_db.begin_write()
    for (collection, record_id), fields in worst.items():
        version = store_db.next_version()
        versions = dict.fromkeys(fields, version)
        state = RecordState(collection, record_id, fields, versions, version, False, scope, rep.id)
        store_db.save(state, None)
    store_db.finish()
    session.add(
        VisitReview(
            visit_id=visit_id,
            store_id=store.id,
            rep_id=rep.id,
            team_id=rep.team_id,
            day=day,
            arrived_at=clock.now(),
            photo="z" * 64,
            capture={"at": "9999-12-31T23:59:59-23:59", "width": "wide", "server": [1]},
            flags=["outside_geofence", "\ud800"],
        )
    )
    session.add(
        DayConfirmation(
            id=day_id,
            rep_id=rep.id,
            team_id=rep.team_id,
            day=day,
            confirmed_at="0001-01-01T00:00:00Z",
            summary={"changed_after": 5, "visited": "<b>3</b>", "unsynced": nan, "missed_stores": "none"},
        )
    )
    session.commit()

    _all_readers_answer(settings, world, rep.username, visit_id)

    # A later change of that day, with its reason, is answered (the day summary is not a list).
    phone = Phone()
    late = phone.op("visit.flag", visit_id, {"flags": {"add": ["late_note"]}}, reason="补拍")
    answer = app_client.post("/api/sync/push", json=phone.batch(late))
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] in {"applied", "rejected"}
    confirmation = session.get(DayConfirmation, day_id)
    session.refresh(confirmation)
    assert confirmation is not None and isinstance(confirmation.summary.get("changed_after"), list)
    assert date.fromisoformat(str(confirmation.day)) == day
