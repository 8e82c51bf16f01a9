"""Lighthouse on the screens a rep and a supervisor open most, mobile preset, against Debian's Chromium.

    python bench/lighthouse.py [--runs 3] [--keep DIR]

Starts the server on a fresh SQLite database with the demo distributor and the test run's fixed clock,
installs Lighthouse from the npm registry into ~/.cache/fieldvisit/lighthouse the first time (the
benchmark's own tool: nothing of the app needs it), and signs in once per user in a Chromium of its
own (remote debugging on loopback), so each page is measured as the user meets it: signed in, the
service worker and the synced data in place (``--disable-storage-reset``), the app opened afresh
(a new browser process on that profile for each run, as a phone reopens the app). Lighthouse's mobile
preset: a mid-range phone's screen, 4x CPU slowdown and a slow 4G network, simulated.

Pages: the rep's route, a store, a visit (before arriving), a promotion claim, and the supervisor's
review queue. Each is run ``--runs`` times; the median of each category is printed per page, then
one line, ``targets met`` or ``targets missed`` (Performance >= 95, Accessibility 100, Best
Practices 100 on every page). ``--keep DIR`` saves each run's JSON report and its trace (its failing
audits are printed either way).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.clock import CLOCK_ENV  # noqa: E402
from tests.livesupport import CHROMIUM, free_port, start_server  # noqa: E402
from tests.screens import LOCALES, PASSWORD, resolve  # noqa: E402

VERSION = "12.8.2"  # the last Lighthouse for Node 20 (13 needs Node 22)
TOOL = Path.home() / ".cache" / "fieldvisit" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
PAGES = [  # (user, name, route)
    ("rep01", "rep route", "#/route"),
    ("rep01", "rep store", "#/stores/{claim_store}"),
    ("rep01", "rep visit", "#/visit/{next_store}"),
    ("rep01", "rep claim", "#/claim/{claim_store}"),
    ("sup-cd", "supervisor queue", "#/review"),
]


def lighthouse_bin() -> Path:
    binary = TOOL / "node_modules" / ".bin" / "lighthouse"
    if binary.exists():
        return binary
    if not shutil.which("npm"):
        sys.exit("npm is needed to install Lighthouse (apt install nodejs npm)")
    TOOL.mkdir(parents=True, exist_ok=True)
    print(f"installing lighthouse@{VERSION} into {TOOL}", flush=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", f"lighthouse@{VERSION}"], cwd=TOOL, check=True
    )
    return binary


class Browser:
    """A Chromium of its own, signed in as ``user``, that Lighthouse drives through its debugging port."""

    def __init__(self, base: str, user: str, lang: str, profile: Path) -> None:
        self.profile, self.lang = profile, lang
        self.start()
        self.sign_in(base, user, lang)

    def start(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless=new",
                f"--remote-debugging-port={self.port}",
                "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={self.profile}",
                f"--lang={LOCALES[self.lang]}",
                "--no-first-run",
                "--no-default-browser-check",
                "--no-sandbox",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/json/version", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def restart(self) -> None:
        """A new browser process on the same profile (signed in, data and service worker kept): the app
        opened afresh, as a phone does after it closed it, and no renderer left over from the last run."""
        self.stop()
        self.start()

    def sign_in(self, base: str, user: str, lang: str) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{self.port}")
            context = browser.contexts[0]
            page = context.new_page()
            page.goto(base + "/")
            page.evaluate("(lang) => localStorage.setItem('fv.lang', lang)", lang)
            page.reload()
            page.fill("#u", user)
            page.fill("#p", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_function(
                "() => { const s = document.querySelector('fv-app')?.firstElementChild;"
                " return s && s.tagName !== 'FV-LOGIN'; }"
            )
            page.wait_for_function(  # the first pull done (the bar says so in either language)
                "() => { const bar = document.querySelector('fv-sync-status [data-sync-summary]');"
                " return !bar || /已全部同步|All synced/.test(bar.textContent); }",
                timeout=120000,
            )
            page.wait_for_function("() => navigator.serviceWorker?.controller")
            page.close()
            browser.close()  # the connection only: the Chromium stays, signed in

    def stop(self) -> None:
        """Closed the way a person closes it (Browser.close), so the profile keeps the session."""
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{self.port}")
                browser.new_browser_cdp_session().send("Browser.close")
            self.process.wait(20)
            return
        except Exception:  # gone already, or not answering: ended below
            pass
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_lighthouse(binary: Path, url: str, port: int, out: Path, assets: bool = False, tries: int = 3) -> dict:
    """One Lighthouse run. A run Lighthouse itself gives up on (a runtime error such as
    NO_NAVSTART: its trace of the load failed) is run again, up to ``tries`` times, and said so;
    a page that loads and scores low is never re-run."""
    command = [
        str(binary),
        url,
        *(["--save-assets"] if assets else []),
        f"--port={port}",
        "--disable-storage-reset",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    for attempt in range(1, tries + 1):
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM})
        if done.returncode == 0:
            return json.loads(out.read_text(encoding="utf-8"))
        print(f"  lighthouse failed on {url} (attempt {attempt} of {tries}); running it again", flush=True)
    raise SystemExit(f"lighthouse failed {tries} times on {url}")


def failing(report: dict) -> list[str]:
    """The audits of our categories that did not pass, with their titles."""
    audits = report["audits"]
    found = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                value = audit.get("displayValue") or ""
                found.append(f"{name}: {audit['id']} ({audit['score']:.2f}) {audit['title']} {value}".rstrip())
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (default 3; medians printed)")
    parser.add_argument("--lang", choices=sorted(LOCALES), default="zh", help="the UI's language (default zh)")
    parser.add_argument("--keep", type=Path, help="save every run's JSON report in this folder")
    parser.add_argument("--only", default="", help="only pages whose name contains this (e.g. 'rep store')")
    args = parser.parse_args(argv)
    binary = lighthouse_bin()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="fv-lighthouse-") as tmp:
        root = Path(tmp)
        server = start_server(root / "data", f"sqlite:///{root}/lighthouse.db", env=CLOCK_ENV)
        browsers: dict[str, Browser] = {}
        try:
            demo = resolve(server.url)
            for user, name, route in PAGES:
                if args.only not in name:
                    continue
                if user not in browsers:
                    browsers[user] = Browser(server.url, user, args.lang, root / f"profile-{user}")
                url = f"{server.url}/{route.format(**demo.ids)}"
                scores = results.setdefault(name, {c: [] for c in CATEGORIES})
                problems: set[str] = set()
                for run in range(args.runs):
                    out = (args.keep or root) / f"{name.replace(' ', '-')}-{run + 1}.json"
                    browsers[user].restart()
                    report = run_lighthouse(binary, url, browsers[user].port, out, assets=bool(args.keep))
                    if "FV-LOGIN" in json.dumps(report["audits"]["dom-size"].get("details", {})):
                        sys.exit(f"{name}: the page showed the sign-in form, not the screen (session lost)")
                    for c in CATEGORIES:
                        scores[c].append(round((report["categories"][c]["score"] or 0) * 100))
                    problems.update(failing(report))
                medians = {c: statistics.median(scores[c]) for c in CATEGORIES}
                runs = " ".join(f"{c}={'/'.join(str(int(s)) for s in scores[c])}" for c in CATEGORIES)
                print(
                    f"{name:18} performance {medians['performance']:5.1f}  accessibility "
                    f"{medians['accessibility']:5.1f}  best-practices {medians['best-practices']:5.1f}   ({runs})",
                    flush=True,
                )
                for p in sorted(problems):
                    print(f"    {p}")
        finally:
            for b in browsers.values():
                b.stop()
            server.stop()
    missed = [
        f"{name} {c} {statistics.median(s[c]):.0f} < {TARGETS[c]}"
        for name, s in results.items()
        for c in CATEGORIES
        if statistics.median(s[c]) < TARGETS[c]
    ]
    for m in missed:
        print(f"  short: {m}")
    print("targets missed" if missed else "targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
