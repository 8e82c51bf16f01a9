"""The supervisor's walk, at phone size in zh-CN and at desktop size in English: "approve all N"
asks once with the count and can be undone; an own decision of today shows Reopen (busy while the
server answers, then waiting again); "show more" says how many are left; the review item lists the
template's steps in order with their titles and the rep's answers (interview text, facings,
materials, yes/no, a choice — in the UI's language) and flags materials beyond the allocation; the
heat map names reps by their names, has a legend, 44 px squares that say their figures when
tapped; the stores tab says "Stores"; rejecting without a reason says so in our own words; the
page never scrolls sideways on a phone.

With ``FIELDVISIT_SCREENSHOTS=<dir>`` set, the walk saves its screens as ``sup-walk-*.png``.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync import uuid7
from tests import clock
from tests.browser.test_claims import _client
from tests.claimhelp import jpeg, material_photo
from tests.livesupport import PHONE, LiveServer, new_context, sign_in_pwa, wait_synced
from tests.synchelp import Phone, upload

pytestmark = pytest.mark.browser
REP = "rep07"  # Chengdu team, supervised by sup-cd (test_review.py walks rep06)
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SHOTS = os.environ.get("FIELDVISIT_SCREENSHOTS")
LATIN = re.compile(r"[A-Za-z]{4,}")
NEEDS = "老板希望夏天多备冰镇货，周末送货"
COMPETITOR_CODE = "6901234567892"

WORDS = {
    "zh": {
        "stores": "门店",
        "left": "还有 {n} 条",
        "yes": "是",
        "no": "否",
        "high": "高",
        "over": "物料超出配额",
        "need_reason": "请选择驳回原因。",
        "reopen": "撤回审核",
        "reopening": "正在撤回…",
        "reopened": "已撤回",
        "undone": "条已恢复为待审核",
        "no_data": "无数据",
        "waiting": "条待审核",
        "approved": "已通过",
        "rejected": "已驳回",
        "approving": "正在通过…",
        "rejecting": "正在驳回…",
        "undo": "撤销",
    },
    "en": {
        "stores": "Stores",
        "left": "({n} left)",
        "yes": "Yes",
        "no": "No",
        "high": "High",
        "over": "Materials beyond the allocation",
        "need_reason": "Choose a reason to reject.",
        "reopen": "Reopen",
        "reopening": "Reopening…",
        "reopened": "Reopened",
        "undone": "waiting for review again",
        "no_data": "no data",
        "waiting": "waiting for review",
        "approved": "Approved",
        "rejected": "Rejected",
        "approving": "Approving…",
        "rejecting": "Rejecting…",
        "undo": "Undo",
    },
}


# A control's look: its box, colours (as [r, g, b]), border and text styles.
LOOK = """(e) => {
  if (!e.isConnected) return null;  // drawn again meanwhile (the item's details came)
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  const rgb = (c) => (c.match(/\\d+(\\.\\d+)?/g) || []).slice(0, 3).map(Number);
  return { height: r.height, width: r.width, color: rgb(s.color), background: rgb(s.backgroundColor),
    border: s.borderTopWidth, radius: parseFloat(s.borderTopLeftRadius), decoration: s.textDecorationLine,
    fontSize: s.fontSize, fontWeight: s.fontWeight };
}"""


def _look(locator: Any) -> dict[str, Any]:
    for _ in range(50):
        got = locator.evaluate(LOOK)
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"{locator} kept being drawn again")


def _contrast(a: list[float], b: list[float]) -> float:
    def lum(c: list[float]) -> float:
        ch = [x / 255 for x in c]
        ch = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(300)
        page.screenshot(path=str(Path(SHOTS) / f"sup-walk-{name}.png"))


def _push_liquor_visit(client: httpx.Client, store: dict, template: dict, photo: bytes, hour: int) -> str:
    """A whole liquor-shop visit with every step answered, the materials beyond the allocation."""
    phone, visit_id, day = Phone(), uuid7(), clock.today().isoformat()
    at = f"{day}T{hour:02d}:00:00+08:00"
    sha = hashlib.sha256(photo).hexdigest()
    fix = {"lat": store["lat"], "lng": store["lng"], "accuracy": 10, "at": at}
    given = {
        "display": {
            "shelf_photos": [sha],
            "facings": {"BEV-001": 4},
            "cooler_clean": True,
            "own_only": True,
            "price_tags": False,
        },
        "competitors": {"scans": [{"code": COMPETITOR_CODE}], "shelf_price": 12, "promotion_seen": False},
        "owner_interview": {"needs": NEEDS, "reorder_intent": "high"},
        "materials": {"placed": {"POSM-001": 500}, "placement_photos": [sha]},
        "checkin": {"storefront": [sha]},
    }
    arrive = {
        "store_id": store["id"],
        "template_id": template["id"],
        "day": day,
        "arrived_at": at,
        "arrival": fix,
        "planned": True,
        "status": "arrived",
    }
    ops = [phone.op("visit.arrive", visit_id, arrive)]
    for i, step in enumerate(template["steps"]):
        answers = given[step["key"]]
        photos = [v[0] for v in answers.values() if isinstance(v, list) and v and isinstance(v[0], str)]
        fields = {
            "status": "done",
            "answers": answers,
            "photos": photos,
            "completed_at": f"{day}T{hour:02d}:0{i}:00+08:00",
        }
        ops.append(
            phone.op(
                "step.complete", uuid7(), {"visit_id": visit_id, "store_id": store["id"], "step": step["key"], **fields}
            )
        )
    ops.append(
        phone.op(
            "visit.checkout", visit_id, {"status": "checked_out", "checked_out_at": f"{day}T{hour:02d}:20:00+08:00"}
        )
    )
    answer = client.post("/api/sync/push", json=phone.batch(*ops)).json()
    assert all(r["status"] == "applied" for r in answer["results"]), answer
    assert upload(client, photo).status_code == 200
    return visit_id


def _pending(sup: httpx.Client, rep_id: str) -> set[str]:
    out: set[str] = set()
    before = None
    while True:
        page = sup.get(
            "/api/review/", params={"rep": rep_id, "limit": 100, **({"before": before} if before else {})}
        ).json()
        out |= {i["visit_id"] for i in page["items"]}
        before = page["next"]
        if not before:
            return out


@pytest.fixture
def visits(live_server: LiveServer) -> Iterator[dict[str, Any]]:
    """Two finished liquor-shop visits of today by REP (one for each walk), ready for review."""
    with _client(live_server, REP) as rep_api:
        me = rep_api.get("/api/me").json()["user"]
        stores = [
            s
            for s in rep_api.get("/api/stores", params={"limit": 1000}).json()["items"]
            if s["channel"] == "tobacco_liquor"
        ]
        template = next(t for t in rep_api.get("/api/templates").json() if t["code"] == "liquor")
        made = {}
        for lang, store, hour in (("zh", stores[0], 6), ("en", stores[1], 7)):
            when = datetime.combine(clock.today(), datetime.min.time()) + timedelta(hours=hour, minutes=5)
            photo = jpeg(material_photo(40 + hour, store["name"], when))
            made[lang] = {"visit": _push_liquor_visit(rep_api, store, template, photo, hour), "store": store}
        yield {"rep": me, "template": template, **made}


def _walk(browser: Any, live_server: LiveServer, sup: httpx.Client, given: dict[str, Any], lang: str) -> None:
    w = WORDS[lang]
    phone = lang == "zh"
    rep, visit_id, store = given["rep"], given[lang]["visit"], given[lang]["store"]
    size = PHONE if phone else DESKTOP
    ctx = new_context(
        browser, base_url=live_server.url, timezone_id="Asia/Shanghai", locale="zh-CN" if phone else "en-US", **size
    )
    page = ctx.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda d: pytest.fail(f"a browser dialog: {d.message}"))
    width = size["viewport"]["width"]
    no_sideways = "(w) => document.documentElement.scrollWidth <= w"
    sign_in_pwa(page, "sup-cd")
    wait_synced(page, "已全部同步" if phone else "All synced", timeout=60000)  # the catalogue names the answers

    # The team page: the stores tab, the heat map by names with a legend, squares a finger can tap.
    page.wait_for_selector("fv-team svg.heatmap rect[data-cell]")
    assert page.inner_text("nav.tabs a[href='#/stores']").strip() == w["stores"]
    board = sup.get("/api/team/dashboard").json()
    names = page.eval_on_selector_all("svg.heat-names text[data-rep-name]", "els => els.map((e) => e.textContent)")
    assert names == [r["name"] for r in board["reps"]] and rep["display_name"] in names
    assert not any(r["username"] in names for r in board["reps"])
    legend = page.eval_on_selector_all("[data-heat-legend] li", "els => els.map((e) => e.textContent.trim())")
    assert len(legend) == 5 and w["no_data"] in legend[-1] and all("%" in x for x in legend[:4])
    cell = page.locator(f"svg.heatmap rect[data-cell='{REP}|{clock.today().isoformat()}']")
    box = cell.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44, box
    assert page.locator("svg.heatmap title").count() == 0  # no hover-only tooltips
    cell.scroll_into_view_if_needed()
    cell.click()
    info = page.inner_text("[data-cell-info]")
    assert rep["display_name"] in info and clock.today().isoformat() in info and "%" in info
    assert page.evaluate(no_sideways, width), page.evaluate("document.documentElement.scrollWidth")
    page.locator("[data-heat-legend]").scroll_into_view_if_needed()
    _shot(page, f"team-{lang}")

    # The to-do: "N waiting for review" is a control a finger can hit (not a bare link), the day's
    # input looks like the app's other inputs; the control opens the rep's queue of that day.
    day_input = page.eval_on_selector("[data-todo-day]", LOOK)
    assert 44 <= day_input["height"] <= 56 and day_input["fontSize"] == "16px", day_input
    assert day_input["fontWeight"] == "400" and day_input["border"] == "1px" and day_input["radius"] >= 6, day_input
    to_review = page.locator(f"[data-todo-rep='{REP}'] [data-to-review]")
    assert w["waiting"] in to_review.inner_text()
    look = _look(to_review)
    assert look["height"] >= 44 and look["decoration"] == "none", look
    assert look["border"] == "1px" and look["radius"] >= 6 and look["width"] >= 44, look
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, f"todo-{lang}")
    to_review.click()
    page.wait_for_selector(f"fv-review [data-item-id='{visit_id}']")
    assert f"rep={rep['id']}" in page.url

    # The queue: "show more" says how many are left.
    page.goto("/#/review")
    page.wait_for_selector("fv-review [data-item-id]")
    total = sup.get("/api/review/").json()["counts"]["all"]
    shown = page.locator("fv-review [data-item-id]").count()
    assert total > shown
    assert w["left"].format(n=total - shown) in page.inner_text("fv-review [data-more]")
    assert page.evaluate(no_sideways, width)
    _shot(page, f"queue-{lang}")

    # The item: the template's steps in order, titled in the UI's language, with the answers.
    page.goto(f"/#/review?rep={rep['id']}&store={store['code']}")
    page.wait_for_selector(f"fv-review [data-item-id='{visit_id}']")
    page.locator(f"fv-review [data-item-id='{visit_id}']").click()
    page.wait_for_selector("fv-review [data-item]:not([hidden]) [data-steps] [data-step-key]")
    detail = sup.get(f"/api/review/{visit_id}").json()
    titles = page.eval_on_selector_all("[data-steps] [data-step-title]", "els => els.map((e) => e.textContent.trim())")
    keys = page.eval_on_selector_all("[data-steps] [data-step-key]", "els => els.map((e) => e.dataset.stepKey)")
    assert keys == [s["key"] for s in given["template"]["steps"]]
    assert titles == [s["name" if phone else "name_en"] for s in given["template"]["steps"]]
    assert not set(titles) & set(keys)

    def answer(step: str, key: str) -> str:
        return page.inner_text(f"[data-step-key={step}] [data-answer={key}]").strip()

    sku, material = page.evaluate(
        """(lang) => import('/js/state.js').then((m) => ['sku', 'material'].map((kind) => {
          const f = m.list(kind).find((r) => r.fields.code === (kind === 'sku' ? 'BEV-001' : 'POSM-001')).fields;
          return lang === 'en' && f.name_en ? f.name_en : f.name;
        }))""",
        lang,
    )
    assert answer("owner_interview", "needs") == NEEDS
    assert answer("owner_interview", "reorder_intent") == w["high"]
    assert answer("display", "facings") == f"{sku} × 4"
    assert answer("display", "cooler_clean") == w["yes"] and answer("display", "price_tags") == w["no"]
    assert answer("materials", "placed") == f"{material} × 500"
    assert COMPETITOR_CODE in answer("competitors", "scans") and answer("competitors", "shelf_price") == "12"
    assert "over_allocation" in next(s for s in detail["steps"] if s["step"] == "materials")["server_flags"]
    assert page.inner_text("[data-step-key=materials] [data-step-flag=over_allocation]").strip() == w["over"]
    if phone:
        item_text = page.inner_text("fv-review [data-item]")
        assert not LATIN.findall(item_text), LATIN.findall(item_text)
    page.locator("[data-steps]").scroll_into_view_if_needed()
    assert page.evaluate(no_sideways, width)
    _shot(page, f"item-{lang}")

    # A step's photos: thumbnails a tap opens large (the original), as the check-in photo.
    thumb = page.locator("[data-step-key=display] [data-answer=shelf_photos] img[data-step-photo]")
    assert thumb.count() == 1
    sha = thumb.get_attribute("data-step-photo")
    assert sha and sha in (thumb.get_attribute("src") or "")
    small = thumb.bounding_box()
    assert small and small["width"] >= 44 and small["height"] >= 44, small
    thumb.click()
    page.wait_for_function(
        "(img) => img.classList.contains('zoomed') && img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert (thumb.get_attribute("src") or "").endswith(f"/api/blobs/{sha}")
    pane = page.locator("fv-review [data-item]").bounding_box()
    big = thumb.bounding_box()
    assert pane and big and big["width"] >= 0.7 * pane["width"] and big["width"] > 3 * small["width"], (big, pane)
    assert page.evaluate(no_sideways, width)
    thumb.scroll_into_view_if_needed()
    _shot(page, f"step-photo-{lang}")
    thumb.click()
    page.wait_for_function("(img) => !img.classList.contains('zoomed')", arg=thumb.element_handle())

    # Rejecting without a reason: our words in the form, not the browser's bubble; nothing decided.
    assert page.get_attribute("[data-reject-reason]", "required") is None
    page.click("[data-reject]")
    page.wait_for_selector("[data-decide-error]:not([hidden])")
    assert page.inner_text("[data-decide-error]").strip() == w["need_reason"]
    assert sup.get(f"/api/review/{visit_id}").json()["status"] == "pending"

    # Rejecting: the button busy, then a line saying what was decided and of which store, in red,
    # with an Undo; Undo puts the visit back, waiting, in the pane.
    page.select_option("[data-reject-reason]", "photo_unclear")
    busy = page.eval_on_selector(
        "[data-reject]", "b => { b.click(); return [b.disabled, b.getAttribute('aria-busy'), b.textContent]; }"
    )
    assert busy == [True, "true", w["rejecting"]]
    assert page.is_disabled("[data-approve]")
    line = page.locator("fv-review [data-last-decision=rejected]")
    line.wait_for()
    assert line.locator("[data-last-decision-text]").inner_text().strip() == f"{w['rejected']} · {store['name']}"
    assert sup.get(f"/api/review/{visit_id}").json()["status"] == "rejected"
    look = _look(line)
    assert look["color"][0] > 2 * look["color"][1] and _contrast(look["color"], look["background"]) >= 4.5, look
    seen = """() => {
      const e = document.querySelector('fv-review [data-last-decision]'), r = e?.getBoundingClientRect();
      return !!e && document.elementFromPoint(r.left + 20, r.top + r.height / 2)?.closest('[data-last-decision]') === e;
    }"""
    page.wait_for_function(seen, timeout=5000)  # in sight, not under the bars
    undo = line.locator("[data-undo-decision]")
    assert undo.inner_text().strip() == w["undo"] and undo.bounding_box()["height"] >= 44
    assert page.evaluate(no_sideways, width)
    _shot(page, f"rejected-{lang}")
    busy = undo.evaluate("b => { b.click(); return [b.disabled, b.getAttribute('aria-busy'), b.textContent]; }")
    assert busy == [True, "true", w["reopening"]]
    page.wait_for_selector("fv-review [data-item]:not([hidden]) [data-decide-result]:not([hidden])")
    assert w["reopened"] in page.inner_text("[data-decide-result]")
    assert page.locator("fv-review [data-last-decision]").count() == 0
    assert sup.get(f"/api/review/{visit_id}").json()["status"] == "pending"
    page.wait_for_selector(f"fv-review [data-item-id='{visit_id}'][data-status=pending]")
    assert page.inner_text("fv-review [data-item] h2").startswith(store["name"])

    # An own decision of today: Reopen, busy while the server answers, then waiting again.
    busy = page.eval_on_selector(
        "[data-approve]", "b => { b.click(); return [b.disabled, b.getAttribute('aria-busy'), b.textContent]; }"
    )
    assert busy == [True, "true", w["approving"]]
    line = page.locator("fv-review [data-last-decision=approved]")
    line.wait_for()
    assert line.locator("[data-last-decision-text]").inner_text().strip() == f"{w['approved']} · {store['name']}"
    page.wait_for_function(seen, timeout=5000)
    deadline = time.monotonic() + 20
    while sup.get(f"/api/review/{visit_id}").json()["status"] != "approved":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    page.goto(f"/#/review?rep={rep['id']}&store={store['code']}&status=approved")
    page.wait_for_selector(f"fv-review [data-item-id='{visit_id}'][data-status=approved]")
    page.locator(f"fv-review [data-item-id='{visit_id}']").click()
    page.wait_for_selector("fv-review [data-item]:not([hidden]) [data-steps]")  # the details came: drawn for good
    page.wait_for_selector("fv-review [data-item]:not([hidden]) [data-reopen]")
    assert page.inner_text("[data-reopen]").strip() == w["reopen"]
    assert page.eval_on_selector("[data-reopen]", "b => b.getBoundingClientRect().height") >= 44
    busy = page.eval_on_selector(
        "[data-reopen]", "b => { b.click(); return [b.disabled, b.getAttribute('aria-busy'), b.textContent]; }"
    )
    assert busy == [True, "true", w["reopening"]]
    page.wait_for_selector("[data-decide-result]:not([hidden])")
    assert w["reopened"] in page.inner_text("[data-decide-result]")
    assert sup.get(f"/api/review/{visit_id}").json()["status"] == "pending"
    page.wait_for_selector("fv-review [data-item]:not([hidden]) [data-approve]")
    row = page.locator(f"fv-review [data-item-id='{visit_id}']")  # the list's row is not stale
    assert row.get_attribute("data-status") == "pending" and row.locator("[data-status-chip]").count() == 0

    # Decisions in the list: approved green, rejected red, both readable (AA).
    chips = {}
    for status in ("approved", "rejected"):
        page.goto(f"/#/review?status={status}")
        chip = page.locator(f"fv-review [data-queue] [data-status-chip={status}]").first
        chip.wait_for()
        assert chip.inner_text().strip() == w[status]
        chips[status] = _look(chip)
        assert _contrast(chips[status]["color"], chips[status]["background"]) >= 4.5, chips[status]
    red, green = chips["rejected"], chips["approved"]
    assert red["color"] != green["color"] and red["background"] != green["background"], chips
    assert red["color"][0] > 2 * red["color"][1] and red["background"][0] > red["background"][1], red
    assert green["color"][1] > green["color"][0], green
    _shot(page, f"rejected-list-{lang}")

    # "Approve all N": asked once, with the count, in the page; then Undo puts them back.
    page.goto(f"/#/review?rep={rep['id']}")
    page.wait_for_selector("fv-review [data-approve-all]:not([hidden])")
    waiting = _pending(sup, rep["id"])
    n = len(waiting)
    assert visit_id in waiting and n == sup.get("/api/review/", params={"rep": rep["id"]}).json()["counts"]["all"]
    assert str(n) in page.inner_text("[data-approve-all]")
    page.click("[data-approve-all]")
    page.wait_for_selector("dialog.reason-dialog[open]")
    assert str(n) in page.inner_text("dialog.reason-dialog")
    assert _pending(sup, rep["id"]) == waiting  # nothing approved before the answer
    for sel in ("dialog.reason-dialog [data-reason-ok]", "dialog.reason-dialog [data-dialog-cancel]"):
        assert page.eval_on_selector(sel, "b => b.getBoundingClientRect().height") >= 44
    _shot(page, f"approve-all-{lang}")
    page.click("dialog.reason-dialog [data-reason-ok]")
    page.wait_for_selector("[data-queue-meta] [data-undo]")
    assert str(n) in page.inner_text("[data-approved-n]")
    assert _pending(sup, rep["id"]) == set()
    page.click("[data-queue-meta] [data-undo]")
    page.wait_for_function(
        "(text) => document.querySelector('[data-queue-meta]')?.textContent.includes(text)", arg=w["undone"]
    )
    assert _pending(sup, rep["id"]) == waiting
    page.wait_for_selector(f"fv-review [data-item-id='{visit_id}']")

    # Buttons a finger can hit, on every part of the queue that shows.
    heights = page.eval_on_selector_all(
        "fv-review main button:not([hidden])",
        "els => els.filter((b) => b.offsetParent).map((b) => [b.textContent.trim(), b.getBoundingClientRect().height])",
    )
    assert heights and all(h >= 44 for _, h in heights), heights
    assert page.evaluate(no_sideways, width)
    ctx.close()


def test_the_supervisors_walk(browser, live_server: LiveServer, visits: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    with _client(live_server, "sup-cd") as sup:
        _walk(browser, live_server, sup, visits, "zh")
        _walk(browser, live_server, sup, visits, "en")
