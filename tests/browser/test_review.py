"""End of day and review in a real browser: a rep at phone size confirms the day offline and syncs;
the supervisor, in another context, sees the confirmation, filters the queue to flagged items,
sees the store's previous photo beside the current one, rejects one with a reason and
batch-approves the rest; the rep sees the rejection and why after the next sync. A rep cannot
open the queue; another team's supervisor gets 404.

With ``FIELDVISIT_SCREENSHOTS=<dir>`` set (``./dev screenshots``), the test also saves the
dashboard and the queue at phone and desktop size for the docs.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sync import uuid7
from tests import clock
from tests.browser.test_claims import _client
from tests.claimhelp import jpeg, material_photo
from tests.livesupport import PHONE, LiveServer, new_context, sign_in_pwa, wait_synced
from tests.synchelp import Phone, upload

pytestmark = pytest.mark.browser
REP = "rep06"  # Chengdu team, supervised by sup-cd
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
SHOTS = os.environ.get("FIELDVISIT_SCREENSHOTS")


def _shot(page, name: str, *, full: bool = False) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(300)  # let thumbnails paint
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=full)


def _push_visit(
    client, phone: Phone, store: dict, template_id: str, day: str, photo: bytes, far: bool, hour: int = 10
) -> str:  # type: ignore[no-untyped-def]
    """A whole visit from the rep's other phone, with its check-in photo uploaded."""
    visit_id = uuid7()
    at = f"{day}T{hour:02d}:00:00+08:00"
    lat = store["lat"] + (0.03 if far else 0)
    ops = [
        phone.op(
            "visit.arrive",
            visit_id,
            {
                "store_id": store["id"],
                "template_id": template_id,
                "day": day,
                "arrived_at": at,
                "arrival": {"lat": lat, "lng": store["lng"], "accuracy": 10, "at": at},
                "planned": True,
                "status": "arrived",
            },
        )
    ]
    sha = hashlib.sha256(photo).hexdigest()
    template = next(t for t in client.get("/api/templates").json() if t["id"] == template_id)
    for step in template["steps"]:
        if step["key"] == "checkin":
            fields = {"status": "done", "answers": {"storefront": [sha]}, "photos": [sha]}
        else:
            fields = {"status": "excepted", "exception": {"reason": "store_closed", "note": "卷帘门没开"}}
        ops.append(
            phone.op(
                f"step.{'complete' if 'answers' in fields else 'except'}",
                uuid7(),
                {"visit_id": visit_id, "store_id": store["id"], "step": step["key"], **fields},
            )
        )
    ops.append(
        phone.op(
            "visit.checkout", visit_id, {"status": "checked_out", "checked_out_at": f"{day}T{hour:02d}:20:00+08:00"}
        )
    )
    answer = client.post("/api/sync/push", json=phone.batch(*ops)).json()
    assert all(r["status"] == "applied" for r in answer["results"]), answer
    put = upload(client, photo)
    assert put.status_code == 200, put.text
    return visit_id


def _wait_inspected(client, visit_id: str, timeout: float = 60) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        item = client.get(f"/api/review/{visit_id}").json()
        if item.get("inspected"):
            return item
        time.sleep(0.5)
    raise AssertionError(f"the check-in photo of {visit_id} was never read")


