"""Browser fixtures: a phone-sized context per test on the live server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.livesupport import CHROMIUM, CHROMIUM_ARGS, PHONE, LiveServer, new_context, sign_in_pwa


@pytest.fixture
def phone(browser, live_server: LiveServer) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = new_context(
        browser,
        **PHONE,
        base_url=live_server.url,
        locale="zh-CN",
        geolocation={"latitude": 30.6598, "longitude": 104.0657},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def camera_browser(playwright):  # type: ignore[no-untyped-def]
    """Chromium with its fake camera (a moving test pattern) standing in for the phone's."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
    )
    yield browser
    browser.close()


def rep_phone(camera_browser, live_server: LiveServer, username: str, store: dict, locale: str):  # type: ignore[no-untyped-def]
    """A rep's phone standing at ``store`` (GPS there, the fake camera allowed), signed in; its
    "retake?" questions are answered "keep the photo". Returns (context, page)."""
    context = new_context(
        camera_browser,
        **PHONE,
        base_url=live_server.url,
        locale=locale,
        timezone_id="Asia/Shanghai",  # the demo's allocations and promotions follow the day in China
        geolocation={"latitude": store["lat"], "longitude": store["lng"], "accuracy": 15},
        permissions=["geolocation", "camera"],
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda d: d.dismiss())
    sign_in_pwa(page, username)
    return context, page


def api_stores(live_server: LiveServer, username: str, password: str = "fieldvisit") -> list[dict]:
    with httpx.Client(base_url=live_server.url) as client:
        assert client.post("/api/auth/login", json={"username": username, "password": password}).status_code == 200
        return client.get("/api/stores", params={"limit": 1000}).json()["items"]


def sign_in_page(page, username: str, password: str = "fieldvisit") -> None:  # type: ignore[no-untyped-def]
    sign_in_pwa(page, username, password)
    page.goto("/#/stores")
    page.wait_for_selector("fv-store-list li[data-store-id]")
