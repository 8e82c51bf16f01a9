"""docs/authorization.md, server/authz.py and the server agree: every synced operation and every
REST action, tried by every role from the same team and from another team."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from server import authz
from server.accounts.models import Role
from server.settings import Settings
from server.visits.service import ensure_default_templates
from sync import uuid7
from tests import clock
from tests.conftest import make_client, sign_in
from tests.factories import World
from tests.livesupport import ROOT
from tests.synchelp import Phone
from tests.visithelp import answers

DOC = ROOT / "docs" / "authorization.md"
ROLES = ("rep", "supervisor", "finance", "admin")
REFUSAL_CODES = {"not_your_role", "not_your_store", "not_yours", "blob_not_yours", "not_found", "store_moved"}


def _doc_table(heading: str) -> dict[str, dict[str, str]]:
    text = DOC.read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"[a-z_]+\.[a-z_]+", cells[0]):
            rows[cells[0]] = dict(zip(ROLES, cells[1:], strict=True))
    return rows


def test_the_document_is_the_code() -> None:
    sync_doc = _doc_table("Synced operations")
    assert set(sync_doc) == set(authz.SYNC_WRITES) - {k for k in authz.SYNC_WRITES if k.startswith("tally.")}
    for op, by_role in sync_doc.items():
        code = {r.value: rule.value for r, rule in authz.SYNC_WRITES[op].items()}
        assert {r: v for r, v in by_role.items() if v != "—"} == code, op
    rest_doc = _doc_table("REST actions")
    assert set(rest_doc) == {a.value for a in authz.Action}
    for action, by_role in rest_doc.items():
        allowed = {r for r, v in by_role.items() if v == "yes"}
        assert allowed == {r.value for r in authz.ACTIONS[authz.Action(action)]}, action
        assert all(v in ("yes", "—") for v in by_role.values()), action


# ---- the walk --------------------------------------------------------------------------------


class Walk:
    """The east team's first rep owns the records; everyone else tries to write them."""

    def __init__(self, settings: Settings, world: World, session: Session) -> None:
        ensure_default_templates(session)
        session.commit()
        self.world, self.owner = world, world.east.reps[0]
        self.store = world.east.stores[self.owner.username][0]
        self.clients: dict[str, TestClient] = {}
        self.settings = settings
        self.days = iter(range(30, 400))
        self.template_id = next(t["id"] for t in self.client(self.owner.username).get("/api/templates").json())

    def client(self, username: str) -> TestClient:
        if username not in self.clients:
            client = make_client(self.settings)
            client.__enter__()
            sign_in(client, username)
            self.clients[username] = client
        return self.clients[username]

    def close(self) -> None:
        for client in self.clients.values():
            client.__exit__(None, None, None)

    def push(self, username: str, *ops: tuple[str, str, dict[str, Any]]) -> Any:
        phone = Phone()
        batch = phone.batch(*(phone.op(t, i, f) for t, i, f in ops))
        return self.client(username).post("/api/sync/push", json=batch)

    def own(self, op_type: str, record_id: str, fields: dict[str, Any]) -> str:
        answer = self.push(self.owner.username, (op_type, record_id, fields))
        assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied", answer.text
        return record_id

    # records of the owner's, made fresh for each attempt
    def note(self) -> str:
        return self.own("note.create", uuid7(), {"store_id": self.store.id, "text": "冰柜不制冷"})

    def visit(self) -> str:
        now = clock.now().isoformat()
        fields = {
            "store_id": self.store.id,
            "template_id": self.template_id,
            "day": str(clock.today()),
            "arrived_at": now,
            "arrival": {"lat": self.store.lat, "lng": self.store.lng, "accuracy": 10, "at": now},
            "status": "arrived",
        }
        return self.own("visit.arrive", uuid7(), fields)

    def step(self) -> tuple[str, str]:
        visit = self.visit()
        fields = {
            "visit_id": visit,
            "store_id": self.store.id,
            "step": "display",
            "answers": answers("display"),
            "status": "done",
        }
        return visit, self.own("step.complete", uuid7(), fields)

    def claim(self) -> str:
        fields = {"store_id": self.store.id, "receipt": _hash(), "photos": [_hash()], "amount_cents": 100}
        return self.own("claim.submit", uuid7(), fields)

    def recording(self) -> str:
        note = self.note()
        return self.own("recording.create", uuid7(), self._recording_fields(note))

    def _recording_fields(self, note: str) -> dict[str, Any]:
        return {"note_id": note, "store_id": self.store.id, "blob": _hash(), "lang": "en"}

    def attempt(self, op_type: str) -> tuple[str, str, dict[str, Any]]:
        """The operation another user will try, on a fresh record of the owner's where it needs one."""
        store = self.store.id
        now = clock.now().isoformat()
        if op_type == "note.create":
            return op_type, uuid7(), {"store_id": store, "text": "主管备注"}
        if op_type == "note.edit":
            return op_type, self.note(), {"pinned": True}
        if op_type == "note.delete":
            return op_type, self.note(), {}
        if op_type == "recording.create":
            return op_type, uuid7(), self._recording_fields(self.note())
        if op_type == "recording.delete":
            return op_type, self.recording(), {}
        if op_type == "visit.arrive":
            fields = {
                "store_id": store,
                "template_id": self.template_id,
                "day": str(clock.today()),
                "arrived_at": now,
                "arrival": None,
                "status": "arrived",
            }
            return op_type, uuid7(), fields
        if op_type == "visit.flag":
            return op_type, self.visit(), {"flags": {"add": ["owner_absent"]}}
        if op_type == "visit.checkout":
            return op_type, self.visit(), {"status": "checked_out", "checked_out_at": now}
        if op_type in ("step.complete", "step.except"):
            fields = {"visit_id": self.visit(), "store_id": store, "step": "display"}
            if op_type == "step.complete":
                fields |= {"answers": answers("display"), "status": "done"}
            else:
                fields |= {"exception": {"reason": "owner_refused", "note": "老板不在"}, "status": "excepted"}
            return op_type, uuid7(), fields
        if op_type == "step.edit":
            _, step = self.step()
            return op_type, step, {"answers": {**answers("display"), "price_tags": True}}
        if op_type == "claim.submit":
            return op_type, uuid7(), {"store_id": store, "receipt": _hash(), "photos": [_hash()], "amount_cents": 50}
        if op_type == "claim.edit":
            return op_type, self.claim(), {"note": "改一下"}
        if op_type == "day.confirm":
            day = clock.today() - timedelta(days=next(self.days))
            return op_type, uuid7(), {"day": str(day), "confirmed_at": f"{day}T18:00:00+08:00", "summary": {}}
        raise AssertionError(f"no attempt written for {op_type}: add one")


