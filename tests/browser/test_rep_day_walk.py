"""A rep's day at phone size, in zh-CN then English: a promotion claim at a store's first claim
(the store offered only promotions its channel can be paid from, the receipt taken with a styled
camera button, the amount left to the receipt) stays in the list while its photos upload, shows
its date, promotion and the amount read, then the amount approved. The end of day asks once more
while planned stores are unvisited; a whole visit after confirming asks for a reason once; an
empty reason is told in the dialog; *My day* follows the change and marks it."""

from __future__ import annotations

import contextlib
import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from sync import uuid7
from tests import clock
from tests.browser.conftest import rep_phone
from tests.browser.test_claims import _client, _wait_for_status
from tests.claimhelp import receipt
from tests.livesupport import LiveServer, wait_synced
from tests.visithelp import answers

pytestmark = pytest.mark.browser
USER = "rep01"
CJK = re.compile(r"[\u3400-\u9fff]")

# One line of text in a button: its text makes one box (a wrapped 取/消 makes two).
ONE_LINE = """(sel) => {
  const b = document.querySelector(sel), r = document.createRange();
  r.selectNodeContents(b);
  const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
  return { lines, h: b.getBoundingClientRect().height };
}"""

# A whole visit written the way the visit screen writes it (arrival, every step, check-out) at a
# planned store not visited yet; resolves to whether each write was made.
VISIT = """async (given) => {
  const s = await import('/js/state.js'), r = await import('/js/route.js'), ids = await import('/js/ids.js');
  const day = r.localDay(), seen = new Set(s.by('visit', 'day', day).map((v) => v.fields.store_id));
  const store = s.list('store').find((x) => r.plannedOn(x.fields, day) && !seen.has(x.id));
  const tpl = s.list('template').find((t) => t.fields.code === 'standard');
  const v = ids.uuid7(), now = () => new Date().toISOString(), made = [];
  const write = async (...op) => { made.push(!!(await s.write(...op))); return made.at(-1); };
  window.__visit = v;
  const arrival = { lat: store.fields.lat, lng: store.fields.lng, accuracy: 10, at: now() };
  if (!(await write('visit.arrive', v, { store_id: store.id, template_id: tpl.id, day, arrived_at: now(), arrival,
    planned: true, status: 'arrived' }))) return made;
  for (const step of tpl.fields.steps) {
    const a = given[step.key] || {};
    const photos = Object.values(a).filter(Array.isArray).flat().filter((p) => p.length === 64);
    if (!(await write('step.complete', ids.uuid7(), { visit_id: v, store_id: store.id, step: step.key, answers: a,
      photos, status: 'done', completed_at: now() }))) return made;
  }
  await write('visit.checkout', v, { status: 'checked_out', checked_out_at: now() });
  return made;
}"""


def _money(cents: int) -> str:
    return f"¥{cents / 100:,.2f}"