def test_confirm_offline_review_and_the_rep_sees_why(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    today = clock.today()
    with _client(live_server, REP) as rep_api, _client(live_server, "sup-cd") as sup_api:
        stores = rep_api.get("/api/stores", params={"limit": 1000}).json()["items"]
        store, other = stores[0], stores[1]
        template_id = next(t["id"] for t in rep_api.get("/api/templates").json() if t["code"] == "standard")
        when = datetime.combine(today, datetime.min.time()).replace(hour=10, minute=5)
        phone = Phone()
        before = _push_visit(
            rep_api,
            phone,
            store,
            template_id,
            today.isoformat(),
            jpeg(material_photo(11, store["name"], when - timedelta(hours=2))),
            far=False,
            hour=8,
        )
        flagged = _push_visit(
            rep_api,
            phone,
            store,
            template_id,
            today.isoformat(),
            jpeg(material_photo(12, store["name"], when)),
            far=True,
        )
        normal = _push_visit(
            rep_api,
            phone,
            other,
            template_id,
            today.isoformat(),
            jpeg(material_photo(13, other["name"], when)),
            far=False,
        )
        for visit_id in (before, flagged, normal):
            _wait_inspected(sup_api, visit_id)

        # The rep, at phone size, confirms the day while offline, then syncs.
        rep_ctx = new_context(browser, base_url=live_server.url, timezone_id="Asia/Shanghai", locale="zh-CN", **PHONE)
        rep = rep_ctx.new_page()
        rep.set_default_timeout(20000)
        sign_in_pwa(rep, REP)
        wait_synced(rep, "已全部同步", timeout=60000)
        rep_ctx.set_offline(True)
        rep.click("[data-rep-tab=today]")
        rep.wait_for_selector("fv-today [data-confirm-day]")
        assert rep.inner_text("[data-fig=visited] dd") != "" and int(rep.inner_text("[data-fig=exceptions] dd")) >= 3
        rep.click("[data-confirm-day]")
        # planned stores are left unvisited: the app asks once more (tests/browser/test_rep_day_walk.py)
        assert "家计划门店未拜访" in rep.inner_text("dialog.reason-dialog")
        rep.click("dialog.reason-dialog [data-reason-ok]")
        rep.wait_for_selector("fv-today [data-confirmed]")
        assert "未同步" in rep.inner_text("[data-confirmed]")
        # A rep cannot open the review queue (the server says 403; the page shows it).
        assert rep_api.get("/api/review").status_code == 403
        rep_ctx.set_offline(False)
        wait_synced(rep, "已全部同步", timeout=30000)
        rep.wait_for_function("() => !document.querySelector('[data-confirmed]')?.textContent.includes('未同步')")
        # A later change to the confirmed day asks why; cancelling writes nothing, a reason is audited.
        edit = f"m.write('visit.flag', '{normal}', {{ flags: {{ add: ['late_note'] }} }})"
        flag = f"() => import('/js/state.js').then((m) => {edit})"
        rep.evaluate(f"() => {{ window.__late = ({flag})(); }}")
        rep.wait_for_selector("dialog.reason-dialog [data-reason]")
        rep.click("dialog.reason-dialog button[value=cancel]")
        assert rep.evaluate("() => window.__late") is None
        rep.evaluate(f"() => {{ window.__late = ({flag})(); }}")
        rep.fill("dialog.reason-dialog [data-reason]", "补记：门头广告已破损")
        rep.click("[data-reason-ok]")
        deadline = time.monotonic() + 30
        while "late_note" not in rep_api.get(f"/api/sync/records/visit/{normal}").json()["fields"].get("flags", []):
            assert time.monotonic() < deadline, rep.inner_text("fv-sync-status")
            time.sleep(0.3)

        # The supervisor, at desktop size, in another context.
        sup_ctx = new_context(browser, base_url=live_server.url, timezone_id="Asia/Shanghai", locale="en-US", **DESKTOP)
        sup = sup_ctx.new_page()
        sup.set_default_timeout(20000)
        sign_in_pwa(sup, "sup-cd")
        sup.wait_for_selector(f"fv-team [data-todo-rep={REP}][data-confirmed=true]")
        assert "门头广告已破损" in sup.inner_text(f"[data-todo-rep={REP}] [data-changed-after]")
        sup.wait_for_selector("fv-team svg.heatmap rect[data-cell]")
        rate = sup.inner_text("[data-ontime-rate]")
        assert "%" in rate and "healthy" in rate and "during the visit" in sup.inner_text("[data-definition]")
        _shot(sup, "dashboard-desktop", full=True)

        sup.goto(f"/#/review?rep={rep_api.get('/api/me').json()['user']['id']}")
        sup.wait_for_selector("fv-review [data-item-id]")
        # Keys on a desktop: j/k move through the queue (the first item is open).
        first = sup.get_attribute("fv-review li.selected", "data-item-id")
        sup.keyboard.press("j")
        sup.wait_for_selector(f"fv-review li.selected:not([data-item-id='{first}'])")
        sup.keyboard.press("k")
        sup.wait_for_selector(f"fv-review li.selected[data-item-id='{first}']")
        sup.click("[data-flag=outside_geofence]")
        sup.wait_for_selector("[data-flag=outside_geofence].on")
        sup.wait_for_selector(f"fv-review [data-item-id='{flagged}']")
        ids = sup.eval_on_selector_all("[data-item-id]", "els => els.map(e => e.dataset.itemId)")
        assert ids[0] == flagged and normal not in ids
        sup.click(f"[data-item-id='{flagged}']")
        sup.wait_for_selector("[data-previous-photo] img")
        # the day in words (en-US: "Nov 25, 2026"), not as ISO
        assert f"{today:%b} {today.day}, {today.year}" in sup.inner_text("[data-previous-photo] figcaption")
        assert sup.eval_on_selector("[data-current-photo] img", "img => img.complete && img.naturalWidth > 0")
        sup.wait_for_function("() => document.querySelector('[data-previous-photo] img')?.naturalWidth > 0")
        assert "Outside the geofence" in sup.inner_text("[data-item-flags]")
        assert store["name"] in sup.inner_text("[data-watermark]")
        _shot(sup, "review-desktop")
        sup.select_option("[data-reject-reason]", "not_at_store")
        sup.fill("[data-reject-comment]", "Checked in 3 km from the shop")
        sup.click("[data-reject]")
        sup.wait_for_function(f"() => !document.querySelector(\"[data-item-id='{flagged}']\")")
        # Batch: everything of this rep still waiting, in one action.
        sup.click("[data-flag='']")
        sup.wait_for_selector("[data-flag=''].on")
        sup.wait_for_selector("[data-approve-all]:not([hidden])")
        sup.click("[data-approve-all]")
        sup.click("dialog.reason-dialog [data-reason-ok]")  # asked once, with the count
        sup.wait_for_selector("fv-review li.empty")
        me = rep_api.get("/api/me").json()["user"]["id"]
        assert sup_api.get(f"/api/review?rep={me}").json()["items"] == []
        done = {i["visit_id"]: i for i in sup_api.get(f"/api/review?rep={me}&status=all&limit=100").json()["items"]}
        assert done[flagged]["status"] == "rejected" and done[normal]["status"] == "approved"
        assert done[before]["status"] == "approved"

        # Another team's supervisor cannot see the item.
        with _client(live_server, "sup-my") as other_sup:
            assert other_sup.get(f"/api/review/{flagged}").status_code == 404

        # The rep sees the rejection and its reason after the next sync.
        rep.goto("/#/route")
        rep.wait_for_selector("fv-route [data-route]")
        rep.evaluate("() => import('/js/sync.js').then((m) => m.syncNow())")
        rep.click("[data-rep-tab=today]")
        rep.wait_for_selector(f"[data-decision='{flagged}'][data-status=rejected]")
        text = rep.inner_text(f"[data-decision='{flagged}']")
        assert "不在门店" in text and "Checked in 3 km from the shop" in text
        rep.goto("/#/review")
        rep.wait_for_selector("fv-review [data-review-error]")

        if SHOTS:
            sup.goto("/#/review?status=all")
            sup.wait_for_selector("fv-review [data-item-id]")
            phone_ctx = new_context(
                browser, base_url=live_server.url, timezone_id="Asia/Shanghai", locale="zh-CN", **PHONE
            )
            small = phone_ctx.new_page()
            sign_in_pwa(small, "sup-cd")
            small.wait_for_selector("fv-team svg.heatmap rect[data-cell]")
            _shot(small, "dashboard-phone", full=True)
            small.goto("/#/review")
            small.wait_for_selector("fv-review [data-item-id]")
            _shot(small, "review-phone")
            small.click("fv-review [data-item-id] >> nth=0")
            small.wait_for_selector("[data-item]:not([hidden]) [data-current-photo] img")
            _shot(small, "review-item-phone")
            phone_ctx.close()
        rep_ctx.close()
        sup_ctx.close()
