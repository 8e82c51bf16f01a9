"""The sync convergence state machine: three devices edit, push and pull under faults; afterwards
every replica must agree, no acknowledged edit may be lost and no operation may take effect twice.

The machine talks to a ``Backend`` (tests/sync/backends.py): the real server code and database
(``SqlBackend``), or the bare engine over ``sync.MemoryStore`` (``MemoryBackend``). The same rules
and the same checks run against both.

Faults: a dropped request, a dropped response after commit, a duplicated batch, batches arriving
in the wrong order, a device crashing between applying a pull and saving its cursor, a server
restart (connections dropped), and device clocks off by up to ±24 h.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar, Protocol

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from server.domains import DOMAINS
from server.registry import build
from sync import SyncError, uuid7
from tests.example_domain.domain import STAGES, TALLY_DOMAIN
from tests.sync.simclient import Key, SimDevice

# The sync machine runs on the example domain's collection (tests/example_domain), with the app's.
REGISTRY = build([*DOMAINS, TALLY_DOMAIN]).registry
TEXTS = ("冰柜坏了", "price tags missing", "老板不在", "ok", "")


class Record(Protocol):
    """A record as a backend holds it (a ``SyncRecord`` row or a ``sync.RecordState``)."""

    fields: dict[str, Any]
    deleted: bool


class Backend(Protocol):
    """What the machine syncs against: one fresh server per scenario."""

    def setup(self) -> tuple[Any, list[str]]:
        """Make a team with a rep and two stores assigned to them; (the rep, the store ids)."""

    def push(self, user: Any, body: dict[str, Any]) -> dict[str, Any]:
        """One push batch, answered as the HTTP API does; a refused batch raises ``SyncError``."""

    def pull(self, user: Any, device_id: str, cursor: int, limit: int) -> dict[str, Any]: ...

    def restart(self) -> None:
        """Lose whatever the server keeps outside its committed state."""

    def records(self) -> dict[Key, Record]: ...

    def audit(self) -> list[tuple[str, str]]:
        """(op_id, status) of every operation a push met, in the order they were applied."""

    def close(self) -> None: ...


class SyncMachine(RuleBasedStateMachine):
    make_backend: ClassVar[Callable[[], Backend]]

    def __init__(self) -> None:
        super().__init__()
        self.backend = self.make_backend()
        rep, self.store_ids = self.backend.setup()
        self.devices = [
            SimDevice("phone", rep, timedelta(hours=24)),
            SimDevice("tablet", rep, timedelta(hours=-24)),
            # a rep's third device: only a record's author edits it (server/authz.py), so concurrent
            # edits of one record come from one person's devices
            SimDevice("laptop", rep, timedelta(minutes=-37)),
        ]
        self.ops: dict[str, dict[str, Any]] = {}  # every op ever enqueued, by op_id
        self.acknowledged: set[str] = set()
        # Start from shared records every device has pulled, so concurrent edits happen from step one.
        setup = SimDevice("setup", rep, timedelta(0))
        for i in range(2):
            self._enqueue(setup, "note.create", uuid7(), {"store_id": self.store_ids[i], "text": "开始", "tags": ["a"]})
        self._enqueue(setup, "tally.create", uuid7(), {"store_id": self.store_ids[0], "count": 0, "stage": "new"})
        answer = self._push(setup, setup.outbox)
        assert answer is not None
        self.acknowledged.update(op["op_id"] for op in setup.acknowledge(answer))
        for device in self.devices:
            self._pull_all(device)

    # -- helpers ---------------------------------------------------------------------------------
    def _known(self, device: SimDevice, collection: str) -> list[Key]:
        return sorted(k for k, v in device.view().items() if k[0] == collection and v is not None)

    def _push(self, device: SimDevice, ops: list[dict[str, Any]]) -> dict[str, Any] | None:
        try:
            return self.backend.push(device.user, device.batch(ops))
        except SyncError as exc:
            assert exc.code == "sequence_gap", exc.detail  # the only refusal a well-behaved phone meets
            return None

    def _pull_all(self, device: SimDevice) -> None:
        while True:
            page = self.backend.pull(device.user, device.device_id, device.cursor, 20)
            assert not page["resync"]
            device.apply_pull(page)
            device.cursor = page["cursor"]
            if not page["more"]:
                return

    def _enqueue(self, device: SimDevice, *args: Any, **kwargs: Any) -> None:
        op = device.enqueue(*args, **kwargs)
        self.ops[op["op_id"]] = op

    # -- edits -----------------------------------------------------------------------------------
    @rule(d=st.integers(0, 2), store=st.integers(0, 1), text=st.sampled_from(TEXTS), tag=st.sampled_from("abc"))
    def create_note(self, d: int, store: int, text: str, tag: str) -> None:
        self._enqueue(
            self.devices[d], "note.create", uuid7(), {"store_id": self.store_ids[store], "text": text, "tags": [tag]}
        )

    @rule(d=st.integers(0, 2), store=st.integers(0, 1), count=st.integers(0, 3))
    def create_tally(self, d: int, store: int, count: int) -> None:
        self._enqueue(
            self.devices[d],
            "tally.create",
            uuid7(),
            {"store_id": self.store_ids[store], "count": count, "stage": "new", "flags": []},
        )

    @rule(d=st.integers(0, 2), pick=st.integers(0, 50), text=st.sampled_from(TEXTS))
    def edit_text(self, d: int, pick: int, text: str) -> None:
        device = self.devices[d]
        known = self._known(device, "note")
        if known:
            key = known[pick % len(known)]
            self._enqueue(device, "note.edit", key[1], {"text": text}, base={"text": device.text_base(key)})

    @rule(
        d=st.integers(0, 2),
        pick=st.integers(0, 50),
        tag=st.sampled_from("abcd"),
        remove=st.booleans(),
        pinned=st.none() | st.booleans(),
    )
    def edit_tags(self, d: int, pick: int, tag: str, remove: bool, pinned: bool | None) -> None:
        device = self.devices[d]
        known = self._known(device, "note")
        if known:
            fields: dict[str, Any] = {"tags": {"remove": [tag]} if remove else {"add": [tag]}}
            if pinned is not None:
                fields["pinned"] = pinned
            self._enqueue(device, "note.edit", known[pick % len(known)][1], fields)

    @rule(
        d=st.integers(0, 2),
        pick=st.integers(0, 50),
        delta=st.integers(-2, 5),
        stage=st.none() | st.sampled_from(STAGES),
        flag=st.sampled_from("xy"),
    )
    def edit_tally(self, d: int, pick: int, delta: int, stage: str | None, flag: str) -> None:
        device = self.devices[d]
        known = self._known(device, "tally")
        if known:
            fields: dict[str, Any] = {"count": {"add": delta}, "flags": {"add": [flag]}}
            if stage:
                fields["stage"] = stage
            self._enqueue(device, "tally.update", known[pick % len(known)][1], fields)

    @rule(d=st.integers(0, 2), pick=st.integers(0, 50), collection=st.sampled_from(["note", "tally"]))
    def delete(self, d: int, pick: int, collection: str) -> None:
        device = self.devices[d]
        known = self._known(device, collection)
        if known and pick % 4 == 0:  # deletes are rarer than edits
            self._enqueue(device, f"{collection}.delete", known[pick % len(known)][1], {})

    # -- sync under faults -----------------------------------------------------------------------
    @precondition(lambda self: any(d.outbox for d in self.devices))
    @rule(
        d=st.integers(0, 2),
        size=st.integers(1, 6),
        fault=st.sampled_from(["none", "none", "drop_request", "drop_response", "duplicate", "reorder"]),
    )
    def push(self, d: int, size: int, fault: str) -> None:
        device = self.devices[d]
        if not device.outbox:
            return
        ops = device.outbox[:size]
        if fault == "drop_request":
            return  # never reached the server
        if fault == "reorder" and len(device.outbox) > size:
            later = device.outbox[size : size * 2]
            early = self._push(device, later)  # refused as a gap, unless a lost answer had covered the ops before
            assert early is None or early["last_seq"] >= later[-1]["seq"]
        answer = self._push(device, ops)
        if fault == "duplicate":
            answer = self._push(device, ops) or answer
        if fault == "drop_response" or answer is None:
            return  # committed on the server, but the phone never heard: it will send again
        for op in device.acknowledge(answer):
            self.acknowledged.add(op["op_id"])

    @rule(
        d=st.integers(0, 2),
        limit=st.integers(1, 7),
        fault=st.sampled_from(["none", "none", "drop_response", "crash_before_cursor"]),
    )
    def pull(self, d: int, limit: int, fault: str) -> None:
        device = self.devices[d]
        page = self.backend.pull(device.user, device.device_id, device.cursor, limit)
        if fault == "drop_response":
            return
        device.apply_pull(page)
        if fault != "crash_before_cursor":  # a crash here means the page comes again: harmless
            device.cursor = page["cursor"]

    @rule()
    def restart_server(self) -> None:
        self.backend.restart()  # e.g. every pooled connection gone: state must come back from what was committed

    # -- the end: sync everything and check -------------------------------------------------------
    def teardown(self) -> None:
        try:
            self._settle_and_check()
        finally:
            self.backend.close()

    def _settle_and_check(self) -> None:
        for device in self.devices:
            while device.outbox:
                answer = self._push(device, device.outbox[:50])
                assert answer is not None, "a full push from the head of the outbox cannot meet a gap"
                for op in device.acknowledge(answer):
                    self.acknowledged.add(op["op_id"])
        for device in self.devices:
            self._pull_all(device)
        records = self.backend.records()
        audit = self.backend.audit()
        # 1. No operation took effect twice, and every acknowledged one took effect once.
        counts: dict[str, int] = defaultdict(int)
        for op_id, _ in audit:
            counts[op_id] += 1
        assert all(n == 1 for n in counts.values()), {k: n for k, n in counts.items() if n > 1}
        assert self.acknowledged <= set(counts), self.acknowledged - set(counts)
        # 2. Every replica converged on the server's state (everything here is in every device's scope).
        shared = {
            k: (None if r.deleted else r.fields) for k, r in records.items() if k[0] in ("note", "tally", "conflict")
        }
        for device in self.devices:
            mine = {
                k: (None if v["deleted"] else v["fields"])
                for k, v in device.server.items()
                if k[0] in ("note", "tally", "conflict")
            }
            assert mine == shared, f"{device.name} diverged"
        # 3. No acknowledged edit lost: replay the server's order with independent arithmetic.
        self._check_effects(records, audit)

    def _check_effects(self, records: dict[Key, Record], audit: list[tuple[str, str]]) -> None:
        expected: dict[Key, dict[str, Any]] = {}
        conflicts_by_op = defaultdict(list)
        for (collection, _), r in records.items():
            if collection == "conflict":
                conflicts_by_op[r.fields["other_op_id"]].append(r.fields)
        for op_id, status in audit:
            op = self.ops[op_id]
            collection, action = op["type"].split(".")
            key = (collection, op["id"])
            if status == "rejected":
                continue
            if action == "create":
                expected[key] = {k: (list(v) if isinstance(v, list) else v) for k, v in op["fields"].items()}
                continue
            state = expected[key]
            if action == "delete":
                state["__deleted__"] = True
                continue
            for name, value in op["fields"].items():
                if name == "text":
                    if status == "applied":
                        state["text"] = value
                    else:
                        assert any(c["other"] == value for c in conflicts_by_op[op_id]), "a conflicting edit was lost"
                elif name in ("tags", "flags"):
                    current = [v for v in state.get(name, []) if v not in value.get("remove", [])]
                    state[name] = current + [v for v in value.get("add", []) if v not in current]
                elif name == "count":
                    state["count"] = state.get("count", 0) + value["add"]
                elif name == "stage":
                    state["stage"] = max(state.get("stage", "new"), value, key=STAGES.index)
                else:
                    state[name] = value
        for key, state in expected.items():
            record = records[key]
            if state.pop("__deleted__", False):
                assert record.deleted, f"{key} should be deleted"
                continue
            assert not record.deleted
            assert record.fields == state, (key, record.fields, state)