def _hash() -> str:
    return hashlib.sha256(uuid7().encode()).hexdigest()


# What the document allows, for a writer related to the owner's record as ``who`` says.
def _allowed(op_type: str, role: str, *, is_owner: bool, sees_store: bool) -> bool:
    rule = authz.SYNC_WRITES[op_type].get(Role(role))
    if op_type == "day.confirm":
        return rule is not None  # no store: every rep confirms their own day
    if rule is None or not sees_store:
        return False
    touches_owners_record = op_type.split(".")[1] not in ("create", "submit", "arrive", "complete", "except", "confirm")
    has_parent = op_type.split(".")[0] in authz.PARENTS
    if touches_owners_record or has_parent or rule is authz.Rule.ASSIGNED:
        return is_owner
    return True  # author: a new record of their own at a store they see


@pytest.fixture
def walk(settings: Settings, world: World, session: Session):  # type: ignore[no-untyped-def]
    w = Walk(settings, world, session)
    yield w
    w.close()


def test_every_synced_write_is_the_documented_one(walk: Walk, world: World) -> None:
    writers: list[tuple[str, str, bool, bool]] = [  # username, role, is the owner, sees the owner's store
        (walk.owner.username, "rep", True, True),
        (world.east.reps[1].username, "rep", False, False),
        (world.east.supervisor.username, "supervisor", False, True),
        (world.west.reps[0].username, "rep", False, False),
        (world.west.supervisor.username, "supervisor", False, False),
        (world.finance.username, "finance", False, False),
        (world.admin.username, "admin", False, True),
    ]
    seen: list[str] = []
    for op_type in authz.SYNC_WRITES:
        if op_type.startswith("tally."):
            continue  # the convergence test's own collection
        for username, role, is_owner, sees in writers:
            attempt = walk.attempt(op_type)
            answer = walk.push(username, attempt)
            assert answer.status_code in (200, 403, 404), (op_type, username, answer.text)
            result = answer.json()["results"][0] if answer.status_code == 200 else None
            # authorised: applied, or refused by a domain rule (a step still open), not by who sent it
            authorised = result is not None and (result["status"] != "rejected" or result["code"] not in REFUSAL_CODES)
            expected = _allowed(op_type, role, is_owner=is_owner, sees_store=sees)
            assert authorised is expected, (op_type, username, answer.text)
            seen.append(f"{op_type}:{username}:{authorised}")
    assert len(seen) == 14 * len(writers)


