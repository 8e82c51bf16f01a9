"""The sync engine over ``sync.MemoryStore`` and ``sync.MemoryScope``, with no server code: push,
pull, conflicts, duplicates, sequence gaps, evictions and compaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from sync import (
    CONFLICT,
    CONFLICT_COLLECTION,
    PROTOCOL_VERSION,
    Collection,
    DeviceNotYours,
    Field,
    MemoryScope,
    MemoryStore,
    OpType,
    Policy,
    Principal,
    PushResult,
    Registry,
    Scope,
    SequenceGap,
    parse_batch,
    pull,
    push,
    uuid7,
)

STAGES = ("new", "started", "done")
TALLY = Collection(
    "tally",
    {
        "store_id": Field(Policy.IMMUTABLE, "id", required=True, nullable=False),
        "text": Field(Policy.PROTECTED, "str"),
        "count": Field(Policy.COUNTER, "int"),
        "stage": Field(Policy.MONOTONIC, order=STAGES),
        "flags": Field(Policy.SET, "list"),
    },
)
STORE = Collection("store", {"name": Field(Policy.SERVER)}, device_writable=False)


def registry() -> Registry:
    reg = Registry()
    reg.add(
        TALLY,
        OpType("tally.create", "tally", "create"),
        OpType("tally.update", "tally", "update"),
        OpType("tally.delete", "tally", "delete"),
    )
    reg.add(STORE, OpType("store.update", "store", "update"))
    reg.add(CONFLICT_COLLECTION)
    return reg


REGISTRY = registry()
TEAM = "team-1"
S1, S2 = uuid7(), uuid7()


@dataclass
class World:
    store: MemoryStore = field(default_factory=MemoryStore)
    scope: MemoryScope = field(default_factory=MemoryScope)


@dataclass
class Device:
    """A phone: its own outbox numbering, its cursor and what it pulled."""

    world: World
    who: Principal
    seq: int = 0
    cursor: int = 0
    seen: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def op(self, type_: str, record_id: str, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
        self.seq += 1
        return {"op_id": uuid7(), "seq": self.seq, "type": type_, "id": record_id, "fields": fields, **extra}

    def send(self, *ops: dict[str, Any]) -> PushResult:
        batch = parse_batch(
            {"protocol": PROTOCOL_VERSION, "device_id": self.who.device_id, "ops": list(ops)}, max_ops=100
        )
        with self.world.store.transaction():
            return push(self.world.store, self.world.scope, REGISTRY, self.who, batch)

    def sync(self, limit: int = 100) -> list[dict[str, Any]]:
        """Pull every page from the cursor on; the changes met."""
        met = []
        while True:
            page = pull(self.world.store, self.world.scope, self.who, self.cursor, limit)
            assert not page.resync
            for change in page.changes:
                key = (change["collection"], change["id"])
                if change["op"] == "evict":
                    self.seen.pop(key, None)
                else:
                    self.seen[key] = change
            met.extend(page.changes)
            self.cursor = page.cursor
            if not page.more:
                return met


def person(role: str, team: str | None = TEAM, user_id: str | None = None) -> Principal:
    return Principal(user_id or uuid7(), role, team, f"dev-{uuid7()}")


def phone(world: World, who: Principal) -> Device:
    """Another device of the same person."""
    return Device(world, Principal(who.user_id, who.role, who.team_id, f"dev-{uuid7()}"))


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def rep(world: World) -> Device:
    device = Device(world, person("rep"))
    world.scope.stores.update({S1: (device.who.user_id, TEAM), S2: (device.who.user_id, TEAM)})
    return device


def create(device: Device, **fields: Any) -> tuple[str, dict[str, Any]]:
    record_id = uuid7()
    return record_id, device.op("tally.create", record_id, {"store_id": S1, **fields})


def test_push_then_pull_reaches_the_rep_and_team_but_no_one_else(world: World, rep: Device) -> None:
    record_id, op = create(rep, count=1, stage="new", flags=["x"], text="冰柜坏了")
    answer = rep.send(op)
    assert [r.status for r in answer.results] == ["applied"]
    assert answer.last_seq == 1 and world.store.device(rep.who.device_id) == (rep.who.user_id, 1)

    tablet = phone(world, rep.who)
    [change] = tablet.sync()
    assert change["op"] == "upsert" and change["id"] == record_id
    assert change["fields"] == {"store_id": S1, "count": 1, "stage": "new", "flags": ["x"], "text": "冰柜坏了"}
    assert change["version"] == world.store.current_seq() == tablet.cursor

    supervisor = Device(world, person("supervisor"))
    assert [c["id"] for c in supervisor.sync()] == [record_id]
    admin = Device(world, person("admin", team=None))
    assert [c["id"] for c in admin.sync()] == [record_id]
    assert Device(world, person("rep")).sync() == []  # another rep of the same team
    assert Device(world, person("supervisor", team="team-2")).sync() == []


def test_edits_merge_by_policy(world: World, rep: Device) -> None:
    record_id, op = create(rep, count=0, stage="started", flags=["x"])
    rep.send(op)
    tablet = phone(world, rep.who)
    rep.send(rep.op("tally.update", record_id, {"count": {"add": 2}, "flags": {"add": ["y"]}, "stage": "done"}))
    answer = tablet.send(
        tablet.op("tally.update", record_id, {"count": {"add": 3}, "flags": {"remove": ["x"]}, "stage": "new"})
    )
    assert answer.results[0].status == "applied"
    state = world.store.records[("tally", record_id)]
    assert state.fields["count"] == 5 and state.fields["flags"] == ["y"] and state.fields["stage"] == "done"


def test_a_stale_edit_of_a_protected_field_is_kept_as_a_conflict(world: World, rep: Device) -> None:
    record_id, op = create(rep, text="开始")
    rep.send(op)
    tablet = phone(world, rep.who)
    tablet.sync()
    base = {"text": tablet.seen[("tally", record_id)]["versions"]["text"]}
    assert rep.send(rep.op("tally.update", record_id, {"text": "phone"}, base=base)).results[0].status == "applied"

    answer = tablet.send(tablet.op("tally.update", record_id, {"text": "tablet"}, base=base))
    [result] = answer.results
    assert result.status == "conflict" and len(result.conflicts) == 1
    assert world.store.records[("tally", record_id)].fields["text"] == "phone"
    conflict = world.store.records[(CONFLICT, result.conflicts[0])]
    assert conflict.fields["kept"] == "phone" and conflict.fields["other"] == "tablet"
    assert conflict.fields["status"] == "open" and conflict.scope == Scope(rep.who.user_id, TEAM, S1)
    assert {c["collection"] for c in tablet.sync()} == {"tally", CONFLICT}

    # settling it: an edit made on the current version that names the conflict
    now = {"text": tablet.seen[("tally", record_id)]["versions"]["text"]}
    settle = tablet.op("tally.update", record_id, {"text": "tablet"}, base=now, resolves=[conflict.id])
    assert tablet.send(settle).results[0].status == "applied"
    assert world.store.records[(CONFLICT, conflict.id)].fields["status"] == "resolved"
    assert world.store.records[("tally", record_id)].fields["text"] == "tablet"


def test_a_batch_sent_again_answers_duplicate_and_changes_nothing(world: World, rep: Device) -> None:
    record_id, op = create(rep, count=1)
    again = rep.op("tally.update", record_id, {"count": {"add": 1}})
    rep.send(op, again)
    counter, applied = world.store.counter, len(world.store.applied)

    answer = rep.send(op, again)
    assert [r.status for r in answer.results] == ["duplicate", "duplicate"] and answer.last_seq == 2
    assert world.store.counter == counter and len(world.store.applied) == applied
    assert world.store.records[("tally", record_id)].fields["count"] == 2

    # a batch overlapping what was applied: the old part is duplicate, the new part applies
    more = rep.op("tally.update", record_id, {"count": {"add": 10}})
    assert [r.status for r in rep.send(again, more).results] == ["duplicate", "applied"]
    assert world.store.records[("tally", record_id)].fields["count"] == 12
    assert [a.op_id for a in world.store.applied] == [op["op_id"], again["op_id"], more["op_id"]]


def test_a_sequence_gap_refuses_the_whole_batch(world: World, rep: Device) -> None:
    _, op = create(rep, count=1)
    rep.send(op)
    rep.op("tally.create", uuid7(), {"store_id": S1})  # seq 2: lost on the way
    _, later = create(rep, count=3)  # seq 3
    before = (world.store.counter, dict(world.store.records), list(world.store.changes))
    with pytest.raises(SequenceGap) as refused:
        rep.send(later)
    assert refused.value.extra == {"expected_seq": 2, "last_seq": 1}
    assert (world.store.counter, world.store.records, world.store.changes) == before
    assert world.store.device(rep.who.device_id) == (rep.who.user_id, 1) and not world.store.in_transaction


def test_rejected_ops_still_advance_the_device(world: World, rep: Device) -> None:
    _, outside = create(rep)
    outside["fields"]["store_id"] = uuid7()  # no such store
    server_owned = rep.op("store.update", S1, {"name": "mine"})
    missing = rep.op("tally.update", uuid7(), {"count": {"add": 1}})
    record_id, fine = create(rep, count=1)
    answer = rep.send(outside, server_owned, missing, fine)
    assert [(r.status, r.code) for r in answer.results] == [
        ("rejected", "not_found"),
        ("rejected", "server_owned"),
        ("rejected", "not_found"),
        ("applied", None),
    ]
    assert answer.last_seq == 4 and list(world.store.records) == [("tally", record_id)]
    assert [a.status for a in world.store.applied] == ["rejected", "rejected", "rejected", "applied"]


def test_only_the_author_changes_a_record_and_a_device_belongs_to_one_user(world: World, rep: Device) -> None:
    record_id, op = create(rep, count=1)
    rep.send(op)
    admin = Device(world, person("admin", team=None))
    assert admin.send(admin.op("tally.update", record_id, {"count": {"add": 1}})).results[0].code == "not_yours"
    other = Device(world, person("rep"))
    assert other.send(other.op("tally.update", record_id, {"count": {"add": 1}})).results[0].code == "not_found"
    thief = Device(world, Principal(other.who.user_id, "rep", TEAM, rep.who.device_id))
    with pytest.raises(DeviceNotYours):
        thief.send(thief.op("tally.update", record_id, {"count": {"add": 1}}))
    assert world.store.records[("tally", record_id)].fields["count"] == 1


def test_a_record_moved_to_another_rep_is_evicted_from_the_old_audience(world: World, rep: Device) -> None:
    record_id, op = create(rep, count=1)
    rep.send(op)
    rep.sync()
    newcomer = Device(world, person("rep", team="team-2"))
    old_boss, new_boss = Device(world, person("supervisor")), Device(world, person("supervisor", team="team-2"))
    old_boss.sync()

    world.scope.stores[S1] = (newcomer.who.user_id, "team-2")
    moved = world.store.rescope("tally", record_id, Scope(newcomer.who.user_id, "team-2", S1))
    assert moved is not None and moved.version == world.store.current_seq()

    assert rep.sync() == [{"collection": "tally", "id": record_id, "op": "evict", "version": moved.version}]
    assert [c["op"] for c in old_boss.sync()] == ["evict"]
    assert [(c["op"], c["id"]) for c in newcomer.sync()] == [("upsert", record_id)]
    assert [(c["op"], c["id"]) for c in new_boss.sync()] == [("upsert", record_id)]
    # the author's edit made before they heard: refused, and told why
    answer = rep.send(rep.op("tally.update", record_id, {"count": {"add": 1}}))
    assert answer.results[0].code == "store_moved"
    assert world.store.rescope("tally", record_id, moved.scope) == moved  # already there: nothing written


def test_pull_pages_by_limit_and_sends_only_the_latest_state(world: World, rep: Device) -> None:
    ids = []
    for n in range(5):
        record_id, op = create(rep, count=n)
        rep.send(op)
        ids.append(record_id)
    rep.send(rep.op("tally.update", ids[0], {"count": {"add": 7}}))
    tablet = phone(world, rep.who)
    page = pull(world.store, world.scope, tablet.who, 0, 2)
    assert page.more and [c["id"] for c in page.changes] == ids[:2] and page.cursor == 2
    met = tablet.sync(limit=2)
    assert {c["id"] for c in met} == set(ids)
    assert tablet.seen[("tally", ids[0])]["fields"]["count"] == 7
    assert pull(world.store, world.scope, tablet.who, tablet.cursor, 2).changes == []


def test_compaction_drops_superseded_rows_and_past_the_horizon_devices_resync(world: World, rep: Device) -> None:
    record_id, op = create(rep, count=1)
    gone, doomed = create(rep)
    rep.send(op, doomed)
    tablet = phone(world, rep.who)
    tablet.sync()
    rep.send(rep.op("tally.update", record_id, {"count": {"add": 1}}), rep.op("tally.delete", gone, {}))
    deleted_at = world.store.records[("tally", gone)].version

    report = world.store.compact()
    assert report == {"superseded_rows": 2, "tombstones_purged": 1, "horizon": deleted_at}
    assert ("tally", gone) not in world.store.records and world.store.horizon() == deleted_at
    assert [(r.id, r.seq) for r in world.store.changes] == [
        (record_id, world.store.records[("tally", record_id)].version)
    ]

    # a device that pulled before the purge must start over; a new device just pulls
    assert pull(world.store, world.scope, tablet.who, tablet.cursor, 10).resync
    fresh = phone(world, rep.who)
    assert [(c["id"], c["fields"]["count"]) for c in fresh.sync()] == [(record_id, 2)]


def test_a_failing_push_leaves_nothing_behind(world: World, rep: Device) -> None:
    class Broken(MemoryScope):
        def derive(self, *args: Any) -> dict[str, Any] | None:
            raise RuntimeError("boom")

    world.scope = Broken(stores=world.scope.stores)
    _, op = create(rep, count=1)
    with pytest.raises(RuntimeError):
        rep.send(op)
    assert world.store.records == {} and world.store.changes == [] and world.store.counter == 0
    assert world.store.device(rep.who.device_id) is None and not world.store.in_transaction


def test_reference_data_is_published_to_its_audience(world: World, rep: Device) -> None:
    world.store.publish(STORE, S1, {"name": "店1"}, Scope(rep.who.user_id, TEAM, S1))
    world.store.publish(STORE, S2, {"name": "店2"}, Scope(public=True))
    counter = world.store.counter
    world.store.publish(STORE, S2, {"name": "店2"}, Scope(public=True))  # unchanged: nothing written
    assert world.store.counter == counter
    assert {c["id"] for c in rep.sync()} == {S1, S2}
    assert [c["id"] for c in Device(world, person("rep")).sync()] == [S2]
