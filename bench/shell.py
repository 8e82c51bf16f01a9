"""Benchmark the PWA shell: bytes on the wire, and time to the store list offline on a slow phone.

    python bench/shell.py [--runs 5] [--user rep01]

Starts the server on a fresh SQLite database with the demo distributor, then:
1. the app shell's size as transferred with gzip (every file the service worker precaches);
2. the time from navigation to the rendered store list, in Chromium at phone size with the CPU
   throttled 4x, cold (a new browser process each run) and offline (after one online visit).
Prints each run and the median. Targets (issue #2): shell <= 60 KB gzipped; store list <= 1 s offline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from server.pwa import shell_manifest
from server.settings import Settings
from tests.livesupport import CHROMIUM, CHROMIUM_ARGS, PHONE, sign_in_pwa, start_server, wait_synced


def shell_bytes(base: str) -> tuple[int, int, list[tuple[str, int]]]:
    _, urls = shell_manifest(Settings().pwa_dir)
    rows = []
    raw_total = wire_total = 0
    with httpx.Client(base_url=base, headers={"accept-encoding": "gzip"}) as client:
        for url in ["/sw.js", *urls]:
            response = client.get(url)
            response.raise_for_status()
            wire = response.num_bytes_downloaded
            rows.append((url, wire))
            wire_total += wire
            raw_total += len(response.content)
    return wire_total, raw_total, rows


def offline_start_times(base: str, user: str, runs: int, profile: Path) -> list[float]:
    times = []
    with sync_playwright() as pw:

        def launch():  # type: ignore[no-untyped-def]
            return pw.chromium.launch_persistent_context(
                str(profile),
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                headless=True,
                base_url=base,
                locale="zh-CN",
                **PHONE,
            )

        context = launch()
        page = context.pages[0] if context.pages else context.new_page()
        sign_in_pwa(page, user)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        wait_synced(page, "已全部同步", timeout=60000)  # the stores are on the phone before it goes offline
        context.close()

        for _ in range(runs):
            context = launch()
            context.set_offline(True)
            page = context.pages[0] if context.pages else context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            page.goto("/#/stores", wait_until="commit")
            page.wait_for_function("() => performance.getEntriesByName('fv:stores-rendered').length > 0", timeout=30000)
            ms = page.evaluate("performance.getEntriesByName('fv:stores-rendered')[0].startTime")
            rows = page.locator("li[data-store-id]").count()
            assert rows > 0, "no stores rendered offline"
            times.append(ms)
            context.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold offline starts to time (default 5)")
    parser.add_argument("--user", default="rep01", help="demo user to sign in as (default rep01)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = start_server(root / "data", f"sqlite:///{root / 'bench.db'}")
        try:
            wire, raw, rows = shell_bytes(server.url)
            print("app shell, as transferred (gzip where the server compresses):")
            for url, size in rows:
                print(f"  {url:<34} {size:>7,} B")
            print(f"  total: {wire / 1024:.1f} KB on the wire ({raw / 1024:.1f} KB uncompressed)  target <= 60 KB")
            times = offline_start_times(server.url, args.user, args.runs, root / "profile")
            print("navigation -> store list rendered, offline, cold browser, 4x CPU throttling:")
            print("  runs (ms): " + ", ".join(f"{t:.0f}" for t in times))
            print(f"  median: {statistics.median(times):.0f} ms  target <= 1000 ms")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