def test_a_reps_claim_and_end_of_day(camera_browser, live_server: LiveServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with (
        _client(live_server, USER) as rep_api,
        _client(live_server, "finance") as finance,
        _client(live_server, "admin") as admin,
    ):
        claimed = {
            (item.get("store") or {}).get("id")
            for status in ("reading", "review", "approved", "rejected")
            for item in finance.get("/api/claims/", params={"status": status, "limit": 200}).json()["items"]
        }
        store = next(
            s
            for s in rep_api.get("/api/stores", params={"limit": 1000}).json()["items"]
            if s["channel"] == "convenience" and s["id"] not in claimed
        )
        # its own promotion, so that approving leaves the demo's pools as other tests expect them
        today = clock.today()
        promo = admin.post(
            "/api/admin/promotions",
            json={
                "code": f"WALK-{uuid7()[-6:]}",
                "name": "便利店冷柜试点",
                "name_en": "Convenience cooler pilot",
                "starts_on": (today - timedelta(days=7)).isoformat(),
                "ends_on": (today + timedelta(days=7)).isoformat(),
                "pools": [
                    {
                        "name": "冷柜试点",
                        "amount_cents": 500_000,
                        "channels": ["convenience"],
                        "store_ids": [store["id"]],
                    }
                ],
            },
        )
        assert promo.status_code == 201, promo.text
        receipt_bytes, _ = receipt(21, company=store["name"], day=clock.local_naive() - timedelta(hours=1))
        (tmp_path / "receipt.jpg").write_bytes(receipt_bytes)

        context, page = rep_phone(camera_browser, live_server, USER, store, "zh-CN")
        wait_synced(page, "已全部同步", timeout=60000)
        page.evaluate("() => import('/js/state.js').then((m) => { window.__s = m; })")

        # -- the claim form --------------------------------------------------------------------
        page.goto(f"/#/claim/{store['id']}")
        page.wait_for_selector("fv-claim [data-claim-form]")
        offered = page.inner_text("[data-promotion]")
        assert "冬季暖饮陈列奖励" in offered
        assert "春节白酒堆头补贴" not in offered  # its one pool pays tobacco & liquor shops and restaurants
        assert page.inner_text("[data-claims]").strip() == "还没有核销记录。"
        button = page.locator("label.file-btn:has([data-receipt-file])")
        assert button.inner_text().strip() == "拍摄小票" and button.bounding_box()["height"] >= 44
        assert page.get_attribute("[data-receipt-file]", "capture") == "environment"
        assert page.locator("[data-receipt-file]").bounding_box()["width"] <= 1  # no bare "Choose File"
        assert page.locator("label.file-btn:has([data-receipt-pick])").inner_text().strip() == "从相册选择"
        assert page.locator("[data-take-photo]").bounding_box()["height"] >= 44
        page.click("[data-take-photo]")
        page.wait_for_function("() => document.querySelector('.camera video')?.videoWidth > 0")
        page.click("[data-shutter]")
        page.wait_for_selector("[data-material] .thumb")
        page.set_input_files("[data-receipt-file]", str(tmp_path / "receipt.jpg"))
        page.wait_for_selector("[data-receipt] .thumb")
        page.select_option("[data-promotion]", promo.json()["id"])

        # The photos' upload is held: the claim is on the server, its photos not yet.
        held: list = []
        page.route("**/api/blobs/**", lambda route: held.append(route))
        page.click("[data-submit-claim]")  # the amount left empty: the receipt's total counts
        page.wait_for_selector("[data-claims] li[data-claim]")
        claim_id = page.get_attribute("[data-claims] li[data-claim]", "data-claim")
        page.wait_for_function(
            "(id) => window.__s.state.sync.phase === 'uploading' && window.__s.record('claim', id)?.pending === 0",
            arg=claim_id,
            timeout=30000,
        )
        page.wait_for_timeout(300)  # what the screen shows once the acknowledgement is in
        assert page.locator(f"[data-claims] li[data-claim='{claim_id}']").count() == 1
        assert page.locator("[data-claims] li.empty").count() == 0
        page.unroute("**/api/blobs/**")
        for route in held:
            with contextlib.suppress(Exception):  # the phone gave up on it and sends it again
                route.continue_()
        page.evaluate("() => import('/js/sync.js').then((m) => m.syncNow())")
        when = page.inner_text(f"[data-claim='{claim_id}'] [data-claim-meta]")
        today = clock.today()
        assert f"{today.year}年{today.month}月{today.day}日" in when, when  # the one date format of the app

        # -- end of day: asked once more while planned stores are unvisited ----------------------
        page.goto("/#/today")
        page.wait_for_selector("fv-today [data-confirm-day]")
        missed = int(page.inner_text("[data-fig=missed] dd"))
        assert missed > 0
        assert "未拜访" in page.inner_text("[data-missed] summary")
        assert page.locator("[data-missed] li").count() == missed  # every one, not the first 12 and "…"
        assert "…" not in page.inner_text("[data-missed]")
        assert page.locator("[data-confirm-day]").bounding_box()["height"] >= 44
        page.click("[data-confirm-day]")
        page.wait_for_selector("dialog.reason-dialog")
        assert f"还有 {missed} 家计划门店未拜访，仍然确认吗？" in page.inner_text("dialog.reason-dialog")
        assert page.locator("dialog.reason-dialog li").count() == missed
        page.click("dialog.reason-dialog [data-dialog-cancel]")
        page.wait_for_selector("dialog.reason-dialog", state="detached")
        assert page.locator("[data-confirmed]").count() == 0 and page.is_enabled("[data-confirm-day]")
        page.click("[data-confirm-day]")
        page.click("dialog.reason-dialog [data-reason-ok]")
        page.wait_for_selector("fv-today [data-confirmed]")
        visited = int(page.inner_text("[data-fig=visited] dd"))
        assert page.locator("[data-changed-after]").count() == 0

        # -- a whole visit after confirming: one reason --------------------------------------------
        given = json.dumps({k: answers(k) for k in ("checkin", "display", "competitors", "materials")})
        page.evaluate(f"() => {{ window.__walk = ({VISIT})({given}).then((m) => {{ window.__made = m; }}); }}")
        page.wait_for_selector("dialog.reason-dialog [data-reason]")
        cancel = page.evaluate(ONE_LINE, "dialog.reason-dialog [data-dialog-cancel]")
        assert cancel["lines"] == 1 and cancel["h"] >= 44, cancel  # 取消 on one line
        assert page.locator("dialog.reason-dialog [data-reason-ok]").bounding_box()["height"] >= 44
        page.click("dialog.reason-dialog [data-reason-ok]")  # nothing written yet
        page.wait_for_selector("dialog.reason-dialog [data-dialog-error]:not([hidden])")
        assert page.inner_text("dialog.reason-dialog [data-dialog-error]") == "请先填写原因。"
        assert page.locator("dialog.reason-dialog[open]").count() == 1
        page.fill("dialog.reason-dialog [data-reason]", "补拜访：上午关门，下午再来")
        page.click("dialog.reason-dialog [data-reason-ok]")
        page.wait_for_selector("dialog.reason-dialog", state="detached")
        page.wait_for_function("() => window.__made || document.querySelector('dialog.reason-dialog')")
        assert page.evaluate("() => !document.querySelector('dialog.reason-dialog')"), "asked again in one visit"
        made = page.evaluate("() => window.__made")
        assert len(made) >= 3 and all(made), made
        visit_id = page.evaluate("() => window.__visit")

        # My day follows the change and marks it
        page.wait_for_function(
            "(n) => +document.querySelector('[data-fig=visited] dd').textContent === n", arg=visited + 1
        )
        changed = page.inner_text("[data-changed-after]")
        assert changed.startswith("确认后有修改") and f"已拜访 {visited} → {visited + 1}" in changed, changed
        assert page.inner_text("[data-fig=visited] .was") == f"确认时 {visited}"

        # The server took every operation, each with the reason (a confirmed day refuses one without).
        deadline = time.monotonic() + 60
        while (rec := rep_api.get(f"/api/sync/records/visit/{visit_id}")).status_code != 200 or rec.json()[
            "fields"
        ].get("status") != "checked_out":
            assert time.monotonic() < deadline, rec.text
            time.sleep(0.5)
        wait_synced(page, "已全部同步", timeout=60000)
        assert page.evaluate("() => window.__s.state.sync.failed") == 0

        # -- the claim read, then approved ---------------------------------------------------------
        reviewed = _wait_for_status(finance, claim_id, "review", timeout=120)
        read = round(float(reviewed["fields"]["reading"]["total"]["value"]) * 100)
        page.goto(f"/#/claim/{store['id']}")
        page.evaluate("() => import('/js/sync.js').then((m) => m.syncNow())")
        page.wait_for_selector(f"[data-claim='{claim_id}'][data-claim-status=review]", timeout=60000)
        assert page.inner_text(f"[data-claim='{claim_id}'] [data-claim-amount]") == _money(read)
        assert "便利店冷柜试点" in page.inner_text(f"[data-claim='{claim_id}'] [data-claim-meta]")
        decided = finance.post(
            f"/api/claims/{claim_id}/decision", json={"action": "approve", "amount_cents": read - 100}
        )
        assert decided.status_code == 200, decided.text
        page.evaluate("() => import('/js/sync.js').then((m) => m.syncNow())")
        page.wait_for_selector(f"[data-claim='{claim_id}'][data-claim-status=approved]", timeout=30000)
        assert page.inner_text(f"[data-claim='{claim_id}'] [data-claim-amount]") == _money(read - 100)

        # -- the same in English ----------------------------------------------------------------------
        page.evaluate("() => localStorage.setItem('fv.lang', 'en')")
        page.reload()
        page.wait_for_selector(f"[data-claim='{claim_id}'][data-claim-status=approved]")
        meta = page.inner_text(f"[data-claim='{claim_id}'] [data-claim-meta]")
        assert "Convenience cooler pilot" in meta and not CJK.search(meta), meta
        offered = page.inner_text("[data-promotion]")
        assert "Winter hot-drinks display bonus" in offered and "Spring Festival" not in offered
        assert page.locator("label.file-btn:has([data-receipt-file])").inner_text().strip() == "Photograph the receipt"
        page.goto("/#/today")
        page.wait_for_selector("fv-today [data-changed-after]")
        changed = page.inner_text("[data-changed-after]").split("\n")  # then the stores visited since (their names)
        assert changed[0].startswith("Changed after confirming") and not CJK.search(changed[0]), changed
        assert changed[1].startswith("Not visited when confirming: ") and len(changed) == 2, changed
        assert page.inner_text("[data-fig=visited] .was") == f"was {visited}"
        assert "Not visited" in page.inner_text("[data-missed] summary")
        # another visit's change asks again, in English; an empty OK is told so
        page.evaluate(f"() => {{ window.__made = null; ({VISIT})({given}).then((m) => {{ window.__made = m; }}); }}")
        page.wait_for_selector("dialog.reason-dialog [data-reason]")
        text = page.inner_text("dialog.reason-dialog")
        assert "Why does it change?" in text and "Cancel" in text and not CJK.search(text), text
        day = clock.today()
        assert f"You confirmed {day:%b} {day.day}, {day.year} already." in text, text  # the app's one date format
        assert page.inner_text("fv-today [data-day-summary] h2") == f"Today, {day:%b} {day.day}, {day.year}"
        page.click("dialog.reason-dialog [data-reason-ok]")
        assert page.inner_text("dialog.reason-dialog [data-dialog-error]") == "Write a reason first."
        page.click("dialog.reason-dialog [data-dialog-cancel]")
        page.wait_for_function("() => window.__made")
        assert page.evaluate("() => window.__made") == [False]  # cancelled: nothing written
        context.close()
