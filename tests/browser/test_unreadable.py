"""What nobody can read, drawn for the people who decide: finance opens a claim whose receipt was
cut short (refused at upload), is told to type the fields, and approves with them; the rep's phone
shows the claim's state; an admin sees a dead job with its attempts and last error and retries it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from server.db import utcnow
from server.jobs.models import Job
from sync import uuid7
from tests import clock
from tests.browser.test_claims import _client, _finance_page, _wait_for_status
from tests.claimhelp import jpeg, material_photo, promoted_store, receipt
from tests.livesupport import LiveServer, new_context, sign_in_pwa
from tests.synchelp import Phone, upload

pytestmark = pytest.mark.browser


def test_finance_types_the_fields_of_a_claim_whose_receipt_was_cut_short(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    with _client(live_server, "rep09") as rep_api, _client(live_server, "admin") as admin:
        store, promotion = promoted_store(rep_api, admin, "CUT", "小票测试", "小票测试池", 500_00)
        today = clock.today()
        whole, _ = receipt(21)
        cut = whole[: len(whole) * 2 // 3]
        photo = jpeg(material_photo(50, store["name"], clock.local_naive()))
        claim_id, phone = uuid7(), Phone()
        fields = {
            "store_id": store["id"],
            "receipt": hashlib.sha256(cut).hexdigest(),
            "photos": [hashlib.sha256(photo).hexdigest()],
            "promotion_id": promotion["id"],
            "taken_at": clock.now().isoformat(),
        }
        pushed = rep_api.post("/api/sync/push", json=phone.batch(phone.op("claim.submit", claim_id, fields)))
        assert pushed.json()["results"][0]["status"] == "applied", pushed.text
        refused = upload(rep_api, cut)
        assert refused.status_code == 422 and refused.json()["code"] == "truncated_image", refused.text
        assert upload(rep_api, photo).status_code == 200
    with _client(live_server, "finance") as finance_api:
        assert "receipt_refused" in _wait_for_status(finance_api, claim_id, "review")["fields"]["flags"]

    context, page = _finance_page(browser, live_server, viewport={"width": 1280, "height": 900})
    page.goto(f"/#/finance/{claim_id}")
    page.wait_for_selector("[data-by-hand]")
    assert page.locator("[data-no-receipt]").count() == 1  # said where the photo would be, no broken image
    assert page.locator(".ocr-field .conf").count() == 0  # nothing was read: no 0% confidence bars
    assert "Type the merchant, date and total" in page.inner_text("[data-by-hand]")
    assert page.locator("[data-flag=receipt_refused]").count() == 1
    page.click("[data-approve]")  # nothing read, nothing claimed: it needs an amount
    page.wait_for_selector("[data-decide-error]:not([hidden])")
    page.fill("#ocr-merchant", store["name"])
    page.fill("#ocr-date", today.isoformat())
    page.fill("#ocr-total", "38.50")
    page.click("[data-approve]")
    page.wait_for_selector("[data-decision]")
    assert "38.50" in page.inner_text("[data-decision]")
    assert page.input_value("#ocr-total") == "38.50"  # after the decision, what finance typed stays in view
    context.close()
    with _client(live_server, "finance") as finance_api:
        decided = finance_api.get(f"/api/claims/{claim_id}").json()
        assert decided["status"] == "approved" and decided["fields"]["decision"]["action"] == "correct"
        assert decided["fields"]["decision"]["corrections"]["total"] == "38.50"


def test_admin_sees_a_dead_job_and_retries_it(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    # A job that gave up, as the worker leaves one (its claim is long gone, so the retry has nothing to do).
    engine = create_engine(live_server.database_url)
    job_id = uuid7()
    with Session(engine) as session:
        session.add(
            Job(
                id=job_id,
                kind="read_claim",
                key=job_id,
                payload={"claim_id": job_id},
                status="dead",
                attempts=5,
                last_error="OSError: image file is truncated (53 bytes not processed)\nTraceback (most recent call)",
                created_at=utcnow() - timedelta(hours=2),
                finished_at=utcnow() - timedelta(hours=1),
            )
        )
        session.commit()
    engine.dispose()

    context = new_context(browser, base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in_pwa(page, "admin")
    page.goto("/#/admin/jobs")  # the console opens on dead jobs
    row = f"fv-admin-jobs tr[data-row='{job_id}']"
    page.wait_for_selector(row)
    assert page.inner_text(f"{row} [data-state]") == "Dead"
    assert page.inner_text(f"{row} [data-attempts]") == "5 / 5"
    # the last error said in words; the server's own text kept folded under Details, as code
    assert page.inner_text(f"{row} [data-last-error]") == "Stopped on an unexpected server error."
    raw = page.locator(f"{row} [data-raw-error]")
    assert raw.text_content().startswith("OSError: image file is truncated") and not raw.is_visible()
    page.click(f"{row} [data-retry]")
    page.wait_for_selector(f"{row} [data-retry][data-retried]")
    assert page.inner_text(f"{row} [data-state]") == "Queued"
    # the worker runs it: the claim is gone, so it is done at once
    page.wait_for_function(  # the list is drawn again until the worker has run it
        f"""() => {{ const row = document.querySelector("fv-admin-jobs tr[data-row='{job_id}']");
               if (!row || row.querySelector('[data-state]').textContent !== 'Done')
                 document.querySelector('fv-admin-jobs [data-job-filter=done]').click();
               return !!row && row.querySelector('[data-state]').textContent === 'Done'; }}""",
        polling=1000,
    )
    context.close()
