"""Sync burst: many reps pushing a day's work at once, against the real server on loopback.

    python bench/sync_burst.py [--reps 200] [--ops 1000] [--photos 150] [--photo-kb 300]
                               [--concurrency 8] [--runs 3] [--pg URL] [--workers 4] [--no-pouchdb]

For each setup — SQLite with one server process, and with --pg (or FIELDVISIT_BENCH_PG) a
PostgreSQL database (dropped and made again) served by --workers processes
(`fieldvisit serve --workers N`) — sets up the demo distributor grown to --reps reps, starts the
server, then
1. pushes every rep's day of operations (batches of 200, as the PWA does) --runs times, printing
   operations/s and the p50/p95 time to push one rep's day;
2. uploads every rep's photos (real JPEGs of noise, each made distinct) through the blob API as the
   PWA does (512 KiB chunks, a first attempt asks no status), where the server verifies each hash
   and decodes each photo before it answers: MB/s;
3. reads the server processes' peak memory (VmHWM) from /proc.
Then, unless --no-pouchdb, installs pouchdb and pouchdb-server from the npm registry into
bench/out/ (for this benchmark only), pushes the same days through PouchDB into pouchdb-server (on
disk, like ours) and prints each setup's throughput ratio to it.
Targets (issue #20): rep-day p95 <= 1 s on SQLite and on PostgreSQL x4, >= 10,000 operations/s on
PostgreSQL x4, >= 50 MB/s photos, >= 1x pouchdb-server's throughput (the aim is 3x).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from server.accounts.models import Role, Team, User  # noqa: E402
from server.db import dispose_engines, migrate, session_scope  # noqa: E402
from server.demo.seed import DEMO_PASSWORD, seed_demo  # noqa: E402
from server.domains import install, publish_all  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.stores.models import Store  # noqa: E402
from sync import PROTOCOL_VERSION, uuid7  # noqa: E402
from tests.livesupport import fresh_database, start_server  # noqa: E402

BATCH = 200


def prepare(settings: Settings, reps: int) -> list[tuple[str, str]]:
    """The demo distributor with `reps` reps sharing its 2,800 stores; returns (username, a store id)."""
    migrate(settings)
    seed_demo(settings)
    with session_scope(settings) as s:
        users = list(s.exec(select(User).where(User.role == Role.rep.value).order_by(User.username)))
        teams = list(s.exec(select(Team)))
        password_hash = users[0].password_hash
        for n in range(len(users) + 1, reps + 1):
            user = User(
                username=f"rep{n:03d}",
                display_name=f"压测{n}",
                role=Role.rep.value,
                team_id=teams[n % len(teams)].id,
                password_hash=password_hash,
            )
            s.add(user)
            users.append(user)
        s.flush()
        users = users[:reps]
        stores = list(s.exec(select(Store).order_by(Store.code)))
        first: dict[str, str] = {}
        for i, store in enumerate(stores):
            rep = users[i % len(users)]
            store.rep_id = rep.id
            first.setdefault(rep.username, store.id)
        s.flush()
        publish_all(s)
    dispose_engines()
    return [(u.username, first[u.username]) for u in users]


def day_batches(store_id: str, ops: int) -> list[bytes]:
    """A rep's day as the PWA would push it: a note per visit, then edits (text, tags, pin)."""
    device = f"bench-{uuid7()}"
    notes = [uuid7() for _ in range(max(1, ops * 15 // 100))]
    raw: list[tuple[str, str, dict[str, Any]]] = []
    for i, note in enumerate(notes):
        raw.append(("note.create", note, {"store_id": store_id, "text": f"store visit {i} 冰柜检查", "tags": []}))
    for i in range(len(notes), ops):
        raw.append(
            (
                "note.edit",
                notes[i % len(notes)],
                {"text": f"edit {i} 已整理", "tags": {"add": [f"t{i % 7}"]}, "pinned": i % 2 == 0},
            )
        )
    out = []
    for start in range(0, len(raw), BATCH):
        chunk = [
            {"op_id": uuid7(), "seq": start + j + 1, "type": t, "id": rid, "fields": f}
            for j, (t, rid, f) in enumerate(raw[start : start + BATCH])
        ]
        out.append(json.dumps({"protocol": PROTOCOL_VERSION, "device_id": device, "ops": chunk}).encode())
    return out


def sign_in(url: str, username: str) -> httpx.Cookies:
    """A rep's phone stays signed in (30 days): each rep signs in once, before anything is timed."""
    with httpx.Client(base_url=url, timeout=120) as client:
        response = client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        response.raise_for_status()
        return client.cookies


def push_day(url: str, cookies: httpx.Cookies, batches: list[bytes]) -> float:
    with httpx.Client(base_url=url, timeout=120, cookies=cookies) as client:
        started = time.perf_counter()
        for body in batches:
            response = client.post("/api/sync/push", content=body, headers={"content-type": "application/json"})
            response.raise_for_status()
            assert all(r["status"] == "applied" for r in response.json()["results"]), response.text[:300]
        return time.perf_counter() - started


_PHOTOS: list[bytes] = []


def photo_pool(size: int) -> list[bytes]:
    """A few real JPEGs of about `size` bytes (noise compresses like a busy shelf photo)."""
    if not _PHOTOS:
        from PIL import Image

        side = int((size / 0.6) ** 0.5)
        for _ in range(8):
            buf = io.BytesIO()
            Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buf, "JPEG", quality=75)
            _PHOTOS.append(buf.getvalue())
    return _PHOTOS


CHUNK = 512 * 1024  # the PWA's chunk (pwa/js/blobs.js)


def upload_photos(url: str, cookies: httpx.Cookies, photos: int, size: int) -> tuple[int, float]:
    """Upload as the PWA does on a first attempt: straight to the chunks, no status asked."""
    sent, seconds = 0, 0.0
    pool = photo_pool(size)
    with httpx.Client(base_url=url, timeout=120, cookies=cookies) as client:
        for i in range(photos):
            data = pool[i % len(pool)] + os.urandom(16)  # bytes after the JPEG's end: a distinct photo
            sha = hashlib.sha256(data).hexdigest()
            started = time.perf_counter()
            offset = 0
            while offset < len(data):
                answer = client.put(
                    f"/api/blobs/{sha}",
                    params={"offset": offset, "total": len(data)},
                    content=data[offset : offset + CHUNK],
                    headers={"content-type": "application/octet-stream"},
                )
                answer.raise_for_status()
                offset = answer.json()["received"]
            assert answer.json()["state"] == "complete"
            seconds += time.perf_counter() - started
            sent += len(data)
    return sent, seconds


class MemoryWatch(threading.Thread):
    """The largest peak resident size (VmHWM) of the server's processes (``--workers`` starts several)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.running = pid, 0, True

    def pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            children = []
        return [self.pid, *map(int, children)]

    @staticmethod
    def read(pid: int, key: str = "VmHWM:") -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self) -> None:
        while self.running:
            self.peak_kb = max([self.peak_kb, *(self.read(p) for p in self.pids())])
            time.sleep(0.2)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_pouchdb(work: Path, reps: int, ops: int, concurrency: int) -> dict | None:
    if not shutil.which("node") or not shutil.which("npm"):
        print("pouchdb: node/npm not found; install Debian's nodejs and npm to compare")
        return None
    prefix = ROOT / "bench" / "out" / "pouchdb"
    prefix.mkdir(parents=True, exist_ok=True)
    if not (prefix / "node_modules" / "pouchdb-server").exists():
        print("pouchdb: installing pouchdb@9 and pouchdb-server@4 from the npm registry into bench/out/ …")
        subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "pouchdb@9", "pouchdb-server@4"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    shutil.copy(ROOT / "bench" / "pouchdb_burst.mjs", prefix / "pouchdb_burst.mjs")
    (work / "pouch-local").mkdir(exist_ok=True)
    port = 5984 + os.getpid() % 1000
    data = work / "pouchdb-server"
    data.mkdir()
    server = subprocess.Popen(
        [str(prefix / "node_modules" / ".bin" / "pouchdb-server"), "--port", str(port), "--dir", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=work,  # it writes log.txt where it runs
    )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        out = subprocess.run(
            [
                "node",
                str(prefix / "pouchdb_burst.mjs"),
                f"http://127.0.0.1:{port}",
                str(work / "pouch-local"),
                str(reps),
                str(ops),
                str(concurrency),
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=prefix,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(10)


def run_setup(label: str, database_url: str, workers: int, work: Path, args: argparse.Namespace) -> dict:
    """One server setup through the whole burst; its figures."""
    fresh_database(database_url)
    data = work / label / "data"
    settings = Settings(data_dir=data, database_url=database_url, secret_key="bench")
    print(f"\n== {label}: setting up {args.reps} reps …")
    reps = prepare(settings, args.reps)
    # The demo's own backlog of jobs (OCR of its check-in photos) is not part of a push: no job
    # worker runs in the server during the burst (production runs them in `fieldvisit worker`s).
    server = start_server(data, database_url, demo=False, workers=workers, env={"FIELDVISIT_JOBS_EMBEDDED": "false"})
    time.sleep(2 if workers > 1 else 0)  # every process up
    watch = MemoryWatch(server.process.pid)
    watch.start()
    try:
        with ThreadPoolExecutor(args.concurrency) as pool:
            sessions = dict(zip([u for u, _ in reps], pool.map(lambda r: sign_in(server.url, r[0]), reps), strict=True))
        throughputs, latencies = [], []
        for run in range(args.runs):
            days = [(sessions[u], day_batches(store, args.ops)) for u, store in reps]
            with ThreadPoolExecutor(args.concurrency) as pool:
                times = list(pool.map(lambda d: push_day(server.url, d[0], d[1]), days))
            push_seconds = sum(times) / args.concurrency
            throughputs.append(args.reps * args.ops / push_seconds)
            latencies.extend(times)
            print(f"  run {run + 1}: {throughputs[-1]:,.0f} operations/s, rep-day p95 {pct(times, 95) * 1000:.0f} ms")
        with ThreadPoolExecutor(args.concurrency) as pool:
            uploads = list(
                pool.map(lambda r: upload_photos(server.url, sessions[r[0]], args.photos, args.photo_kb * 1024), reps)
            )
        blob_bytes = sum(b for b, _ in uploads)
        blob_seconds = sum(s for _, s in uploads) / args.concurrency
        watch.running = False
        watch.join()
    finally:
        server.stop()
        dispose_engines()
    figures = {
        "label": label,
        "ops_s": statistics.median(throughputs),
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "mb_s": blob_bytes / 1e6 / blob_seconds if blob_seconds else 0.0,
        "gb": blob_bytes / 1e9,
        "peak_mb": watch.peak_kb / 1024,
    }
    print(
        f"  operations/s (median of {args.runs} runs) {figures['ops_s']:,.0f}; rep-day p50 "
        f"{figures['p50'] * 1000:.0f} ms, p95 {figures['p95'] * 1000:.0f} ms; photos {figures['mb_s']:,.1f} MB/s "
        f"({figures['gb']:.2f} GB); peak memory per process (VmHWM) {figures['peak_mb']:,.0f} MB"
    )
    return figures


def main() -> int:
    install()  # the app's domains, for seeding here without an app
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--ops", type=int, default=1000, help="operations per rep-day")
    parser.add_argument("--photos", type=int, default=150, help="photos per rep-day")
    parser.add_argument("--photo-kb", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8, help="reps pushing at the same time")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the operations phase")
    parser.add_argument(
        "--pg",
        default=os.environ.get("FIELDVISIT_BENCH_PG", ""),
        help="a PostgreSQL URL (postgresql+psycopg://…/db; the database is dropped and made again) for the "
        "second setup",
    )
    parser.add_argument("--workers", type=int, default=4, help="server processes on PostgreSQL (default 4)")
    parser.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL setup")
    parser.add_argument("--no-pouchdb", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fv-burst-"))
    setups = [] if args.no_sqlite else [("SQLite, 1 process", f"sqlite:///{work / 'burst.db'}", 1)]
    if args.pg:
        setups.append((f"PostgreSQL, {args.workers} processes", args.pg, args.workers))
    results = [run_setup(f"s{i}", url, workers, work, args) | {"label": label} for i, (label, url, workers) in
               enumerate(setups)]  # fmt: skip
    pouch = None if args.no_pouchdb else run_pouchdb(work, args.reps, args.ops, args.concurrency)
    print(
        f"\nreps {args.reps} × {args.ops} operations + {args.photos} photos of {args.photo_kb} KB, "
        f"{args.concurrency} reps at a time"
    )
    print(f"{'setup':<26}{'ops/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'MB/s':>8}{'peak MB':>9}{'× pouchdb':>11}")
    for r in results:
        ratio = f"{r['ops_s'] / pouch['ops_per_s']:.2f}×" if pouch else "-"
        print(
            f"{r['label']:<26}{r['ops_s']:>9,.0f}{r['p50'] * 1000:>9.0f}{r['p95'] * 1000:>9.0f}{r['mb_s']:>8.1f}"
            f"{r['peak_mb']:>9,.0f}{ratio:>11}"
        )
    if pouch:
        print(
            f"{'pouchdb-server (on disk)':<26}{pouch['ops_per_s']:>9,.0f}{'':>9}{pct(pouch['latencies_ms'], 95):>9.0f}"
        )
    print("targets: p95 <= 1000 ms on both; >= 10,000 ops/s on PostgreSQL x4; >= 50 MB/s; >= 1x pouchdb (aim 3x)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
