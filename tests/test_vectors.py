"""Rules the PWA and the server both compute, checked against the same vectors in tests/vectors/.

Each ``tests/vectors/<rule>.json`` is a list of ``{name, input, expected}``; this file runs the
server's side and ``tests/js/*.test.mjs`` the PWA's (``node --test``, run by ``test_js_vectors``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from server.claims.service import cents
from server.review.dashboard import planned_on
from server.visits.rules import distance_m
from server.visits.templates import EXCEPTION_REASONS, TemplateStep, missing
from sync import ids, merge
from sync.model import Collection, Field, Operation, OpType, Policy, RecordState, Scope

ROOT = Path(__file__).resolve().parent.parent
VECTORS = Path(__file__).resolve().parent / "vectors"
TOLERANCE_M = 0.001  # the same in tests/js/geo.test.mjs


def cases(rule: str) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in json.loads((VECTORS / f"{rule}.json").read_text("utf-8"))]


def test_every_vector_file_has_both_sides() -> None:
    """A vector file nobody runs checks nothing: each is read here and by a JS test."""
    js = "\n".join(p.read_text("utf-8") for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    py = Path(__file__).read_text("utf-8")
    for path in sorted(VECTORS.glob("*.json")):
        assert f"vectors('{path.stem}')" in js, f"no JS test reads {path.name}"
        assert f'cases("{path.stem}")' in py, f"no Python test reads {path.name}"
        for c in json.loads(path.read_text("utf-8")):
            assert set(c) == {"name", "input", "expected"}, f"{path.name}: {c}"


@pytest.mark.parametrize("case", cases("step_missing"))
def test_step_missing(case: dict[str, Any]) -> None:
    fields = [{"label": f["key"], **f} for f in case["input"]["fields"]]
    step = TemplateStep.model_validate({"key": "step", "name": "Step", "fields": fields})
    assert missing(step, case["input"]["answers"]) == case["expected"]


@pytest.mark.parametrize("case", cases("exception_reasons"))
def test_exception_reasons(case: dict[str, Any]) -> None:
    assert list(EXCEPTION_REASONS) == case["expected"]


@pytest.mark.parametrize("case", cases("planned_on"))
def test_planned_on(case: dict[str, Any]) -> None:
    i = case["input"]
    assert (
        planned_on(i["visit_days"], i["cycle_weeks"], i["cycle_anchor"], date.fromisoformat(i["day"]))
        is case["expected"]
    )


@pytest.mark.parametrize("case", cases("distance_m"))
def test_distance_m(case: dict[str, Any]) -> None:
    a, b = (case["input"][k] for k in ("a", "b"))
    d = distance_m((a["lat"], a["lng"]), (b["lat"], b["lng"]))
    assert d == pytest.approx(case["expected"], abs=TOLERANCE_M)
    assert distance_m((b["lat"], b["lng"]), (a["lat"], a["lng"])) == pytest.approx(d, abs=TOLERANCE_M)


@pytest.mark.parametrize("case", cases("uuid7"))
def test_uuid7(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # sync.ids draws 10 random bytes: rand_a is the top 12 bits, rand_b the low 62; the 6 bits
    # between them are unused and set to 1 here to show they are.
    rand = int(case["input"]["rand_a"], 16) << 68 | 0b111111 << 62 | int(case["input"]["rand_b"], 16)
    monkeypatch.setattr(ids.os, "urandom", lambda n: rand.to_bytes(n, "big"))
    made = ids.uuid7(case["input"]["now_ms"])
    assert made == case["expected"]
    assert ids.is_uuid7(made)


@pytest.mark.parametrize("case", cases("money_cents"))
def test_money_cents(case: dict[str, Any]) -> None:
    assert cents(case["input"]) == case["expected"]


def _collection(spec: dict[str, Any]) -> Collection:
    fields = {}
    for name, policy in spec.items():
        if isinstance(policy, str):
            fields[name] = Field(Policy(policy))
        else:
            fields[name] = Field(Policy(policy["policy"]), order=tuple(policy.get("order", ())))
    return Collection("c", fields)


@pytest.mark.parametrize("case", cases("apply_op"))
def test_apply_op(case: dict[str, Any]) -> None:
    i = case["input"]
    collection = _collection(i["fields"])
    device = "device-1"
    op = Operation(op_id=ids.uuid7(), seq=1, type=f"c.{i['action']}", id="r1", fields=i["op"], base={})
    if i["action"] == "create":
        outcome = merge.create(collection, OpType(op.type, "c", "create"), op, 1, Scope(), None, device)
    else:
        before = i["before"]
        # The record as this device last wrote it: its own edits never conflict (a protected field too).
        current = RecordState(
            "c", "r1", dict(before), dict.fromkeys(before, 1), 1, writers=dict.fromkeys(before, device)
        )
        outcome = (
            merge.update(collection, current, op, 2, device) if i["action"] == "update" else merge.delete(current, 2)
        )
    assert {"fields": outcome.state.fields, "deleted": outcome.state.deleted} == case["expected"]
    assert not outcome.conflicts


def test_js_vectors() -> None:
    """The PWA's side: Node's built-in test runner over tests/js/ (Debian's nodejs; ./dev test installs it)."""
    node = shutil.which("node")
    assert node, "node is not installed: apt-get install nodejs (./dev test installs it as root)"
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    assert files, "no tests/js/*.test.mjs"
    # the files by name: what `node --test <directory>` runs differs between Node versions
    run = subprocess.run(
        [node, "--test", "--test-reporter=spec", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, (
        f"node --test tests/js/*.test.mjs failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    )
