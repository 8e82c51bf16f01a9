"""Property-based proof that replicas converge under faults (tests/sync/machine.py), against the
real server over SQL and against the bare engine over ``sync.MemoryStore``.

FIELDVISIT_SYNC_SCENARIOS sets how many scenarios run against each backend (CI default 200;
bench/sync_scenarios.py runs 10,000 against the server).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from server.settings import Settings
from tests.conftest import reset_database
from tests.sync.backends import MemoryBackend, SqlBackend
from tests.sync.machine import Backend, SyncMachine


def run_machine(make_backend: Callable[[], Backend], scenarios: int, steps: int = 30) -> None:
    machine = type(SyncMachine.__name__, (SyncMachine,), {"make_backend": staticmethod(make_backend)})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=scenarios,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def run_scenarios(db_settings: Settings, scenarios: int, steps: int = 30) -> None:
    """The machine against the server and its database (each scenario starts from an empty one)."""
    run_machine(lambda: SqlBackend(db_settings, reset_database), scenarios, steps)


def run_memory_scenarios(scenarios: int, steps: int = 30) -> None:
    """The machine against the engine over an in-memory store (a fresh one per scenario)."""
    run_machine(MemoryBackend, scenarios, steps)


SCENARIOS = int(os.environ.get("FIELDVISIT_SYNC_SCENARIOS", "200"))


@pytest.mark.parametrize("backend", ["sql", "memory"])
def test_replicas_converge_under_faults(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "sql":
        run_scenarios(request.getfixturevalue("settings"), SCENARIOS)
    else:
        run_memory_scenarios(SCENARIOS)
