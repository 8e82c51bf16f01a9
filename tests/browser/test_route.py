"""Today's route at phone size: only today's planned stores, nearest first, and a finished visit
marks its store done."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import httpx
import pytest

from sync import uuid7
from tests import clock
from tests.livesupport import PHONE, LiveServer, new_context, sign_in_pwa
from tests.synchelp import Phone

pytestmark = pytest.mark.browser
DAY = clock.today()  # the run's fixed clock: a Wednesday
HERE = {"latitude": 31.13, "longitude": 104.40}  # Deyang


def planned(store: dict[str, Any], day: date) -> bool:
    days = [int(d) for d in (store["visit_days"] or "").split(",") if d]
    if day.isoweekday() not in days:
        return False
    weeks = store["cycle_weeks"] or 1
    return ((day - date.fromisoformat(store["cycle_anchor"])).days // 7) % weeks == 0


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def nearest_first(stores: list[dict[str, Any]], here: tuple[float, float]) -> list[str]:
    left, out = list(stores), []
    while left:
        best = min(left, key=lambda s: distance(here, (s["lat"], s["lng"])))
        left.remove(best)
        out.append(best["id"])
        here = (best["lat"], best["lng"])
    return out


def _finish_visit(client: httpx.Client, store: dict[str, Any]) -> None:
    templates = {t["code"]: t for t in client.get("/api/templates").json()}
    template = templates["liquor" if store["channel"] == "tobacco_liquor" else "standard"]
    photo = "b" * 64
    answers = {
        "display": {
            "shelf_photos": [photo],
            "facings": {"LIQ-001": 3},
            "cooler_clean": True,
            "own_only": True,
            "price_tags": True,
        },
        "competitors": {"scans": [{"code": "6912345678904"}], "promotion_seen": True},
        "owner_interview": {"needs": "要更多海报", "reorder_intent": "high"},
        "materials": {"placed": {"POSM-001": 1}, "placement_photos": [photo]},
        "checkin": {"storefront": [photo]},
    }
    phone, visit = Phone(), uuid7()
    at = clock.now().isoformat()
    ops = [
        phone.op(
            "visit.arrive",
            visit,
            {
                "store_id": store["id"],
                "template_id": template["id"],
                "day": str(DAY),
                "arrived_at": at,
                "arrival": {"lat": store["lat"], "lng": store["lng"], "accuracy": 10, "at": at},
                "status": "arrived",
            },
        )
    ]
    ops += [
        phone.op(
            "step.complete",
            uuid7(),
            {
                "visit_id": visit,
                "store_id": store["id"],
                "step": s["key"],
                "answers": answers[s["key"]],
                "status": "done",
            },
        )
        for s in template["steps"]
    ]
    ops.append(phone.op("visit.checkout", visit, {"status": "checked_out", "checked_out_at": at}))
    results = client.post("/api/sync/push", json=phone.batch(*ops)).json()["results"]
    assert {r["status"] for r in results} == {"applied"}, results


def test_todays_route_in_order_and_a_finished_visit_is_done(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=live_server.url) as client:
        assert client.post("/api/auth/login", json={"username": "rep40", "password": "fieldvisit"}).status_code == 200
        stores = client.get("/api/stores", params={"limit": 1000}).json()["items"]
        today = [s for s in stores if planned(s, DAY)]
        assert 15 <= len(today) <= 30 and len(today) < len(stores)  # the demo plans 15–30 a day
        expected = nearest_first(today, (HERE["latitude"], HERE["longitude"]))

        context = new_context(
            browser,
            **PHONE,
            base_url=live_server.url,
            locale="en-US",
            timezone_id="Asia/Shanghai",
            geolocation=HERE,
            permissions=["geolocation"],
        )
        page = context.new_page()
        sign_in_pwa(page, "rep40")
        page.wait_for_selector("fv-route li[data-route-store]")
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-route-store]').length === {len(today)} && "
            "document.querySelector('.dist').textContent !== ''"
        )
        shown = page.eval_on_selector_all("[data-route-store]", "els => els.map(e => e.dataset.routeStore)")
        assert shown == expected
        assert page.inner_text("[data-route-day]") == str(DAY)
        statuses = set(page.eval_on_selector_all("[data-route-store]", "els => els.map(e => e.dataset.status)"))
        assert statuses == {"planned"}

        first = next(s for s in today if s["id"] == expected[0])
        _finish_visit(client, first)
    page.click("fv-sync-status [data-toggle]")
    page.click("[data-sync-now]")
    page.wait_for_selector(f"[data-route-store='{first['id']}'][data-status='done']")
    assert page.inner_text("[data-route-count]") == f"1 of {len(today)} done"
    assert page.locator("[data-status='done']").count() == 1
    context.close()
