"""The supervisor's review queue with 100,000 check-in photos in the database.

    python bench/review_queue.py [--rows 100000] [--runs 30] [--database-url URL]

Seeds the demo distributor, then adds review rows until the database holds ``--rows`` visits with
check-in photos (three teams, five months, about 8% flagged), each naming one of 40 realistic
1280×960 storefront photos. For a supervisor it then requests the first page (20 items) of
several filtered queues through the real app in-process (Litestar, SQLModel, the database; no
network) and prints per filter the median and p95 of the request time, and the bytes to show the
page: the JSON (raw and gzip, as the app sends it to a browser) plus the 20 list thumbnails.
Targets: <= 150 ms p95 server time; <= 300 KB for a page of 20 with thumbnails.
SQLite by default (a fresh file in a temp dir); ``--database-url`` for PostgreSQL.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient
from sqlalchemy import func, insert, select

from ocr.synth import make_photo
from server.accounts.models import Role, User
from server.app import create_app
from server.db import migrate, session_scope
from server.demo.seed import seed_demo
from server.domains import install
from server.replication.models import BlobMeta
from server.replication.service import blob_store
from server.review.models import VisitReview, flag_bits
from server.settings import Settings
from server.stores.models import Store
from sync.ids import uuid7
from tests.claimhelp import jpeg

FLAG_ODDS = {
    "outside_geofence": 0.03,
    "location_missing": 0.01,
    "watermark_time_mismatch": 0.015,
    "blurred": 0.02,
    "recycled_photo": 0.004,
    "exception_taken": 0.02,
}


def fill(settings: Settings, rows: int) -> None:
    rng = random.Random(5)
    blobs = blob_store(settings)
    with session_scope(settings) as session:
        have = session.execute(select(func.count()).select_from(VisitReview)).scalar_one()
        reps = list(session.execute(select(User.id, User.team_id).where(User.role == Role.rep.value)))
        stores: dict[str, list[str]] = {}
        for store_id, rep_id in session.execute(select(Store.id, Store.rep_id)):
            stores.setdefault(rep_id, []).append(store_id)
        # Photos are visible to the uploader's team: 20 per team, each uploaded by one of its reps.
        shas: dict[str, list[str]] = {}
        for i in range(60):
            uploader, team = reps[i % len(reps)]
            when = datetime(2026, 11, 1, 10)
            data = jpeg(make_photo(random.Random(i), style="fieldvisit", store=f"店{i}", when=when, address="成都市"))
            sha = hashlib.sha256(data).hexdigest()
            blobs.append(sha, 0, data, total=len(data))
            session.add(BlobMeta(sha256=sha, size=len(data), content_type="image/jpeg", uploaded_by=uploader))
            shas.setdefault(team, []).append(sha)
        now = datetime.now(UTC)
        batch = []
        for n in range(max(0, rows - have)):
            rep_id, team_id = reps[n % len(reps)]
            arrived = now - timedelta(days=3 + rng.randrange(150), minutes=rng.randrange(600))
            flags = [f for f, p in FLAG_ODDS.items() if rng.random() < p]
            batch.append(
                {
                    "visit_id": uuid7(),
                    "store_id": rng.choice(stores[rep_id]),
                    "rep_id": rep_id,
                    "team_id": team_id,
                    "day": (arrived + timedelta(hours=8)).date(),
                    "arrived_at": arrived,
                    "received_at": arrived,
                    "planned": True,
                    "photo": shas[team_id][n % len(shas[team_id])],
                    "capture": {"at": arrived.isoformat(), "width": 1280, "height": 960},
                    "flags": flags,
                    "flag_bits": flag_bits(flags),
                    "inspected": True,
                    "steps_done": 4,
                    "steps_excepted": 0,
                    "status": "pending" if rng.random() < 0.05 else "approved",
                }
            )
            if len(batch) == 10_000:
                session.execute(insert(VisitReview.__table__), batch)  # type: ignore[attr-defined]
                batch = []
        if batch:
            session.execute(insert(VisitReview.__table__), batch)  # type: ignore[attr-defined]
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.now()))
    if settings.database_url.startswith("postgresql"):
        from sqlalchemy import text

        from server.db import get_engine

        with get_engine(settings).connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def main() -> None:
    install()  # the app's domains, for seeding here without an app
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="visits with photos in the database")
    parser.add_argument("--runs", type=int, default=30, help="requests per filter")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)

    root = Path(tempfile.mkdtemp(prefix="fv-bench-review-"))
    settings = Settings(
        data_dir=root, database_url=args.database_url or f"sqlite:///{root}/bench.db", jobs_embedded=False
    )
    migrate(settings)
    seed_demo(settings)
    started = time.perf_counter()
    fill(settings, args.rows)
    with session_scope(settings) as session:
        total = session.execute(select(func.count()).select_from(VisitReview)).scalar_one()
        rep = session.execute(select(User.id).where(User.username == "rep03")).scalar_one()
    kind = settings.database_url.split("://")[0]
    print(f"database: {kind}, {total:,} visits with photos (filled in {time.perf_counter() - started:.0f} s)")

    filters = {
        "pending (default)": {},
        "any flag": {"flag": "any"},
        "outside geofence": {"flag": "outside_geofence"},
        "recycled photo, all statuses": {"flag": "recycled_photo", "status": "all"},
        "one rep, all statuses": {"rep": rep, "status": "all"},
        "store name contains 店": {"store": "店", "status": "all"},
    }
    with TestClient(app=create_app(settings, run_migrations=False)) as client:
        assert client.post("/api/auth/login", json={"username": "sup-cd", "password": "fieldvisit"}).status_code == 200
        heads = (("items", 5), ("median ms", 10), ("p95 ms", 8), ("JSON KB", 8), ("gzip KB", 8), ("thumbs KB", 9))
        print(f"{'filter':32} " + " ".join(f"{h:>{w}}" for h, w in heads) + f" {'page KB':>8}")
        for name, params in filters.items():
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get("/api/review", params={**params, "limit": 20})
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.text
            page = response.json()
            body = response.content
            thumbs = 0
            for item in page["items"]:
                if item["thumb"]:
                    thumb = client.get(item["thumb"])
                    assert thumb.status_code == 200
                    thumbs += len(thumb.content)
            zipped = len(gzip.compress(body))
            p95 = statistics.quantiles(times, n=20)[18]
            print(
                f"{name:32} {len(page['items']):>5} {statistics.median(times):>10.1f} {p95:>8.1f} "
                f"{len(body) / 1024:>8.1f} {zipped / 1024:>8.1f} {thumbs / 1024:>9.1f} {(zipped + thumbs) / 1024:>8.1f}"
            )


if __name__ == "__main__":
    main()
