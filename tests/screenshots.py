"""Render every screen of every role (tests/screens.py) at phone 390x844 and desktop 1280x800, in
zh-CN and English, into docs/screenshots/all/<role>-<screen>-<phone|desktop>-<zh|en>.png (not kept in
git); the main screens (``main=True``) at phone size in zh-CN and desktop size in English are copied
into docs/screenshots/ itself, for the README.

The server runs on a temporary SQLite database with the demo seed and the test run's fixed clock
(tests/clock.py), so the pictures are the same from run to run. ``./dev screenshots`` runs this.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import clock  # noqa: E402  (starts the fixed clock in this process)
from tests.livesupport import CHROMIUM, CHROMIUM_ARGS, new_context, start_server  # noqa: E402
from tests.screens import DESKTOP_SIZE, LOCALES, PASSWORD, PHONE_SIZE, Screen, all_screens, resolve  # noqa: E402

SIZES = {"phone": PHONE_SIZE, "desktop": DESKTOP_SIZE}
README_SHOTS = {("phone", "zh"), ("desktop", "en")}  # the main screens at these are copied beside all/


SYNCED = {"zh": "已全部同步", "en": "All synced"}


def sign_in(page, user: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the app's form; a user whose phone syncs waits until it has everything."""
    page.goto("/")
    page.fill("#u", user)
    page.fill("#p", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function(
        "() => { const s = document.querySelector('fv-app')?.firstElementChild; return s && s.tagName !== 'FV-LOGIN'; }"
    )
    if page.locator("fv-sync-status").count():  # a phone that syncs: its first pull done
        page.wait_for_function(
            "(text) => document.querySelector('fv-sync-status [data-sync-summary]')?.textContent.includes(text)",
            arg=SYNCED[lang],
            timeout=120000,
        )


def signed_in(browser, base_url: str, user: str, size: str, lang: str, geolocation: dict, scale: float = 1):  # type: ignore[no-untyped-def]
    """A context of ``size`` and ``lang`` with ``user`` signed in (and synced): (context, page)."""
    phone = size == "phone"
    context = new_context(
        browser,
        base_url=base_url,
        viewport=SIZES[size],
        device_scale_factor=scale,
        is_mobile=phone,
        has_touch=phone,
        locale=LOCALES[lang],
        timezone_id="Asia/Shanghai",
        permissions=["geolocation"],
        geolocation=geolocation,
    )
    context.set_default_timeout(30000)
    page = context.new_page()
    page.on("dialog", lambda d: d.dismiss())
    sign_in(page, user, lang)
    return context, page


def show(page, screen: Screen, route: str, timeout: float = 20000) -> str | None:  # type: ignore[no-untyped-def]
    """Open ``screen``; None when it showed its data, else what did not appear."""
    page.evaluate("(r) => { location.hash = r; }", route)
    try:
        page.wait_for_selector(screen.ready, timeout=timeout)
        if screen.click and page.locator(screen.click).count():
            page.locator(screen.click).first.click()
            page.wait_for_selector(screen.after or screen.ready, timeout=timeout)
    except Exception as exc:  # the picture is still taken: it shows what is wrong
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        page.wait_for_load_state("networkidle", timeout=timeout)
        page.evaluate(
            "() => Promise.all([...document.images].filter((i) => !i.complete).map((i) => "
            "new Promise((ok) => { i.onload = i.onerror = ok; setTimeout(ok, 3000); })))"
        )
        page.evaluate("() => document.fonts.ready")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="./dev screenshots", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder (default docs/screenshots)"
    )
    parser.add_argument(
        "--only", default="", help="only screens whose file name contains this, e.g. 'rep-' or 'admin-users'"
    )
    parser.add_argument("--lang", choices=sorted(LOCALES), action="append", help="zh and/or en (default both)")
    parser.add_argument("--size", choices=sorted(SIZES), action="append", help="phone and/or desktop (default both)")
    parser.add_argument("--scale", type=float, default=1, help="device pixels per CSS pixel (default 1: small files)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    (args.out / "all").mkdir(parents=True, exist_ok=True)
    langs, sizes = args.lang or ["zh", "en"], args.size or ["phone", "desktop"]
    started = time.monotonic()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fv-shots-") as tmp:
        server = start_server(Path(tmp) / "data", f"sqlite:///{tmp}/shots.db", env=clock.CLOCK_ENV)
        try:
            demo = resolve(server.url)
            screens = [s for s in all_screens() if not args.only or args.only in s.slug]
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                users = list(dict.fromkeys(s.user for s in screens))
                for user, lang, size in ((u, la, si) for u in users for la in langs for si in sizes):
                    mine = [s for s in screens if s.user == user]
                    at = demo.geolocation(mine[0])
                    context, page = signed_in(browser, server.url, user, size, lang, at, args.scale)
                    for screen in mine:
                        if screen.at_store:
                            context.set_geolocation(demo.geolocation(screen))
                        missing = show(page, screen, demo.route(screen))
                        name = f"{screen.slug}-{size}-{lang}.png"
                        page.screenshot(path=str(args.out / "all" / name))
                        if screen.main and (size, lang) in README_SHOTS:  # the README's: kept in git
                            shutil.copyfile(args.out / "all" / name, args.out / name)
                        if missing:
                            problems.append(f"{name}: {missing}")
                        print(f"{name}{'  (' + missing + ')' if missing else ''}", flush=True)
                    context.close()
                browser.close()
        finally:
            server.stop()
    print(f"{len(screens) * len(langs) * len(sizes)} screenshots in {args.out} ({time.monotonic() - started:.0f} s)")
    for p in problems:
        print(f"not ready: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
