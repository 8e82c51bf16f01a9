"""Finance's walk through the claims, at phone size in zh-CN and at desktop size in English, on the
demo's claims (one in every state, one no budget pool matches, one whose reading job died) and one
with a long note. A claim no pool matches starts on "choose a pool", says so, and is not approved
(nor charged) until a pool is chosen; the amount to approve follows the corrected total until
finance types an amount; the decided claim shows its decision once and the corrected total marked
as corrected, and is reopened with a busy button, back in review. Each flag is said once, pool
names are in the UI's language, errors are worded by their code, the dead reading is worded by its
code, nothing is wider than the phone, every control has a label and is at least 44 px tall."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from sync import uuid7
from tests import clock
from tests.browser.test_claims import _client, _finance_page, _wait_for_status
from tests.claimhelp import jpeg, material_photo, promoted_store, receipt
from tests.livesupport import PHONE, LiveServer
from tests.synchelp import Phone, upload

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# a long word with no place to break, as a rep may paste an invoice number or a link
LONG_TOKEN = "INV2026112500001234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

TEXT = {
    "zh": {
        "no_pool": "没有匹配的费用池",
        "choose": "请选择费用池…",
        "pool_needed": "该核销没有匹配的费用池：请先选择要扣减的费用池。",
        "approving": "正在通过…",
        "approved": "已通过",
        "corrected": "财务已更正，原为“{value}”",
        "reopen": "撤回决定",
        "reopening": "正在撤回…",
        "reopened": "已撤回：该核销重新待审核。",
        "already_decided": "其他人刚刚处理了该核销，请刷新查看。",
        "why_dead": "照片未能自动识别，请人工核对。",
        "flag_dead": "未能自动识别，财务人工核对",
        "from_claimed": "从业务员申报金额带入",
        "from_decision": "按撤回前的决定带入",
        "amount_required": "请填写核准金额。",
    },
    "en": {
        "no_pool": "No budget pool matches",
        "choose": "Choose a pool…",
        "pool_needed": "No pool matched this claim: choose the pool to charge first.",
        "approving": "Approving…",
        "approved": "Approved",
        "corrected": "Corrected by finance, from “{value}”",
        "reopen": "Reopen",
        "reopening": "Reopening…",
        "reopened": "Reopened: the claim is back in review.",
        "already_decided": "Someone else decided this claim a moment ago. Reload to see it.",
        "why_dead": "The photos could not be read automatically; check them by eye.",
        "flag_dead": "Not read: finance checks by hand",
        "from_claimed": "From the rep’s claimed amount",
        "from_decision": "From the decision you reopened",
        "amount_required": "Say how much to approve.",
    },
}
SIZES = {
    "zh": {**PHONE, "locale": "zh-CN"},
    "en": {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"},
}

# What a user can see of ours that is too wide, unlabelled or too small to tap.
LAYOUT = """() => {
  const W = document.documentElement.clientWidth, visible = (e) => e.getClientRects().length > 0;
  const main = document.querySelector('fv-finance main');
  const controls = [...main.querySelectorAll('button, select, input, textarea, a')].filter(visible);
  return {
    width: W, scroll: document.documentElement.scrollWidth,
    wide: [...document.querySelectorAll('fv-finance *')]
      .filter((e) => visible(e) && e.getBoundingClientRect().right > W + 1)
      .slice(0, 5).map((e) => `${e.tagName}.${e.className}`),
    images: [...main.querySelectorAll('img')].filter(visible).filter((i) => i.getBoundingClientRect().width > W).length,
    unlabelled: [...main.querySelectorAll('select, input, textarea')].filter(visible)
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
      .map((e) => e.id || e.outerHTML.slice(0, 60)),
    small: controls.filter((e) => e.getBoundingClientRect().height < 44).map((e) =>
      `${e.tagName}[${(e.textContent || e.id).trim().slice(0, 20)}] ${Math.round(e.getBoundingClientRect().height)}`),
  };
}"""

# Our own words on the page (labels, buttons, hints, messages): none of the other language's.
OURS = """() => [...document.querySelectorAll(
  'fv-finance main :is(label, button, h3, option[data-placeholder], [data-no-pool], [data-why], [data-by-hand],'
  + ' [data-corrected], [data-amount-hint], [data-decide-error]:not([hidden]), [data-reopened], .tabs a, .ok-text,'
  + ' figcaption > span:not([data-watermark]))')]
  .filter((e) => e.getClientRects().length > 0 || e.tagName === 'OPTION')
  .map((e) => e.textContent.trim()).filter(Boolean)"""


def _ours_ok(page: Any, lang: str) -> None:
    texts = page.evaluate(OURS)
    assert texts, "nothing of ours found"
    other = [x for x in texts if (CJK.search(x) if lang == "en" else LATIN_WORD.search(x))]
    assert not other, f"{lang} UI shows the other language: {other}"


def _layout_ok(page: Any, where: str) -> None:
    got = page.evaluate(LAYOUT)
    assert got["scroll"] <= got["width"], f"{where}: {got['scroll']} px wide in {got['width']}: {got['wide']}"
    assert got["images"] == 0, f"{where}: an image wider than the screen"
    assert not got["unlabelled"], f"{where}: inputs without a label: {got['unlabelled']}"
    assert not got["small"], f"{where}: tap targets under 44 px: {got['small']}"


def _open(page: Any, claim_id: str) -> None:
    page.goto(f"/#/finance/{claim_id}")
    page.wait_for_selector(f"fv-finance[claim-id='{claim_id}'] [data-review]")
    page.wait_for_function("() => [...document.querySelectorAll('fv-finance img')].every((i) => i.complete)")


def _claims(finance: Any, status: str) -> list[dict]:
    return finance.get("/api/claims/", params={"status": status, "limit": 200}).json()["items"]


def _submit(rep_api: Any, store: dict, promotion: dict, seed: int, day: Any, note: str, cents: int | None) -> str:
    """A claim pushed as a phone would, its receipt dated ``day`` and both photos uploaded; no
    ``cents``: the amount is left to the receipt's total."""
    receipt_bytes, _ = receipt(seed, company=store["name"], day=day)
    photo = jpeg(material_photo(seed + 1, store["name"], clock.local_naive()))
    claim_id, phone = uuid7(), Phone()
    fields = {
        "store_id": store["id"],
        "receipt": hashlib.sha256(receipt_bytes).hexdigest(),
        "photos": [hashlib.sha256(photo).hexdigest()],
        "promotion_id": promotion["id"],
        "note": note,
        "taken_at": clock.now().isoformat(),
    } | ({"amount_cents": cents} if cents else {})
    pushed = rep_api.post("/api/sync/push", json=phone.batch(phone.op("claim.submit", claim_id, fields)))
    assert pushed.json()["results"][0]["status"] == "applied", pushed.text
    for data in (receipt_bytes, photo):
        assert upload(rep_api, data).status_code == 200
    return claim_id


