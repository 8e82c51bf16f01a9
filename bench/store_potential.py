"""The store-potential model's back-test on the demo season, and how long a retraining takes.

    python bench/store_potential.py [--runs 3] [--compare] [--database-url URL]

Seeds the demo distributor (2,800 outlets, a season of stock counts with two launches drawn from
a hidden per-store propensity the model never reads), then:

1. back-test: trains on the first launch (features as of its launch day, labels: sold by the end
   of its 90-day window) and scores the second launch's stores from their features as of *its*
   launch day; prints the AUC and the lift of the top 20 % (their sell-through over the average);
2. retraining: the whole job as the worker runs it (features for every store, the back-test, the
   fit on the latest closed launch, a score and top factors for every store written), timed.

``--runs`` repeats the retraining and quotes the median. ``--compare`` also back-tests scikit-learn's
gradient boosting on the same features, the alternative the model was chosen over. Ends with one
line: ``auc=… lift_top20=… train_s=…`` (targets: AUC >= 0.75, lift >= 1.8, train <= 60 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from sqlmodel import select

from server.catalog.models import Sku
from server.db import migrate, session_scope, utcnow
from server.demo.seed import seed_demo
from server.domains import install
from server.insights import potential
from server.review.dashboard import today
from server.settings import Settings


def _boosted(settings: Settings) -> tuple[float, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    window = settings.sell_through_days
    with session_scope(settings) as session:
        first, second = potential.closed_launches(session, today(settings), window)[-2:]
        launches = list(session.exec(select(Sku).where(Sku.launch_date.is_not(None))))  # type: ignore[union-attr]
        assert first.launch_date and second.launch_date
        train = potential.features(session, first.launch_date, launches, window)
        known = potential.labels(session, first, window)
        rows = [i for i, s in enumerate(train.stores) if s in known]
        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0)
        model.fit(train.rows[rows], np.array([known[train.stores[i]] for i in rows]))
        test = potential.features(session, second.launch_date, launches, window)
        truth = potential.labels(session, second, window)
        rows = [i for i, s in enumerate(test.stores) if s in truth]
        y = np.array([truth[test.stores[i]] for i in rows])
        return potential.auc_and_lift(model.predict_proba(test.rows[rows])[:, 1], y)


def main() -> int:
    install()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="retrainings to time (median quoted)")
    parser.add_argument("--compare", action="store_true", help="also back-test gradient boosting")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fv-bench-potential-"))
    settings = Settings(
        data_dir=root, database_url=args.database_url or f"sqlite:///{root}/bench.db", jobs_embedded=False
    )
    migrate(settings)
    started = time.perf_counter()
    seed_demo(settings)
    print(f"demo seeded in {time.perf_counter() - started:.0f} s ({settings.database_url.split('://')[0]})")
    window = settings.sell_through_days
    with session_scope(settings) as session:
        closed = potential.closed_launches(session, today(settings), window)
        if len(closed) < 2:
            print("the demo has fewer than two closed launches: nothing to back-test")
            return 1
        first, second = closed[-2:]
        stores = len(potential.features(session, today(settings), closed, window).stores)
        tested = potential.backtest(session, first, second, today(settings), window)
    print(f"stores: {stores:,}; trained on {first.code} (launched {first.launch_date}), "
          f"tested on {second.code} (launched {second.launch_date}): {tested['stores']:,} stores it reached, "
          f"{tested['rate']:.1%} sold through")  # fmt: skip
    print(f"logistic regression: AUC {tested['auc']:.3f}, top 20 % lift {tested['lift_top20']:.2f}x")
    if args.compare:
        auc, lift = _boosted(settings)
        print(f"gradient boosting:   AUC {auc:.3f}, top 20 % lift {lift:.2f}x")
    times = []
    for run in range(args.runs):
        with session_scope(settings) as session:
            t0 = time.perf_counter()
            trained = potential.train(session, utcnow(), today(settings), window, settings.potential_top_share)
            times.append(time.perf_counter() - t0)
        print(
            f"retrain {run + 1}: {times[-1]:.2f} s (model v{trained.model.version}, {trained.scored:,} stores scored)"
        )
    train_s = statistics.median(times)
    met = tested["auc"] >= 0.75 and tested["lift_top20"] >= 1.8 and train_s <= 60
    print(f"targets {'met' if met else 'missed'} (AUC >= 0.75, lift >= 1.8x, retrain <= 60 s)")
    print(f"auc={tested['auc']:.3f} lift_top20={tested['lift_top20']:.2f} train_s={train_s:.2f}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
