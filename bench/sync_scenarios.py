"""Long run of the sync convergence state machine (tests/sync/machine.py).

    python bench/sync_scenarios.py [--scenarios 10000] [--database-url URL]

Each scenario: three devices (a rep's phone and tablet with clocks a day fast and slow, the
supervisor's laptop) edit shared notes and tallies and push/pull through the real server code
and database under faults. Prints scenarios run, operations by outcome and the wall time.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.db import migrate
from server.domains import DOMAINS, install
from server.settings import Settings
from tests.example_domain.domain import TALLY_DOMAIN
from tests.sync import machine
from tests.sync.test_convergence import run_scenarios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=30, help="most steps per scenario (default 30)")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        data_dir=tmp, database_url=args.database_url or f"sqlite:///{tmp}/scenarios.db", secret_key="bench"
    )
    migrate(settings)
    install([*DOMAINS, TALLY_DOMAIN])  # the app's domains and the example one the machine writes
    stats: collections.Counter[str] = collections.Counter()
    settle = machine.SyncMachine._settle_and_check
    push = machine.SyncMachine._push

    def counted_settle(self: machine.SyncMachine) -> None:
        stats["scenarios"] += 1
        stats["operations"] += len(self.ops)
        settle(self)

    def counted_push(self: machine.SyncMachine, device, ops):  # type: ignore[no-untyped-def]
        answer = push(self, device, ops)
        if answer is None:
            stats["refused: sequence gap"] += 1
        else:
            for result in answer["results"]:
                stats[f"answered: {result['status']}"] += 1
        return answer

    machine.SyncMachine._settle_and_check = counted_settle  # type: ignore[method-assign]
    machine.SyncMachine._push = counted_push  # type: ignore[method-assign]
    started = time.perf_counter()
    run_scenarios(settings, args.scenarios, args.steps)
    elapsed = time.perf_counter() - started
    print(f"database: {settings.resolved_database_url().split('@')[-1]}")
    for key, value in sorted(stats.items()):
        print(f"  {key:<26} {value:>9,}")
    print(
        f"all {stats['scenarios']:,} scenarios converged, no acknowledged edit lost, none applied twice "
        f"({elapsed:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
