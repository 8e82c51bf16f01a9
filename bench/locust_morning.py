"""A morning of 200 reps, load-tested with Locust against 1 and 4 server processes.

    python bench/locust_morning.py [--users 200] [--seconds 120] [--workers 1 4] [--pg URL]

Each simulated rep signs in, pulls its route from scratch (a new phone: every page of the sync
pull), then loops over a morning: pull what changed (the route), a visit at one of its stores
(arrive, every step of the template answered, each photo uploaded first, check out), a
promotion claim (receipt and material photos, then the claim), 5-15 s apart (a rep's hour packed
into a minute or two).
Every push must come back ``applied`` and every upload ``complete``, or Locust counts a failure.

For each --workers value the demo distributor is set up afresh, grown to --users reps sharing its
2,800 stores, on PostgreSQL (--pg or FIELDVISIT_BENCH_PG; dropped and made again) or, without it,
SQLite; then `fieldvisit serve --workers N` starts (no job worker in it: jobs belong to `fieldvisit
worker`s, and the demo's OCR backlog is not part of a morning) and Locust (headless, one process) runs.
Prints each request's median, p95, p99 and failures. Target (issue #20): the route pull's p99
<= 200 ms and no failure at 200 reps, 4 processes.

The file is also the locustfile (`locust -f bench/locust_morning.py`): MorningRep below.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

if __name__ != "__main__":  # imported by Locust: the simulated rep
    from locust import HttpUser, between, task

    from sync import PROTOCOL_VERSION, uuid7

    _NUMBER = itertools.count(int(os.environ.get("FV_FIRST_REP", "1")))
    DAY = os.environ.get("FV_DAY", "2026-11-25")

    def _photo_pool() -> list[bytes]:
        from PIL import Image

        pool = []
        for _ in range(6):
            buf = io.BytesIO()
            Image.frombytes("RGB", (420, 420), os.urandom(420 * 420 * 3)).save(buf, "JPEG", quality=70)
            pool.append(buf.getvalue())  # ~150 KB: a phone photo after the app's resizing
        return pool

    PHOTOS = _photo_pool()

    class MorningRep(HttpUser):
        # a real rep spends minutes per store; 5-15 s between tasks packs an hour into a minute or two
        wait_time = between(5, 15)

        def on_start(self) -> None:
            n = next(_NUMBER)
            self.username = f"rep{n:02d}" if n <= 43 else f"rep{n:03d}"
            self.device = f"locust-{uuid7()}"
            self.seq = 0
            answer = self.client.post("/api/auth/login", json={"username": self.username, "password": "fieldvisit"})
            answer.raise_for_status()
            self.me = answer.json()["user"]["id"]
            self.cursor, self.stores = 0, []
            self._pull("route pull (new phone, every page)")
            self.templates = self.client.get("/api/templates", name="templates").json()
            self.skus = [s["code"] for s in self.client.get("/api/catalog/skus", name="catalogue").json()]
            materials = self.client.get("/api/catalog/materials", name="catalogue").json()
            self.materials = [m["code"] for m in materials] or ["POSM-001"]
            self.competitors = self.client.get("/api/catalog/competitor-skus", name="catalogue").json()

        def _pull(self, name: str) -> None:
            while True:
                page = self.client.get("/api/sync/pull", params={"cursor": self.cursor, "limit": 500}, name=name)
                body = page.json()
                for change in body["changes"]:
                    if change["collection"] == "store" and change.get("fields", {}).get("rep_id") == self.me:
                        self.stores.append(change)
                self.cursor = body["cursor"]
                if not body["more"]:
                    return

        def _op(self, kind: str, record: str, fields: dict[str, Any]) -> dict[str, Any]:
            self.seq += 1
            return {"op_id": uuid7(), "seq": self.seq, "type": kind, "id": record, "fields": fields}

        def _push(self, name: str, *ops: dict[str, Any]) -> None:
            body = {"protocol": PROTOCOL_VERSION, "device_id": self.device, "ops": list(ops)}
            with self.client.post("/api/sync/push", json=body, name=name, catch_response=True) as answer:
                if answer.status_code != 200:
                    answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                    return
                refused = [r for r in answer.json()["results"] if r["status"] not in ("applied", "duplicate")]
                if refused:
                    answer.failure(f"not applied: {refused[0]}")

        def _upload(self) -> str:
            data = random.choice(PHOTOS) + os.urandom(16)  # bytes after the JPEG's end: a distinct photo
            sha = hashlib.sha256(data).hexdigest()
            with self.client.put(
                f"/api/blobs/{sha}",
                params={"offset": 0, "total": len(data)},
                data=data,
                headers={"content-type": "application/octet-stream"},
                name="photo upload",
                catch_response=True,
            ) as answer:
                if answer.status_code != 200 or answer.json().get("state") != "complete":
                    answer.failure(f"{answer.status_code}: {answer.text[:200]}")
            return sha

        @task(3)
        def route(self) -> None:
            self._pull("route pull")

        @task(2)
        def visit(self) -> None:
            if not self.stores or not self.templates:
                return
            store = random.choice(self.stores)
            template = self.templates[0]
            visit, hour = uuid7(), 9 + random.randrange(8)
            at = f"{DAY}T{hour:02d}:00:00+08:00"
            fix = {"lat": store["fields"].get("lat"), "lng": store["fields"].get("lng"), "accuracy": 12, "at": at}
            ops = [
                self._op(
                    "visit.arrive",
                    visit,
                    {
                        "store_id": store["id"],
                        "template_id": template["id"],
                        "day": DAY,
                        "arrived_at": at,
                        "arrival": fix,
                        "planned": True,
                        "status": "arrived",
                    },
                )
            ]
            for step in template["steps"]:
                answers = {f["key"]: self._answer(f) for f in step["fields"]}
                answers = {k: v for k, v in answers.items() if v is not None}
                photos = [p for v in answers.values() if isinstance(v, list) for p in v if isinstance(p, str)]
                fields = {"visit_id": visit, "store_id": store["id"], "step": step["key"], "completed_at": at,
                          "status": "done", "answers": answers, "photos": photos}  # fmt: skip
                ops.append(self._op("step.complete", uuid7(), fields))
            ops.append(self._op("visit.checkout", visit, {"status": "checked_out", "checked_out_at": at}))
            self._push("visit push", *ops)

        def _answer(self, field: dict[str, Any]) -> Any:
            kind = field["type"]
            if kind == "photos":
                return [self._upload()]
            if kind == "facings":
                return {random.choice(self.skus): 3}
            if kind == "stock":
                return {random.choice(self.skus): 12}
            if kind == "yesno":
                return random.random() < 0.7
            if kind == "materials":
                return {random.choice(self.materials): 2}
            if kind == "number":
                return 6
            if kind == "choice":
                return (field.get("options") or [None])[0]
            if kind == "text":
                return "老板希望春节前多备两箱，礼盒要早点到。"
            if kind == "barcodes" and self.competitors:
                found = random.choice(self.competitors)
                return [
                    {"code": found["barcode"], "sku_id": found["id"], "name": found["name"], "matched_by": "barcode"}
                ]
            return None

        @task(1)
        def claim(self) -> None:
            if not self.stores:
                return
            fields = {"store_id": random.choice(self.stores)["id"], "receipt": self._upload(),
                      "photos": [self._upload()], "taken_at": f"{DAY}T02:31:00Z"}  # fmt: skip
            self._push("claim push", self._op("claim.submit", uuid7(), fields))


def _percentiles(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open() as fh:
        return list(csv.DictReader(fh))


def main() -> int:
    import argparse

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="simulated reps (default 200)")
    parser.add_argument("--seconds", type=int, default=120, help="how long each run lasts (default 120)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="reps starting per second (default 10)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="server processes (default: 1 4)")
    parser.add_argument("--pg", default=os.environ.get("FIELDVISIT_BENCH_PG", ""), help="a PostgreSQL URL")
    args = parser.parse_args()

    from sync_burst import prepare

    from server.db import dispose_engines
    from server.domains import install
    from server.settings import Settings
    from tests.clock import CLOCK, CLOCK_ENV
    from tests.livesupport import fresh_database, start_server

    install()
    work = Path(tempfile.mkdtemp(prefix="fv-locust-"))
    rows = []
    for workers in args.workers:
        url = args.pg or f"sqlite:///{work / f'w{workers}.db'}"
        fresh_database(url)
        data = work / f"w{workers}" / "data"
        print(f"\n== {workers} server process(es) on {url.split(':')[0]}: setting up {args.users} reps …", flush=True)
        prepare(Settings(data_dir=data, database_url=url, secret_key="bench"), args.users)
        dispose_engines()
        # as in bench/sync_burst.py: the demo's backlog of jobs (OCR of its check-in photos) is not part
        # of a morning, and production runs jobs in `fieldvisit worker`s (docs/deployment.md)
        env = {**CLOCK_ENV, "FIELDVISIT_JOBS_EMBEDDED": "false"}
        server = start_server(data, url, demo=False, workers=workers, env=env)
        time.sleep(2)
        prefix = work / f"w{workers}" / "locust"
        try:
            subprocess.run(
                [
                    str(Path(sys.executable).parent / "locust"),
                    "-f",
                    __file__,
                    "--headless",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    str(args.spawn_rate),
                    "--run-time",
                    f"{args.seconds}s",
                    "--host",
                    server.url,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                env={**os.environ, "PYTHONPATH": str(ROOT), "FV_DAY": CLOCK.date().isoformat()},
                check=False,
                stdout=subprocess.DEVNULL,
            )
        finally:
            server.stop()
        for row in _percentiles(Path(f"{prefix}_stats.csv")):
            rows.append((workers, row))
    print(f"\n{args.users} reps, {args.seconds} s each run")
    print(
        f"{'processes':>9}  {'request':<36}{'count':>8}{'fail':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}"
    )
    for workers, row in rows:
        print(
            f"{workers:>9}  {row['Name'][:35]:<36}{row['Request Count']:>8}{row['Failure Count']:>6}"
            f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}{float(row['Requests/s']):>8.1f}"
        )
    print("target: route pull p99 <= 200 ms and no failure at 200 reps, 4 processes")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