@pytest.fixture(scope="module")
def claims(live_server: LiveServer) -> Iterator[dict[str, str]]:
    """Claims in review: one whose rep's note holds a long word with nowhere to break, and per
    language one whose receipt is dated before its promotion (no pool matches) — each walk reopens
    its own, and a reopened claim keeps the decision taken back."""
    with _client(live_server, "rep13") as rep_api, _client(live_server, "admin") as admin:
        store, promotion = promoted_store(rep_api, admin, "WIDE", "长备注测试", "长备注测试池", 5000_00)
        made = {
            "long_note": _submit(
                rep_api, store, promotion, 77, clock.local_naive(), f"发票号 {LONG_TOKEN} 请核对", 88_00
            )
        }
        before = clock.local_naive() - timedelta(days=60)
        for seed, lang in ((81, "zh"), (83, "en")):
            made[lang] = _submit(rep_api, store, promotion, seed, before, "", None)
    with _client(live_server, "finance") as finance:
        for claim_id in made.values():
            _wait_for_status(finance, claim_id, "review", timeout=120)
    yield made


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_finance_walk(browser, live_server: LiveServer, claims: dict[str, str], lang: str) -> None:  # type: ignore[no-untyped-def]
    words = TEXT[lang]
    with _client(live_server, "finance") as finance:
        review = _claims(finance, "review")
        no_pool = next(c for c in review if c["id"] == claims[lang])
        assert "no_pool" in no_pool["flags"], no_pool
        dead = next(c for c in review if "reading_failed" in c["flags"])
        seeded = next(c for c in _claims(finance, "approved") if c["store"]["code"] and c["decided_at"])
        detail = finance.get(f"/api/claims/{no_pool['id']}").json()
        assert detail["pool"] is None and detail["pools"], "the demo's no-pool claim has a pool to choose"
        chosen = detail["pools"][0]
        total = detail["fields"]["reading"]["total"]["value"]  # as read from the receipt, e.g. 1207.00
        dead_claimed = finance.get(f"/api/claims/{dead['id']}").json()["fields"]["amount_cents"]

    context, page = _finance_page(browser, live_server, **SIZES[lang])

    # -- the queue: pool names in the UI's language, the no-pool flag said once per claim ---------
    local = lambda p: (p.get("name_en") or p["name"]) if lang == "en" else p["name"]  # noqa: E731
    for item in review:
        row = page.locator(f"[data-claim-row='{item['id']}']")
        if item["pool"]:
            assert row.locator("[data-row-pool]").inner_text() == local(item["pool"])
    assert page.locator(f"[data-claim-row='{no_pool['id']}']").inner_text().count(words["no_pool"]) == 1
    if lang == "en":
        assert any(item["pool"] and item["pool"]["name_en"] for item in review)  # the check means something
    _ours_ok(page, lang)
    _layout_ok(page, "the queue")

    # -- a claim no pool matches: nothing chosen, said once, not approved without a pool -----------
    _open(page, no_pool["id"])
    assert page.input_value("[data-pool-choice]") == ""
    assert page.locator("[data-pool-choice] option:checked").inner_text().strip() == words["choose"]
    assert words["no_pool"] in page.inner_text("[data-no-pool]")
    assert page.inner_text("fv-finance main").count(words["no_pool"]) == 1  # once, where the pool would be
    options = page.locator("[data-pool-choice] option:not([data-placeholder])").all_inner_texts()
    assert options and local(chosen) in options[0]
    _ours_ok(page, lang)
    _layout_ok(page, "a claim with no pool")
    page.click("[data-approve]")
    page.wait_for_selector("[data-decide-error]:not([hidden])")
    assert page.inner_text("[data-decide-error]") == words["pool_needed"]
    with _client(live_server, "finance") as finance:
        still = finance.get(f"/api/claims/{no_pool['id']}").json()
        assert still["status"] == "review" and still["fields"].get("decision") is None  # nothing charged
        assert next(p for p in still["pools"] if p["id"] == chosen["id"])["spent_cents"] == chosen["spent_cents"]

    # -- the amount follows the corrected total until finance types one --------------------------
    assert page.input_value("[data-approve-amount]") == f"{float(total):.2f}"
    page.fill("#ocr-total", "1100.00")
    assert page.input_value("[data-approve-amount]") == "1100.00"
    page.fill("[data-approve-amount]", "1000.00")
    page.fill("#ocr-total", "1050.00")
    assert page.input_value("[data-approve-amount]") == "1000.00"  # typed by finance: kept
    page.fill("[data-approve-amount]", "")
    page.fill("#ocr-total", "1100.00")
    assert page.input_value("[data-approve-amount]") == "1100.00"  # cleared: it follows again
    page.select_option("[data-pool-choice]", chosen["id"])
    assert local(chosen) in page.inner_text("[data-pool-summary]")

    # -- a server error is worded by its code, in the UI's language ------------------------------
    busy = {"code": "already_decided", "detail": "Someone else decided this claim a moment ago."}
    page.route("**/decision", lambda route: route.fulfill(status=409, json=busy))
    page.click("[data-approve]")
    page.wait_for_selector("[data-decide-error]:not([hidden])")
    page.wait_for_function("() => !document.querySelector('[data-approve]').disabled")
    assert page.inner_text("[data-decide-error]") == words["already_decided"]
    page.unroute("**/decision")

    # -- approving: the button says so while the request is out ---------------------------------
    held: list[Any] = []
    page.route("**/decision", lambda route: held.append(route))
    page.click("[data-approve]")
    page.wait_for_selector("[data-approve][disabled][aria-busy=true]")
    assert page.inner_text("[data-approve]") == words["approving"]
    assert page.is_disabled("[data-reject]")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.wait_for_selector("[data-decision]")
    page.unroute("**/decision")

    # -- decided: the decision once, the corrected total marked, reopen ---------------------------
    assert page.locator("[data-decision]").count() == 1
    decision = page.inner_text("[data-decision]")
    assert words["approved"] in decision and "1,100.00" in decision
    assert page.inner_text("fv-finance main").count(words["approved"]) == 1
    assert page.input_value("#ocr-total") == "1100.00"
    assert page.inner_text("[data-corrected=total]") == words["corrected"].format(value=total)
    assert page.locator("[data-corrected=merchant], [data-corrected=date]").count() == 0
    assert page.inner_text("fv-finance main").count(words["no_pool"]) == 0  # a pool was chosen: no warning
    assert local(chosen) in page.inner_text("[data-pool]")
    _ours_ok(page, lang)
    _layout_ok(page, "a decided claim")
    assert page.inner_text("[data-reopen]") == words["reopen"]
    page.route("**/reopen", lambda route: held.append(route))
    page.click("[data-reopen]")
    page.wait_for_selector("[data-reopen][disabled][aria-busy=true]")
    assert page.inner_text("[data-reopen]") == words["reopening"]
    while len(held) < 2:
        page.wait_for_timeout(50)
    held[1].continue_()
    page.wait_for_selector("[data-reopened]")
    page.unroute("**/reopen")
    assert page.inner_text("[data-reopened]") == words["reopened"]
    assert page.locator("[data-approve]").count() == 1 and page.locator("[data-decision]").count() == 0
    assert page.input_value("[data-pool-choice]") == ""  # back without a pool: finance chooses again
    # what finance corrected stays in the form, marked, and so does the amount it approved
    assert page.input_value("#ocr-total") == "1100.00"
    assert page.inner_text("[data-corrected=total]") == words["corrected"].format(value=total)
    assert page.input_value("[data-approve-amount]") == "1100.00"
    assert page.get_attribute("[data-amount-hint]", "data-amount-from") == "decision"
    assert words["from_decision"] in page.inner_text("[data-amount-hint]")
    assert page.input_value("#ocr-merchant") == page.get_attribute("#ocr-merchant", "data-original")  # not corrected
    # and after a reload too: the server keeps the decision taken back
    page.reload()
    page.wait_for_selector(f"fv-finance[claim-id='{no_pool['id']}'] [data-review]")
    assert page.input_value("#ocr-total") == "1100.00"
    assert page.inner_text("[data-corrected=total]") == words["corrected"].format(value=total)
    assert page.get_attribute("[data-amount-hint]", "data-amount-from") == "decision"
    with _client(live_server, "finance") as finance:
        back = finance.get(f"/api/claims/{no_pool['id']}").json()
        assert back["status"] == "review" and back["pool"] is None
        assert next(p for p in back["pools"] if p["id"] == chosen["id"])["spent_cents"] == chosen["spent_cents"]

    # -- a claim decided this morning: its decision once, and reopen offered ---------------------
    _open(page, seeded["id"])
    assert page.locator("[data-decision]").count() == 1
    assert page.inner_text("fv-finance main").count(words["approved"]) == 1
    assert page.inner_text("[data-reopen]") == words["reopen"]
    _ours_ok(page, lang)

    # -- the dead reading: worded by its code, not the admins' English, and said once; the amount
    # says where it came from, and approving needs one --------------------------------------------
    _open(page, dead["id"])
    assert page.inner_text("[data-why]") == words["why_dead"]
    text = page.inner_text("fv-finance main")
    assert "tesseract" not in text and "OCR failed" not in text
    assert text.count(words["why_dead"]) == 1 and words["flag_dead"] not in text, text
    assert page.locator("[data-by-hand]").count() == 1
    assert page.locator("[data-flags] [data-flag=reading_failed]").count() == 0
    assert dead_claimed, "the demo's dead claim has the rep's amount"
    assert page.input_value("[data-approve-amount]") == f"{dead_claimed / 100:.2f}"
    assert page.get_attribute("[data-amount-hint]", "data-amount-from") == "claimed"
    assert words["from_claimed"] in page.inner_text("[data-amount-hint]")
    page.fill("[data-approve-amount]", "")
    page.click("[data-approve]")
    page.wait_for_selector("[data-decide-error]:not([hidden])")
    assert page.inner_text("[data-decide-error]") == words["amount_required"]
    assert page.get_attribute("[data-approve-amount]", "aria-invalid") == "true"
    with _client(live_server, "finance") as finance:
        assert finance.get(f"/api/claims/{dead['id']}").json()["status"] == "review"  # nothing decided
    _ours_ok(page, lang)
    _layout_ok(page, "a claim whose reading died")

    # -- a long note: it wraps; the receipt and photos fit, zoomed too ---------------------------
    _open(page, claims["long_note"])
    assert LONG_TOKEN in page.inner_text("[data-rep-note]").replace("\n", "")
    _layout_ok(page, "a claim with a long note")
    page.click("[data-receipt-image]")
    _layout_ok(page, "a zoomed receipt")
    context.close()
