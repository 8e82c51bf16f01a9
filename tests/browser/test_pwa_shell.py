"""The PWA at phone size in Debian's Chromium: sign in, scoped store list, language, offline start."""

from __future__ import annotations

import pytest

from tests.browser.conftest import api_stores, sign_in_page
from tests.livesupport import LiveServer

pytestmark = pytest.mark.browser


def _shown_ids(page) -> set[str]:  # type: ignore[no-untyped-def]
    while page.locator("button.more").count():
        page.click("button.more")
    return set(page.eval_on_selector_all("li[data-store-id]", "els => els.map(e => e.dataset.storeId)"))


def test_rep_sees_only_their_stores_switches_language_and_starts_offline(phone, live_server: LiveServer) -> None:
    expected = {s["id"] for s in api_stores(live_server, "rep02")}
    other = {s["id"] for s in api_stores(live_server, "rep03")}
    assert 15 <= len(expected) <= 200 and not expected & other

    page = phone.new_page()
    sign_in_page(page, "rep02")
    assert page.inner_text("header h1") == "我的门店"
    assert _shown_ids(page) == expected
    assert page.inner_text("[data-count]") == f"{len(expected)} 家门店"
    # Nearest first: the geolocation is set, so every row shows a distance, ascending.
    distances = page.eval_on_selector_all(".dist", "els => els.map(e => e.textContent)")
    assert all(distances)

    page.click("[data-switch-lang=en]")
    page.wait_for_selector("text=My stores")
    assert page.inner_text("[data-count]") == f"{len(expected)} stores"
    page.fill(".search", "zzz-no-such-store")
    assert page.inner_text("li.empty") == "No stores match."

    # Make sure the service worker controls the page before cutting the network.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("li[data-store-id]")
    assert page.evaluate("navigator.onLine") is False
    assert page.evaluate("fetch('/api/health').then(() => 'reached', () => 'unreachable')") == "unreachable"
    assert page.inner_text("header h1") == "My stores"  # the language choice survives
    assert page.inner_text("[data-net]") == "Offline"
    assert _shown_ids(page) == expected

    # A store's page opens offline too.
    first = sorted(expected)[0]
    page.goto(f"/#/stores/{first}")
    page.wait_for_selector("fv-store-detail dl.facts")
    assert "Geofence" in page.inner_text("fv-store-detail")
    phone.set_offline(False)


def test_wrong_password_shows_attempts_left(phone, live_server: LiveServer) -> None:
    page = phone.new_page()
    page.goto("/")
    page.fill("#u", "rep40")
    page.fill("#p", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_selector(".error:not([hidden])")
    assert "还可尝试 4 次" in page.inner_text(".error")
    # in English the count is said in its own number: "3 attempts", "1 attempt", not "attempt(s)"
    page.click("[data-lang=en]")
    for left in (3, 2, 1):
        page.fill("#u", "rep40")
        page.fill("#p", "not-the-password")
        page.click("button[type=submit]")
        page.wait_for_function(
            "(n) => document.querySelector('.error:not([hidden])')?.textContent.includes(n)", arg=f"{left} attempt"
        )
    assert page.inner_text(".error") == "Wrong username or password. 1 attempt left."


def test_supervisor_sees_the_team_and_a_store_detail(phone, live_server: LiveServer) -> None:
    expected = {s["id"] for s in api_stores(live_server, "sup-my")}
    page = phone.new_page()
    sign_in_page(page, "sup-my")
    assert _shown_ids(page) == expected
    page.click("li[data-store-id] a >> nth=0")
    page.wait_for_selector("fv-store-detail dl.facts")
    assert "电子围栏" in page.inner_text("fv-store-detail")
