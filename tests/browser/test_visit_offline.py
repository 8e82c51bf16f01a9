"""A whole visit offline at phone size, with Chromium's fake camera and a set position: arrive,
four steps in order with photos, a typed competitor code and materials, check out; online again,
the server holds the visit, its steps, verified photos, score and geofence verdict exactly once."""

from __future__ import annotations

import hashlib
import io

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select
from sqlmodel import Session

from server.audit.models import AuditEntry
from tests.browser.conftest import rep_phone
from tests.livesupport import LiveServer, wait_synced

pytestmark = pytest.mark.browser
USER = "rep14"


def _photo(page, field: str) -> None:  # type: ignore[no-untyped-def]
    before = page.locator(f"[data-field={field}] .thumb").count()
    page.click(f"[data-take-photo={field}]")
    page.wait_for_function(
        "() => (() => { const v = document.querySelector('.camera video'); return v && v.videoWidth > 0; })()"
    )
    page.click("[data-shutter]")
    page.wait_for_function(f"() => document.querySelectorAll('[data-field={field}] .thumb').length === {before + 1}")


def test_a_visit_done_offline_arrives_exactly_once(camera_browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=live_server.url) as api:
        assert api.post("/api/auth/login", json={"username": USER, "password": "fieldvisit"}).status_code == 200
        store = next(
            s for s in api.get("/api/stores", params={"limit": 500}).json()["items"] if s["channel"] != "tobacco_liquor"
        )
        competitor = api.get("/api/catalog/competitor-skus").json()[0]

    context, page = rep_phone(camera_browser, live_server, USER, store, "en-US")
    wait_synced(page)
    page.wait_for_function("() => document.querySelector('fv-sync-status') && true")

    context.set_offline(True)
    page.goto(f"/#/visit/{store['id']}")
    page.click("[data-arrive]")
    page.wait_for_selector("[data-step=display][data-state=current]")
    assert page.get_attribute("[data-geofence]", "data-geofence") == "inside"
    # Later steps are locked: nothing to complete there yet.
    assert page.get_attribute("[data-step=materials]", "data-state") == "locked"
    assert page.locator("[data-step=materials] [data-complete]").count() == 0

    _photo(page, "shelf_photos")
    page.locator("[data-qty=facings][data-item=BEV-001]").fill("4")
    # A reload mid-step (offline) keeps what was entered: the photo and the facings.
    page.wait_for_function("""() => (async () => {
        const db = await import('/js/db.js');
        const keys = (await db.getAll('meta')).filter((m) => m.key.startsWith('draft:') && m.value);
        return keys.some((m) => Object.values(m.value.facings || {}).includes(4));
    })()""")
    page.reload()
    page.wait_for_selector("[data-step=display][data-state=current] [data-field=shelf_photos] .thumb")
    assert page.locator("[data-qty=facings][data-item=BEV-001]").input_value() == "4"
    assert page.is_disabled("[data-complete]")  # yes/no answers still missing
    for key in ("cooler_clean", "own_only", "price_tags"):
        page.click(f"[data-yesno={key}][data-value=true]")
    page.click("[data-complete]")
    page.wait_for_selector("[data-step=competitors][data-state=current]")

    page.fill("[data-code-input=scans]", competitor["barcode"])
    page.click("[data-add-code=scans]")
    assert competitor["name_en"] in page.inner_text("[data-field=scans] .codes")
    # A code the catalogue lacks: found by name instead (offline, on the phone's own catalogue).
    page.fill("[data-code-input=scans]", "6999999999991")
    page.click("[data-add-code=scans]")
    page.click("[data-code='6999999999991'] [data-find]")
    page.fill("[data-find-name]", competitor["name_en"].split()[0].lower())
    page.click("[data-find-go]")
    page.click(f"[data-pick$='|{competitor['id']}']")
    assert page.locator("[data-field=scans] .codes li").count() == 2
    assert "not in the catalogue" not in page.inner_text("[data-field=scans] .codes")
    page.click("[data-yesno=promotion_seen][data-value=false]")
    page.click("[data-complete]")
    page.wait_for_selector("[data-step=materials][data-state=current]")

    assert page.inner_text("[data-remaining=POSM-001]") == "20 left this month"  # the demo allocation
    page.locator("[data-qty=placed][data-item=POSM-001]").fill("2")
    assert page.inner_text("[data-remaining=POSM-001]") == "18 left this month"
    _photo(page, "placement_photos")
    page.click("[data-complete]")
    page.wait_for_selector("[data-step=checkin][data-state=current]")
    _photo(page, "storefront")
    page.click("[data-complete]")
    page.click("[data-checkout]")
    page.wait_for_selector("fv-visit [data-visit-summary]")  # the visit's summary, where the steps were
    assert "waiting" in page.inner_text("fv-sync-status")

    context.set_offline(False)
    wait_synced(page)

    with httpx.Client(base_url=live_server.url) as api:
        api.post("/api/auth/login", json={"username": USER, "password": "fieldvisit"})
        records: dict[tuple[str, str], dict] = {}
        cursor = 0
        while True:
            pulled = api.get("/api/sync/pull", params={"cursor": cursor}).json()
            for c in pulled["changes"]:
                records[(c["collection"], c["id"])] = c
            cursor = pulled["cursor"]
            if not pulled["more"]:
                break
        visits = [r for (c, _), r in records.items() if c == "visit" and r["fields"]["store_id"] == store["id"]]
        assert len(visits) == 1
        visit = visits[0]["fields"]
        assert visit["status"] == "checked_out" and visit["score"] == 100 and visit["inside_geofence"] is True
        assert visit["distance_m"] < 50 and visit["server_flags"] == []
        steps = [
            r["fields"] for (c, _), r in records.items() if c == "step" and r["fields"]["visit_id"] == visits[0]["id"]
        ]
        assert sorted(s["step"] for s in steps) == ["checkin", "competitors", "display", "materials"]
        assert all(s["status"] == "done" for s in steps)
        photos = [h for s in steps for h in s["photos"]]
        assert len(photos) == 3
        for sha in photos:
            blob = api.get(f"/api/blobs/{sha}")
            assert blob.status_code == 200 and hashlib.sha256(blob.content).hexdigest() == sha
            image = Image.open(io.BytesIO(blob.content))
            assert image.format == "JPEG" and max(image.size) <= 1600
        scans = next(s for s in steps if s["step"] == "competitors")["answers"]["scans"]
        assert scans[0]["code"] == competitor["barcode"] and scans[0]["sku_id"] == competitor["id"]
        assert scans[1] == {
            "code": "6999999999991",
            "sku_id": competitor["id"],
            "name": competitor["name_en"],
            "matched_by": "name",
        }

    engine = create_engine(live_server.database_url)
    with Session(engine) as s:
        arrivals = s.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_id == visits[0]["id"], AuditEntry.action == "visit.arrive")
        ).scalar_one()
        assert arrivals == 1
    engine.dispose()
    context.close()
