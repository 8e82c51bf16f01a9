"""Benchmark the PWA with a supervisor's and a year's data: cold start offline, a tap in a visit, JS heap.

    python bench/pwa_scale.py [--runs 5] [--rep-days 365] [--keep DIR] [--pwa DIR] [--lang zh-CN]

Seeds a fresh SQLite database with the demo distributor on the test run's fixed clock
(tests/clock.py, 2026-11-25), moves all 2,800 stores into the Chengdu team (so its supervisor,
sup-cd, sees every one of them), and pushes through the server's own sync endpoint, as phones do
(ids made on the day of each visit, as a phone makes them):
- for rep01, a year of history: half the planned stores of every day (~10 visits), each visit with
  all of its steps and a check-out, a note now and then, and each day confirmed;
- for the team's other reps, three weeks of a few visits, so the supervisor's phone holds ~20,000
  records besides the stores.
Then, in Chromium at phone size (390x844) with the CPU throttled 4x (CDP
Emulation.setCPUThrottlingRate), for the supervisor and for rep01: one online sign-in and full sync,
then --runs cold starts (a new browser process each) offline, timing navigation -> the first screen
rendered (the rep's route; the supervisor's store list: their team page needs the network). For
rep01 each run also opens a planned store's visit and times taps (event -> screen updated, after
the next frame): the arrival (it includes the GPS fix), a yes/no answer, an exception (特批)
submitted. JS heap (CDP Runtime.getHeapUsage after a garbage collection) is printed at the first
screen and once the rest of the history (read in the background) is in memory.
Prints each run and the median. Targets (issue #16): cold start <= 1 s, a tap in a visit <= 100 ms.
--keep DIR keeps the seeded database for the next run; --pwa DIR serves another copy of pwa/ (A/B).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from server import domains  # noqa: E402
from server.accounts.models import Role, Team, User  # noqa: E402
from server.db import dispose_engines, migrate, session_scope  # noqa: E402
from server.demo.seed import DEMO_PASSWORD, seed_demo  # noqa: E402
from server.review.dashboard import planned_on  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.stores.models import Store  # noqa: E402
from sync import PROTOCOL_VERSION, uuid7  # noqa: E402
from tests import clock  # noqa: E402  (starts this process on the run's fixed clock)
from tests.livesupport import CHROMIUM, CHROMIUM_ARGS, PHONE, start_server  # noqa: E402

BATCH = 500
REP = "rep01"
SUPERVISOR = "sup-cd"
REP_SHARE = 0.5  # of rep01's planned stores visited on a day in the past: ~10 a day
TEAM_DAYS, TEAM_SHARE = 21, 0.03  # the team's other reps: enough for ~20,000 records on the supervisor's phone

# The phone's clock reads the run's fixed time (as tests/clock.py gives the tests), shifted from the
# machine's, but unlike Playwright's clock this leaves performance.now() and its marks alone.
_CLOCK_SCRIPT = """(() => {
  const shift = %d;
  const RealDate = Date;
  class PhoneDate extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + shift); }
    static now() { return RealDate.now() + shift; }
  }
  globalThis.Date = PhoneDate;
  const geo = navigator.geolocation;
  if (!geo) return;
  const moved = (p) => ({ coords: p.coords, timestamp: p.timestamp + shift, toJSON: () => ({}) });
  const get = geo.getCurrentPosition.bind(geo);
  geo.getCurrentPosition = (ok, err, opts) => get((p) => ok(moved(p)), err, opts);
})();"""


# ---- seeding ----------------------------------------------------------------------------------


def prepare(settings: Settings) -> None:
    """The demo distributor with every store in the Chengdu team (rep01 keeps its own)."""
    if hasattr(domains, "install"):
        domains.install()  # the app's domains, for seeding without an app
    migrate(settings)
    seed_demo(settings)
    with session_scope(settings) as s:
        sup = s.exec(select(User).where(User.username == SUPERVISOR)).one()
        team = s.get(Team, sup.team_id)
        assert team is not None
        reps = list(
            s.exec(select(User).where(User.role == Role.rep.value, User.team_id == team.id).order_by(User.username))
        )
        rep_ids = {r.id for r in reps}
        others = [r for r in reps if r.username != REP]
        for i, store in enumerate(s.exec(select(Store).order_by(Store.code))):
            if store.rep_id not in rep_ids:
                store.rep_id = others[i % len(others)].id
        s.flush()
        domains.publish_all(s)
    dispose_engines()


def fill(field: dict[str, Any], rng: random.Random) -> Any:
    """An answer that completes a template field, as a rep would give it."""
    kind = field["type"]
    if kind == "photos":
        return [f"{rng.getrandbits(256):064x}" for _ in range(field.get("min") or 1)]
    if kind == "barcodes":
        return [{"code": f"69{rng.randint(10**10, 10**11 - 1)}", "sku_id": None, "name": None}]
    if kind == "yesno":
        return rng.random() < 0.8
    if kind == "number":
        return (field.get("min") or 0) + rng.randint(1, 30)
    if kind == "facings":
        return {f"BEV-00{i}": rng.randint(1, 8) for i in range(1, 4)}
    if kind == "materials":
        return {"POSM-001": 1}
    if kind == "choice":
        return field["options"][0]
    return "已检查 checked"


class Pusher:
    """One phone of one user, pushing ops in batches."""

    def __init__(self, url: str, username: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=300)
        r = self.client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        r.raise_for_status()
        self.device = f"bench-{uuid7()}"
        self.ops: list[dict[str, Any]] = []
        self.seq = 0
        self.rejected: Counter[str] = Counter()

    def op(self, type_: str, record_id: str, fields: dict[str, Any], at: str) -> None:
        self.seq += 1
        op = {"op_id": uuid7(), "seq": self.seq, "type": type_, "id": record_id, "fields": fields, "client_time": at}
        if type_.split(".")[0] in ("visit", "step"):
            op["reason"] = "补录 imported"  # the demo's last weeks are confirmed days: a change to one says why
        self.ops.append(op)

    def flush(self) -> int:
        sent = 0
        for start in range(0, len(self.ops), BATCH):
            body = {"protocol": PROTOCOL_VERSION, "device_id": self.device, "ops": self.ops[start : start + BATCH]}
            r = self.client.post(
                "/api/sync/push", content=json.dumps(body), headers={"content-type": "application/json"}
            )
            r.raise_for_status()
            results = r.json()["results"]
            self.rejected.update(x.get("code", "?") for x in results if x["status"] == "rejected")
            sent += len(results)
        self.ops = []
        return sent


def history(url: str, username: str, days: int, share: float, seed: int, confirm: bool) -> tuple[int, Counter[str]]:
    """Push `days` of `username`'s visits before today: every planned store visited with `share`."""
    rng = random.Random(seed)
    phone = Pusher(url, username)
    templates = phone.client.get("/api/templates").json()
    stores = phone.client.get("/api/stores", params={"limit": 1000}).json()["items"]
    by_channel = {c: t for t in templates if t.get("active", True) for c in t["channels"]}
    standard = next(t for t in templates if t["code"] == "standard")
    today = clock.today()
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        visited = 0
        for store in stores:
            if not planned_on(store["visit_days"] or "", store["cycle_weeks"] or 1, store["cycle_anchor"], day):
                continue
            if rng.random() > share:
                continue
            visited += 1
            visit(phone, store, by_channel.get(store["channel"], standard), day, 9 + visited // 3, rng)
        if confirm and visited and back > 21:  # the demo confirmed the last 21 days already
            at = f"{day}T18:30:00+08:00"
            ms = int(datetime.fromisoformat(at).timestamp() * 1000)
            phone.op(
                "day.confirm", uuid7(ms), {"day": str(day), "confirmed_at": at, "summary": {"visited": visited}}, at
            )
    return phone.flush(), phone.rejected


def visit(
    phone: Pusher, store: dict[str, Any], template: dict[str, Any], day: date, hour: int, rng: random.Random
) -> None:
    at = f"{day}T{min(hour, 17):02d}:{rng.randint(0, 59):02d}:00+08:00"
    ms = int(datetime.fromisoformat(at).timestamp() * 1000)
    vid = uuid7(ms)  # ids are made on the phone when the visit happens
    fix = {"lat": store["lat"], "lng": store["lng"], "accuracy": 12, "at": at} if store["lat"] is not None else None
    phone.op(
        "visit.arrive",
        vid,
        {
            "store_id": store["id"],
            "template_id": template["id"],
            "day": str(day),
            "arrived_at": at,
            "status": "arrived",
            "arrival": fix,
            "planned": True,
            "flags": [],
        },
        at,
    )
    for step in template["steps"]:
        answers = {f["key"]: fill(f, rng) for f in step["fields"]}
        photos = [p for f in step["fields"] if f["type"] == "photos" for p in answers[f["key"]]]
        fields = {
            "visit_id": vid,
            "store_id": store["id"],
            "step": step["key"],
            "answers": answers,
            "photos": photos,
            "status": "done",
            "completed_at": at,
        }
        phone.op("step.complete", uuid7(ms), fields, at)
    if rng.random() < 0.2:
        phone.op("note.create", uuid7(ms), {"store_id": store["id"], "text": f"{day} 店主说下周补货", "lang": "zh"}, at)
    phone.op("visit.checkout", vid, {"status": "checked_out", "checked_out_at": at}, at)


def seed(url: str, rep_days: int) -> None:
    started = time.perf_counter()
    sent, rejected = history(url, REP, rep_days, REP_SHARE, 1, confirm=True)
    print(f"  {REP}: {rep_days} days of history, {sent:,} operations pushed, refused: {dict(rejected) or 'none'}")
    with httpx.Client(base_url=url) as client:
        client.post("/api/auth/login", json={"username": SUPERVISOR, "password": DEMO_PASSWORD}).raise_for_status()
        team = [u["username"] for u in client.get("/api/users").json() if u["role"] == "rep" and u["username"] != REP]
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda i: history(url, team[i], TEAM_DAYS, TEAM_SHARE, 100 + i, False), range(len(team))))
    refused = sum((d[1] for d in done), Counter())
    print(
        f"  {len(team)} other reps: {TEAM_DAYS} days each, {sum(d[0] for d in done):,} operations pushed, "
        f"refused: {dict(refused) or 'none'}; seeding took {time.perf_counter() - started:.0f} s"
    )


