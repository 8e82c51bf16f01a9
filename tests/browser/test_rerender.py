"""A screen re-renders only when its own data changed: the route stays as drawn while the network
comes and goes, a sync runs and a note is written elsewhere, and is drawn again when a visit at one
of its stores begins."""

from __future__ import annotations

import pytest

from tests.livesupport import PHONE, LiveServer, new_context, sign_in_pwa, wait_synced

pytestmark = pytest.mark.browser
USER = "rep17"  # used by no other browser test

MARK = "() => { for (const li of document.querySelectorAll('[data-route-store]')) li.fvDrawn = true; }"
STILL_DRAWN = "() => [...document.querySelectorAll('[data-route-store]')].every((li) => li.fvDrawn === true)"
WRITE = """async ([type, fields]) => {
  const { write } = await import('/js/state.js');
  const { uuid7 } = await import('/js/ids.js');
  await write(type, uuid7(), fields);
}"""


def test_the_route_is_not_redrawn_for_what_it_does_not_show(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, **PHONE, base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20000)
    sign_in_pwa(page, USER)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_synced(page, "已全部同步")
    page.wait_for_selector("fv-route li[data-route-store]")
    page.evaluate(MARK)
    first = page.eval_on_selector("li[data-route-store]", "el => el.dataset.routeStore")

    # The network goes and comes back: the header says so, the list is left alone.
    context.set_offline(True)
    page.wait_for_selector("fv-route [data-net].off")
    assert page.inner_text("fv-route [data-net]") == "离线"
    context.set_offline(False)
    page.wait_for_selector("fv-route [data-net]:not(.off)")
    # A note written at a store (another collection), then a sync with its progress.
    page.evaluate(WRITE, ["note.create", {"store_id": first, "text": "路过看了一眼", "lang": "zh"}])
    page.wait_for_function(
        "() => !document.querySelector('fv-sync-status [data-sync-summary]').textContent.includes('已全部同步')"
    )
    wait_synced(page, "已全部同步")
    page.click("fv-sync-status [data-toggle]")
    page.click("[data-sync-now]")
    wait_synced(page, "已全部同步")
    assert page.evaluate(STILL_DRAWN), "the route was drawn again for data it does not show"

    # A visit begins at the first store: that is the route's own data.
    template = page.evaluate("async () => (await import('/js/state.js')).list('template')[0].id")
    day = page.inner_text("[data-route-day]")
    page.evaluate(
        WRITE, ["visit.arrive", {"store_id": first, "template_id": template, "day": day, "status": "arrived"}]
    )
    page.wait_for_selector(f"li[data-route-store='{first}'][data-status='in_progress']")
    assert not page.evaluate(STILL_DRAWN)
    context.close()
