"""Property-based proof that replicas converge under faults (tests/sync/machine.py), against the
real server over SQL, against four server processes over HTTP on one database, and against the
bare engine over ``sync.MemoryStore``.

FIELDVISIT_SYNC_SCENARIOS sets how many scenarios run against each backend (CI default 200;
bench/sync_scenarios.py runs 10,000 against the server).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from server.settings import Settings
from tests.conftest import _PASSWORD_HASH, PASSWORD, _test_database_url, fresh_database, reset_database
from tests.livesupport import start_server
from tests.sync.backends import HttpBackend, MemoryBackend, SqlBackend
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


PROCESS_SCENARIOS = int(os.environ.get("FIELDVISIT_SYNC_PROCESS_SCENARIOS", "25"))


def test_replicas_converge_across_four_server_processes(tmp_path: Path) -> None:
    """``fieldvisit serve --workers 4`` on one database: a device's requests land on any of the
    processes, a restart drops every connection, and the same guarantees hold."""
    url = _test_database_url(tmp_path, "_procs")
    fresh_database(url)
    server = start_server(tmp_path / "data", url, demo=False, workers=4, app="tests.example_domain.app:create_app")
    db = Settings(data_dir=tmp_path / "data", database_url=url, secret_key="test")
    try:
        run_machine(lambda: HttpBackend(server.url, db, _PASSWORD_HASH, PASSWORD), PROCESS_SCENARIOS)
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
        workers = [p for p in children if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == 4, children  # four server processes ran, and are all still alive
    finally:
        server.stop()