# ---- the phone --------------------------------------------------------------------------------


class Phone:
    """A persistent browser profile for one user; each `start` is a new, cold browser process."""

    def __init__(self, pw: Any, base: str, profile: Path, where: tuple[float, float], lang: str) -> None:
        self.pw, self.base, self.profile, self.where, self.lang = pw, base, profile, where, lang
        self.context: Any = None

    def launch(self) -> Any:
        self.context = self.pw.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            base_url=self.base,
            locale=self.lang,
            timezone_id="Asia/Shanghai",
            geolocation={"latitude": self.where[0], "longitude": self.where[1], "accuracy": 15},
            permissions=["geolocation"],
            **PHONE,
        )
        shift = round((clock.now() - datetime.now(UTC)).total_seconds() * 1000)
        self.context.add_init_script(_CLOCK_SCRIPT % shift)
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        page.set_default_timeout(120000)
        page.on("dialog", lambda d: d.accept())
        return page

    def close(self) -> None:
        self.context.close()

    def heap(self, page: Any) -> float:
        cdp = self.context.new_cdp_session(page)
        cdp.send("HeapProfiler.collectGarbage")
        used = cdp.send("Runtime.getHeapUsage")["usedSize"]
        cdp.detach()
        return used / 1e6


def first_sync(phone: Phone, username: str) -> float:
    page = phone.launch()
    page.goto("/")
    page.fill("#u", username)
    page.fill("#p", DEMO_PASSWORD)
    started = time.perf_counter()
    page.click("button[type=submit]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """() => { const el = document.querySelector('fv-sync-status [data-sync-summary]');
                   return el && (el.textContent.includes('已全部同步') || el.textContent.includes('All synced')); }""",
        timeout=600000,
    )
    seconds = time.perf_counter() - started
    stores, count = page.evaluate(_COUNT)
    phone.close()
    print(
        f"  {username}: signed in and first sync done in {seconds:.1f} s; on the phone: {stores:,} stores "
        f"and {count - stores:,} other records"
    )
    return seconds


_COUNT = """async () => {
  const me = JSON.parse(localStorage.getItem('fv.me'));
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('fieldvisit-' + me.user.id);
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
  });
  const count = (range) => new Promise((ok) => {
    const r = db.transaction('records').objectStore('records').count(range); r.onsuccess = () => ok(r.result);
  });
  const out = [await count(IDBKeyRange.bound(['store'], ['store', []])), await count()];
  db.close();
  return out;
}"""


def cold_start(phone: Phone, route: str, mark: str, rows: str) -> tuple[Any, float, float]:
    page = phone.launch()
    phone.context.set_offline(True)
    cdp = phone.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.goto(route, wait_until="commit")
    page.wait_for_function("(m) => performance.getEntriesByName(m).length > 0", arg=mark, timeout=60000)
    ms = page.evaluate("(m) => performance.getEntriesByName(m)[0].startTime", mark)
    assert page.locator(rows).count() > 0, f"nothing rendered at {route}"
    return page, ms, phone.heap(page)


# A tap: Playwright taps the element; the page notes the event's time and, once `done` holds after a
# DOM change, the end of the next frame.
_ARM = """(done) => {
  let start = null;
  window.__fvTap = new Promise((resolve) => {
    const finish = () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
    const holds = new Function(`return (${done})`);
    const observer = new MutationObserver(() => { if (holds()) { observer.disconnect(); finish(); } });
    const options = { subtree: true, childList: true, attributes: true, characterData: true };
    addEventListener('click', (e) => { start = e.timeStamp; observer.observe(document.body, options); },
      { capture: true, once: true });
  });
}"""


def tap(page: Any, selector: str, done: str) -> float:
    page.evaluate(_ARM, done)
    page.tap(selector)
    return float(page.evaluate("() => window.__fvTap"))


def visit_taps(page: Any, store_id: str) -> dict[str, float]:
    page.evaluate("(id) => { location.hash = '#/visit/' + encodeURIComponent(id); }", store_id)
    page.wait_for_selector("fv-visit [data-arrive]")
    out = {"arrive": tap(page, "fv-visit [data-arrive]", "document.querySelector('fv-visit [data-state=current]')")}
    yes = []
    for value in ("true", "false", "true", "false", "true"):
        sel = f"fv-visit [data-state=current] [data-yesno][data-value='{value}']"
        yes.append(tap(page, sel, f"document.querySelector(\"{sel}\")?.getAttribute('aria-pressed') === 'true'"))
    out["yes/no"] = statistics.median(yes)
    page.tap("fv-visit [data-state=current] [data-except]")
    page.select_option("fv-visit [data-except-reason]", "store_closed")
    page.fill("fv-visit [data-except-note]", "店门关着 closed")
    first = page.get_attribute("fv-visit [data-state=current]", "data-step")
    out["exception"] = tap(
        page,
        "fv-visit [data-except-submit]",
        f"document.querySelector('fv-visit [data-step=\"{first}\"]')?.dataset.state === 'excepted'",
    )
    return out


def planned_stores(url: str, username: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=url) as client:
        client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}).raise_for_status()
        stores = client.get("/api/stores", params={"limit": 1000}).json()["items"]
    day = clock.today()
    return [s for s in stores if planned_on(s["visit_days"] or "", s["cycle_weeks"] or 1, s["cycle_anchor"], day)]


def med(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold offline starts per user (default 5)")
    parser.add_argument("--rep-days", type=int, default=365, help="days of rep01's history (default 365)")
    parser.add_argument("--lang", default="zh-CN", help="the phones' locale (default zh-CN)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="work in this folder and keep it; a second run reuses its database (default: temporary)",
    )
    parser.add_argument("--pwa", type=Path, help="serve the PWA from this folder (default: pwa/), e.g. an older copy")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{root / 'bench.db'}"
        settings = Settings(data_dir=root / "data", database_url=db_url, secret_key="bench")
        seeded = (root / "bench.db").exists()
        if not seeded:
            print(f"seeding (fixed clock: {clock.now().isoformat(timespec='minutes')}):", flush=True)
            prepare(settings)
        env = {**clock.CLOCK_ENV, **({"FIELDVISIT_PWA_DIR": str(args.pwa.resolve())} if args.pwa else {})}
        server = start_server(root / "data", db_url, demo=False, env=env)
        try:
            if not seeded:
                seed(server.url, args.rep_days)
            for old in root.glob("profile-*"):
                shutil.rmtree(old)
            stores = planned_stores(server.url, REP)
            if not args.runs:
                return 0
            with sync_playwright() as pw:
                results: dict[str, dict[str, list[float]]] = {}
                for user, route, mark, rows in (
                    (SUPERVISOR, "/#/stores", "fv:stores-rendered", "li[data-store-id]"),
                    (REP, "/#/route", "fv:route-rendered", "li[data-route-store]"),
                ):
                    where = (stores[0]["lat"], stores[0]["lng"])
                    phone = Phone(pw, server.url, root / f"profile-{user}", where, args.lang)
                    first_sync(phone, user)
                    got: dict[str, list[float]] = {"start": [], "heap": []}
                    for run in range(args.runs):
                        page, ms, heap = cold_start(phone, route, mark, rows)
                        got["start"].append(ms)
                        got["heap"].append(heap)
                        line = f"  {user} run {run + 1}: cold start {ms:.0f} ms, heap {heap:.1f} MB"
                        if user == REP:
                            taps = visit_taps(page, stores[(run + 1) % len(stores)]["id"])
                            for k, v in taps.items():
                                got.setdefault(k, []).append(v)
                            line += ", taps " + ", ".join(f"{k} {v:.0f} ms" for k, v in taps.items())
                        # the rest of the history, read in the background after the first screen
                        page.wait_for_function(
                            "() => performance.getEntriesByName('fv:history-read').length", timeout=300000
                        )
                        done = page.evaluate("() => performance.getEntriesByName('fv:history-read')[0].startTime")
                        got.setdefault("history", []).append(done)
                        got.setdefault("heap with history", []).append(phone.heap(page))
                        line += f"; all history read at {done:.0f} ms, heap then {got['heap with history'][-1]:.1f} MB"
                        print(line, flush=True)
                        phone.close()
                    results[user] = got
            print("medians (4x CPU throttling, offline, 390x844):")
            for user, got in results.items():
                what = "store list" if user == SUPERVISOR else "route"
                heap = statistics.median(got["heap"])
                print(
                    f"  {user}: cold start to the {what} {med(got['start'])} ms (target <= 1000), JS heap {heap:.1f} MB"
                )
                for k in ("arrive", "yes/no", "exception"):
                    if k in got:
                        print(f"  {user}: tap in a visit, {k}: {med(got[k])} ms (target <= 100)")
                heap = statistics.median(got["heap with history"])
                print(f"  {user}: all history in memory at {med(got['history'])} ms, JS heap then {heap:.1f} MB")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
