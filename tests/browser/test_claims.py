"""A promotion claim end to end at phone size: the rep files it offline (the in-app camera for the
material, a receipt photo from the phone's camera app), comes online; the server reads the receipt;
finance, in another browser context, sees the three fields pre-filled beside the receipt and
approves; the rep's phone shows the approval. Then two finance pages approve two claims at the same
moment against a nearly empty pool: one gets the money, the other is told the pool cannot cover it."""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image

from sync import uuid7
from tests import clock
from tests.browser.conftest import rep_phone
from tests.claimhelp import jpeg, material_photo, promoted_store, receipt
from tests.livesupport import PHONE, LiveServer, new_context, sign_in_pwa, wait_synced
from tests.synchelp import Phone, upload

pytestmark = pytest.mark.browser
USER = "rep07"


@contextmanager
def _client(live_server: LiveServer, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        assert client.post("/api/auth/login", json={"username": username, "password": "fieldvisit"}).status_code == 200
        yield client


def _wait_for_status(finance: httpx.Client, claim_id: str, status: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = finance.get(f"/api/claims/{claim_id}")
        if answer.status_code == 200 and answer.json()["status"] == status:
            return answer.json()
        time.sleep(0.5)
    raise AssertionError(f"claim {claim_id} never reached {status}: {finance.get(f'/api/claims/{claim_id}').text}")


def _finance_page(browser, live_server: LiveServer, **options):  # type: ignore[no-untyped-def]
    """Finance signed in at the claims queue; ``options`` size the context (English unless a locale is given)."""
    context = new_context(browser, base_url=live_server.url, **{"locale": "en-US", **options})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto("/")
    page.fill("#u", "finance")
    page.fill("#p", "fieldvisit")
    page.click("button[type=submit]")
    page.wait_for_selector("fv-finance [data-claim-queue]")
    return context, page


def test_a_claim_filed_offline_is_approved_by_finance_and_the_rep_sees_it(  # type: ignore[no-untyped-def]
    camera_browser, browser, live_server: LiveServer, tmp_path: Path
) -> None:
    with _client(live_server, USER) as rep_api:
        store = next(
            s
            for s in rep_api.get("/api/stores", params={"limit": 500}).json()["items"]
            if s["channel"] in ("convenience", "supermarket")
        )
    now = clock.local_naive()
    receipt_bytes, truth = receipt(5, company=store["name"], day=now - timedelta(hours=1))
    receipt_file = tmp_path / "receipt.jpg"
    receipt_file.write_bytes(receipt_bytes)

    rep_context, page = rep_phone(camera_browser, live_server, USER, store, "zh-CN")
    wait_synced(page, "已全部同步", timeout=30000)

    rep_context.set_offline(True)
    page.goto(f"/#/stores/{store['id']}")
    page.click("[data-file-claim]")
    page.wait_for_selector("fv-claim [data-claim-form]")
    assert "冬季暖饮陈列奖励" in page.inner_text("[data-promotion]")  # the demo's promotions reached the phone
    assert page.is_disabled("[data-submit-claim]")  # no photos yet
    # a file that is not a photo is refused on the phone, at once
    not_photo = tmp_path / "invoice.pdf"
    not_photo.write_bytes(b"%PDF-1.4 not a photo")
    page.set_input_files("[data-receipt-file]", str(not_photo))
    page.wait_for_selector("[data-receipt-error]:not([hidden])")
    page.click("[data-take-photo]")
    page.wait_for_function(
        "() => (() => { const v = document.querySelector('.camera video'); return v && v.videoWidth > 0; })()"
    )
    page.click("[data-shutter]")
    page.wait_for_selector("[data-material] .thumb")
    page.set_input_files("[data-receipt-file]", str(receipt_file))
    page.wait_for_selector("[data-receipt] .thumb")
    page.fill("[data-amount]", truth.total)
    page.click("[data-submit-claim]")
    page.wait_for_selector("[data-claims] li[data-claim]")
    claim_id = page.get_attribute("[data-claims] li[data-claim]", "data-claim")
    assert "尚未同步" in page.inner_text(f"[data-claim='{claim_id}']")  # only on the phone so far

    rep_context.set_offline(False)
    wait_synced(page, "已全部同步", timeout=30000)

    # finance, in another context at desktop size: the receipt beside the pre-filled fields
    finance_context, finance = _finance_page(browser, live_server, viewport={"width": 1280, "height": 900})
    with _client(live_server, "finance") as finance_api:
        _wait_for_status(finance_api, claim_id, "review")
    finance.reload()
    finance.click(f"[data-claim-row='{claim_id}'] a")
    finance.wait_for_selector("[data-review]")
    finance.wait_for_function("() => document.querySelector('[data-receipt-image]').naturalWidth > 0")
    assert finance.input_value("#ocr-total") == truth.total
    assert finance.input_value("#ocr-date") == truth.iso_date
    assert finance.input_value("#ocr-merchant") != ""
    assert finance.locator("[data-ocr=total] .conf span").get_attribute("style") != "width:0%"
    # each field's box drawn where it was read: inside the receipt, the total's below the merchant's
    boxes = finance.evaluate(
        """() => { const img = document.querySelector('[data-receipt-image]').getBoundingClientRect();
            return Object.fromEntries([...document.querySelectorAll('.receipt [data-box]')].map((b) => {
              const r = b.getBoundingClientRect();
              const inside = r.left >= img.left - 1 && r.right <= img.right + 1 && r.top >= img.top - 1
                && r.bottom <= img.bottom + 1;
              return [b.dataset.box, { inside, w: r.width, h: r.height, top: r.top }]; })); }"""
    )
    assert set(boxes) == {"merchant", "date", "total"}, boxes
    assert all(b["inside"] and b["w"] > 10 and b["h"] > 3 for b in boxes.values()), boxes
    assert boxes["total"]["top"] > boxes["merchant"]["top"]
    finance.focus("#ocr-total")
    assert "active" in (finance.get_attribute(".receipt [data-box=total]", "class") or "")
    balance = int(finance.get_attribute("[data-balance]", "data-balance"))
    with _client(live_server, "finance") as finance_api:  # the demo's approved claim drew on it this morning
        pool = finance_api.get(f"/api/claims/{claim_id}").json()["pool"]
    assert pool["amount_cents"] == 3_000_000 and balance == pool["balance_cents"]
    finance.click("[data-approve]")
    finance.wait_for_selector("[data-decision]")
    assert "Approved" in finance.inner_text("[data-decision]")

    # the rep's phone learns it at the next sync
    page.click("fv-sync-status button")
    page.click("[data-sync-now]")
    page.wait_for_selector(f"[data-claim='{claim_id}'][data-claim-status=approved]")
    assert "已通过" in page.inner_text(f"[data-claim='{claim_id}']")
    finance_context.close()
    rep_context.close()


def test_two_finance_pages_approving_at_once_cannot_overdraw_a_nearly_empty_pool(  # type: ignore[no-untyped-def]
    browser, live_server: LiveServer
) -> None:
    with _client(live_server, "rep08") as rep_api, _client(live_server, "admin") as admin:
        store, promotion = promoted_store(rep_api, admin, "SHELF", "端架试点", "端架试点 单店", 150_00)
        pool_id = promotion["pools"][0]["id"]
        phone, ids = Phone(), []
        for i in range(2):
            blank = jpeg(Image.new("RGB", (400, 600), (240 + i, 240, 240)))
            photo = jpeg(material_photo(40 + i, store["name"], clock.local_naive()))
            claim_id = uuid7()
            fields = {
                "store_id": store["id"],
                "receipt": hashlib.sha256(blank).hexdigest(),
                "photos": [hashlib.sha256(photo).hexdigest()],
                "amount_cents": 100_00,
                "promotion_id": promotion["id"],
                "taken_at": clock.now().isoformat(),
            }
            pushed = rep_api.post("/api/sync/push", json=phone.batch(phone.op("claim.submit", claim_id, fields)))
            assert pushed.json()["results"][0]["status"] == "applied", pushed.text
            for data in (blank, photo):
                put = upload(rep_api, data)
                assert put.status_code == 200, put.text
            ids.append(claim_id)
    with _client(live_server, "finance") as finance_api:
        for claim_id in ids:
            assert _wait_for_status(finance_api, claim_id, "review")["pool"]["id"] == pool_id

        context, first = _finance_page(browser, live_server, **PHONE)
        second = context.new_page()
        second.set_default_timeout(20000)
        for page, claim_id in ((first, ids[0]), (second, ids[1])):
            page.goto(f"/#/finance/{claim_id}")
            page.wait_for_selector("[data-approve]")
        # both clicks leave before either answer comes back
        first.evaluate("document.querySelector('[data-approve]').click()")
        second.evaluate("document.querySelector('[data-approve]').click()")
        outcomes = []
        for page in (first, second):
            page.wait_for_selector("[data-decision], [data-decide-error]:not([hidden])")
            outcomes.append(
                "approved" if page.locator("[data-decision]").count() else page.inner_text("[data-decide-error]")
            )
        assert outcomes.count("approved") == 1, outcomes
        refused = next(o for o in outcomes if o != "approved")
        assert "cannot cover" in refused and "50.00" in refused
        pool = next(
            p for promo in finance_api.get("/api/promotions").json() for p in promo["pools"] if p["id"] == pool_id
        )
        assert pool["spent_cents"] == 100_00 and pool["balance_cents"] == 50_00
        context.close()


def test_a_photo_of_another_stores_sign_is_flagged_for_finance_and_the_supervisor(  # type: ignore[no-untyped-def]
    browser, live_server: LiveServer
) -> None:
    """The front of the rep's other store, sent as a claim's material photo and as a visit's
    check-in photo: finance (phone, zh-CN) and the supervisor (desktop, English) see
    ``sign_mismatch`` and what the sign says."""
    import random

    from ocr.signs import core
    from ocr.signsynth import make_storefront
    from tests.browser.test_review import _push_visit, _wait_inspected

    with _client(live_server, "rep10") as rep_api:  # Chengdu, supervised by sup-cd; no other browser test's rep
        stores = [s for s in rep_api.get("/api/stores", params={"limit": 500}).json()["items"] if "（" not in s["name"]]
        store = stores[0]
        shown = next(s for s in stores[1:] if not set(core(s["name"])) & set(core(store["name"])))
        front = jpeg(Image.open(io.BytesIO(make_storefront(random.Random(8), shown["name"])[0])))
        blank = jpeg(Image.new("RGB", (400, 600), (238, 240, 240)))
        claim_id = uuid7()
        fields = {
            "store_id": store["id"],
            "receipt": hashlib.sha256(blank).hexdigest(),
            "photos": [hashlib.sha256(front).hexdigest()],
            "amount_cents": 80_00,
            "taken_at": clock.now().isoformat(),
        }
        phone = Phone()
        pushed = rep_api.post("/api/sync/push", json=phone.batch(phone.op("claim.submit", claim_id, fields)))
        assert pushed.json()["results"][0]["status"] == "applied", pushed.text
        for data in (blank, front):
            assert upload(rep_api, data).status_code == 200
        template_id = next(t["id"] for t in rep_api.get("/api/templates").json() if t["code"] == "standard")
        visit_id = _push_visit(rep_api, phone, store, template_id, clock.today().isoformat(), front, far=False)
    with _client(live_server, "finance") as finance_api:
        claim = _wait_for_status(finance_api, claim_id, "review")
        assert "sign_mismatch" in claim["fields"]["flags"], claim["fields"]["flags"]

    context, finance = _finance_page(browser, live_server, locale="zh-CN", **PHONE)
    finance.goto(f"/#/finance/{claim_id}")
    finance.wait_for_selector("[data-flags] [data-flag=sign_mismatch]")
    assert "门头显示其他门店" in finance.inner_text("[data-flags] [data-flag=sign_mismatch]")
    assert shown["name"] in finance.inner_text(".photos [data-sign]")
    context.close()

    with _client(live_server, "sup-cd") as sup_api:
        assert "sign_mismatch" in _wait_inspected(sup_api, visit_id)["flags"]
    desktop = {"viewport": {"width": 1280, "height": 800}}
    sup_ctx = new_context(browser, base_url=live_server.url, timezone_id="Asia/Shanghai", locale="en-US", **desktop)
    sup = sup_ctx.new_page()
    sup.set_default_timeout(20000)
    sign_in_pwa(sup, "sup-cd")
    sup.goto("/#/review")
    sup.click("[data-flag=sign_mismatch]")
    sup.wait_for_selector("[data-flag=sign_mismatch].on")
    sup.click(f"fv-review [data-item-id='{visit_id}']")
    sup.wait_for_selector("[data-item] [data-sign]")
    assert "Sign shows another store" in sup.inner_text("[data-item] [data-item-flags]")
    sign = sup.inner_text("[data-item] [data-sign]")
    assert shown["name"] in sign and "that is" in sign
    sup_ctx.close()