def test_a_supervisor_writes_notes_of_their_own_but_never_a_reps_evidence(walk: Walk, world: World) -> None:
    sup = world.east.supervisor.username
    own_note = uuid7()
    made = walk.push(sup, ("note.create", own_note, {"store_id": walk.store.id, "text": "下周陈列换位"}))
    assert made.json()["results"][0]["status"] == "applied"
    edited = walk.push(sup, ("note.edit", own_note, {"pinned": True}))
    assert edited.json()["results"][0]["status"] == "applied"
    # the rep cannot rewrite the supervisor's note either
    theirs = walk.push(walk.owner.username, ("note.edit", own_note, {"pinned": False}))
    assert theirs.json()["results"][0]["code"] == "not_yours"
    # the check-in photo under review stays the rep's
    _, step = walk.step()
    swap = walk.push(sup, ("step.edit", step, {"photos": {"add": [_hash()]}}))
    assert swap.json()["results"][0]["code"] == "not_your_role"


# ---- REST actions ------------------------------------------------------------------------------


def _rest_calls(walk: Walk, world: World) -> dict[authz.Action, Callable[[TestClient], Any]]:
    store_id = walk.store.id
    other_rep = world.east.reps[1].id

    def new_store(c: TestClient) -> Any:
        body = {"code": f"W-{uuid7()[-8:]}", "name": "新店", "channel": "convenience", "lat": 30.6, "lng": 104.0}
        return c.post("/api/stores/", json=body)

    def new_user(c: TestClient) -> Any:
        body = {"username": f"u{uuid7()[-8:]}", "password": "a-long-password", "role": "finance"}
        return c.post("/api/admin/users", json=body)

    def new_template(c: TestClient) -> Any:
        spec = c.get("/api/templates").json()
        spec = spec[0] if spec else {"code": "x", "name": "x", "steps": []}
        keep = ("code", "name", "name_en", "channels", "steps")
        return c.post("/api/admin/templates", json={k: spec[k] for k in keep if k in spec})

    def new_promotion(c: TestClient) -> Any:
        today = clock.today()
        body = {
            "code": f"P-{uuid7()[-6:]}",
            "name": "试饮",
            "starts_on": str(today),
            "ends_on": str(today + timedelta(days=30)),
            "pools": [{"name": "试饮池", "amount_cents": 100_00, "store_ids": [store_id]}],
        }
        return c.post("/api/admin/promotions", json=body)

    return {
        authz.Action.REVIEW_READ: lambda c: c.get("/api/review/"),
        authz.Action.REVIEW_DECIDE: lambda c: c.post(
            "/api/review/decisions", json={"action": "approve", "visit_ids": [uuid7()]}
        ),
        authz.Action.CLAIM_READ: lambda c: c.get("/api/claims/"),
        authz.Action.CLAIM_DECIDE: lambda c: c.post(f"/api/claims/{uuid7()}/decision", json={"action": "approve"}),
        authz.Action.STORE_CREATE: new_store,
        authz.Action.STORE_EDIT: lambda c: c.patch(f"/api/stores/{store_id}", json={"route_order": 4}),
        authz.Action.STORE_ASSIGN: lambda c: c.patch(f"/api/stores/{store_id}", json={"rep_id": other_rep}),
        authz.Action.USER_CREATE: new_user,
        authz.Action.USER_EDIT: lambda c: c.patch(f"/api/admin/users/{other_rep}", json={"display_name": "改名"}),
        authz.Action.TEMPLATE_SAVE: new_template,
        authz.Action.PROMOTION_CREATE: new_promotion,
        authz.Action.CATALOG_EDIT: lambda c: c.post(
            "/api/admin/catalog/materials", json={"code": f"M{uuid7()[-8:]}", "name": "海报"}
        ),
        authz.Action.JOB_READ: lambda c: c.get("/api/admin/jobs", params={"state": "dead"}),
        authz.Action.JOB_RETRY: lambda c: c.post(f"/api/admin/jobs/{uuid7()}/retry"),
        authz.Action.STATUS_READ: lambda c: c.get("/api/admin/status"),
        authz.Action.ALERT_READ: lambda c: c.get("/api/insights/alerts"),
        authz.Action.SAMPLE_ALLOCATE: lambda c: c.post("/api/insights/potential/1/samples", json={}),
        authz.Action.MODEL_TRAIN: lambda c: c.post("/api/insights/potential/retrain"),
    }


def test_every_rest_action_is_the_documented_one(walk: Walk, world: World) -> None:
    calls = _rest_calls(walk, world)
    assert set(calls) == set(authz.Action)
    people = {
        "rep": world.east.reps[0].username,
        "supervisor": world.east.supervisor.username,
        "finance": world.finance.username,
        "admin": world.admin.username,
    }
    for action, call in calls.items():
        for role, username in people.items():
            answer = call(walk.client(username))
            allowed = Role(role) in authz.ACTIONS[action]
            assert (answer.status_code != 403) is allowed, (action, role, answer.status_code, answer.text)
            assert answer.status_code < 500, (action, role, answer.text)
    # another team's supervisor does not even see this store
    other = walk.client(world.west.supervisor.username)
    assert calls[authz.Action.STORE_EDIT](other).status_code == 404
