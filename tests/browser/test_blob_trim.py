"""A photo the server confirmed leaves the phone after ``blob_keep_days`` (7 by default); one not
yet uploaded stays however old it is; a screen showing a trimmed photo takes it from the server
online and shows a placeholder offline."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests import clock
from tests.livesupport import PHONE, LiveServer, new_context, sign_in_pwa, wait_synced

pytestmark = pytest.mark.browser
USER = "rep16"  # used by no other browser test

# A real (small) JPEG, made and kept the way the app keeps a photo it took.
KEEP_PHOTO = """async (shade) => {
  const canvas = document.createElement('canvas');
  canvas.width = 96; canvas.height = 64;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = `rgb(${shade}, 120, 60)`; ctx.fillRect(0, 0, 96, 64);
  ctx.fillStyle = '#fff'; ctx.fillText(String(shade), 10, 30);
  const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/jpeg', 0.9));
  return (await import('/js/blobs.js')).keepBlob(blob);
}"""

BLOBS = """async () => {
  const me = JSON.parse(localStorage.getItem('fv.me'));
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open(`fieldvisit-${me.user.id}`);
    req.onsuccess = () => ok(req.result); req.onerror = () => fail(req.error);
  });
  const rows = await new Promise((ok, fail) => {
    const req = db.transaction('blobs').objectStore('blobs').getAll();
    req.onsuccess = () => ok(req.result); req.onerror = () => fail(req.error);
  });
  db.close();
  return Object.fromEntries(rows.map((r) => [r.sha256, r.state]));
}"""


def _blobs_when(page, ready, timeout: float = 15) -> dict[str, str]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        blobs = page.evaluate(BLOBS)
        if ready(blobs) or time.monotonic() > deadline:
            return blobs
        time.sleep(0.2)


def test_uploaded_photos_are_trimmed_after_the_kept_days_unsynced_ones_never(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, **PHONE, base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20000)
    sign_in_pwa(page, USER)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_synced(page, "已全部同步")
    assert page.evaluate("() => JSON.parse(localStorage.getItem('fv.me')).config.blob_keep_days") == 7

    uploaded = page.evaluate(KEEP_PHOTO, 200)
    page.evaluate("async () => (await import('/js/sync.js')).syncNow()")
    assert _blobs_when(page, lambda b: b.get(uploaded) == "uploaded")[uploaded] == "uploaded"

    context.set_offline(True)
    unsynced = page.evaluate(KEEP_PHOTO, 40)
    assert page.evaluate(BLOBS) == {uploaded: "uploaded", unsynced: "pending"}

    # Six days on, both stay; eight days on, the uploaded one goes when the app starts, offline.
    store = page.eval_on_selector("li[data-route-store]", "el => el.dataset.routeStore")
    for days, expected in ((6, {uploaded: "uploaded", unsynced: "pending"}), (8, {unsynced: "pending"})):
        page.clock.set_system_time(clock.now() + timedelta(days=days))
        page.reload()
        page.wait_for_selector("fv-route [data-route]")
        assert page.evaluate("() => Date.now()") >= (clock.now() + timedelta(days=days - 1)).timestamp() * 1000
        assert _blobs_when(page, lambda b, e=expected: b == e) == expected

    # A screen showing the trimmed photo: a placeholder offline, the server's copy online.
    page.evaluate(
        "async ([store, photo]) => (await import('/js/db.js')).setMeta(`claim-draft:${store}`, { photos: [photo] })",
        [store, uploaded],
    )
    page.goto(f"/#/claim/{store}")
    gone = page.locator(f"fv-claim img[data-photo='{uploaded}']")
    page.wait_for_function(f"() => document.querySelector(\"fv-claim img[data-photo='{uploaded}']\")?.matches('.gone')")
    assert gone.get_attribute("alt") == "照片在服务器上（离线）"

    context.set_offline(False)
    page.evaluate("() => { location.hash = '#/route'; }")
    page.wait_for_selector("fv-route [data-route]")
    page.goto(f"/#/claim/{store}")
    page.wait_for_function(
        f"() => document.querySelector(\"fv-claim img[data-photo='{uploaded}']\")?.naturalWidth === 96"
    )
    assert gone.get_attribute("src") == f"/api/blobs/{uploaded}"
    assert "gone" not in (gone.get_attribute("class") or "")
    # Online again, the old unsynced photo is uploaded, and kept: it was confirmed just now.
    wait_synced(page, "已全部同步")
    assert _blobs_when(page, lambda b: b.get(unsynced) == "uploaded") == {unsynced: "uploaded"}
    context.close()
