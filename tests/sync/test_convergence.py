"""Property-based proof that replicas converge under faults (tests/sync/machine.py).

FIELDVISIT_SYNC_SCENARIOS sets how many scenarios run (CI default 200; bench/sync_scenarios.py runs 10,000).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from server.settings import Settings
from tests.conftest import reset_database
from tests.sync.machine import SyncMachine


def run_scenarios(db_settings: Settings, scenarios: int, steps: int = 30) -> None:
    SyncMachine.settings = db_settings
    SyncMachine.reset = staticmethod(reset_database)
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=scenarios,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_replicas_converge_under_faults(settings: Settings) -> None:  # type: ignore[no-redefined]
    run_scenarios(settings, int(os.environ.get("FIELDVISIT_SYNC_SCENARIOS", "200")))
