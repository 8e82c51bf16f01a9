"""Every screen of every role, once: the list the screenshots tool (``./dev screenshots``) and the
every-screen browser test (tests/browser/test_every_screen.py) both walk.

A screen is a hash route signed in as one demo user, a selector that shows once it has its data,
and optionally a click that opens a part of it (a review item, a finance tab). Routes naming a
record hold ``{key}`` placeholders filled by ``resolve`` from the demo data (server/demo/), read
through the API as that user would, so they keep working whatever ids a seed made.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "fieldvisit"
PHONE_SIZE = {"width": 390, "height": 844}
DESKTOP_SIZE = {"width": 1280, "height": 800}
LOCALES = {"zh": "zh-CN", "en": "en-US"}
ADMIN_SECTIONS = ("users", "teams", "stores", "catalog", "allocations", "promotions", "templates", "jobs", "status")


@dataclass(frozen=True)
class Screen:
    role: str  # the file-name prefix: rep, sup, finance, admin
    user: str  # the demo user signed in
    name: str  # e.g. "route"; the screenshot is <role>-<name>-<size>-<lang>.png
    route: str  # the hash route, with {placeholders} from resolve()
    ready: str  # a selector present once the screen shows its data
    click: str | None = None  # then click this when it is there (and wait for ``after``)
    after: str | None = None
    at_store: str | None = None  # a placeholder naming the store whose GPS position the phone reports
    main: bool = False  # one the README shows

    @property
    def slug(self) -> str:
        return f"{self.role}-{self.name}"


REP, SUP, FINANCE, ADMIN = "rep01", "sup-cd", "finance", "admin"

SCREENS: dict[str, list[Screen]] = {
    REP: [
        Screen("rep", REP, "route", "#/route", "fv-route [data-route]", main=True),
        Screen("rep", REP, "stores", "#/stores", "fv-store-list li[data-store-id]"),
        Screen("rep", REP, "store", "#/stores/{claim_store}", "fv-store-detail [data-start-visit]"),
        Screen("rep", REP, "visit-done", "#/visit/{approved_store}", "fv-visit [data-review-status=approved]"),
        Screen("rep", REP, "visit-rejected", "#/visit/{rejected_store}", "fv-visit [data-review-status=rejected]"),
        Screen(
            "rep",
            REP,
            "visit-steps",
            "#/visit/{next_store}",
            "fv-visit [data-arrive], fv-visit [data-step]",
            click="fv-visit [data-arrive]",
            after="fv-visit [data-step]",
            at_store="next_store",
            main=True,
        ),
        Screen("rep", REP, "claim", "#/claim/{claim_store}", "fv-claim form", main=True),
        Screen("rep", REP, "today", "#/today", "fv-today [data-decisions]", main=True),
    ],
    SUP: [
        Screen("sup", SUP, "team", "#/team", "fv-team [data-todo]", main=True),
        Screen("sup", SUP, "review", "#/review", "fv-review [data-queue] li[data-item-id]", main=True),
        Screen(
            "sup",
            SUP,
            "review-item",
            "#/review",
            "fv-review [data-queue] li[data-item-id]",
            click="fv-review [data-queue] li[data-item-id]",
            after="fv-review [data-item]:not([hidden])",
        ),
        Screen("sup", SUP, "stores", "#/stores", "fv-store-list li[data-store-id]"),
    ],
    FINANCE: [
        Screen("finance", FINANCE, "queue", "#/finance", "fv-finance [data-claim-row]", main=True),
        Screen("finance", FINANCE, "claim", "#/finance/{claim_review}", "fv-finance [data-review]", main=True),
        Screen("finance", FINANCE, "claim-no-pool", "#/finance/{claim_no_pool}", "fv-finance [data-review]"),
        Screen("finance", FINANCE, "claim-unread", "#/finance/{claim_dead}", "fv-finance [data-review]"),
        Screen("finance", FINANCE, "claim-approved", "#/finance/{claim_approved}", "fv-finance [data-review]"),
        Screen(
            "finance",
            FINANCE,
            "approved",
            "#/finance",
            "fv-finance [data-claim-row]",
            click="fv-finance [data-tab=approved]",
            after="fv-finance [data-tab=approved][aria-current]",
        ),
    ],
    ADMIN: [
        Screen(
            "admin",
            ADMIN,
            section,
            f"#/admin/{section}",
            f"fv-admin [data-section={section}] [data-section-body] > :not(.hint)",
            main=section in ("users", "promotions"),
        )
        for section in ADMIN_SECTIONS
    ],
}


def all_screens() -> list[Screen]:
    return [s for screens in SCREENS.values() for s in screens]


@dataclass
class Demo:
    """What ``resolve`` found: route placeholders and the stores' positions."""

    ids: dict[str, str] = field(default_factory=dict)
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)

    def route(self, screen: Screen) -> str:
        return screen.route.format(**self.ids)

    def geolocation(self, screen: Screen) -> dict[str, float]:
        lat, lng = self.positions.get(self.ids.get(screen.at_store or "", ""), (30.6598, 104.0657))
        return {"latitude": lat, "longitude": lng, "accuracy": 12}


@contextmanager
def _client(base_url: str, user: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        answer = client.post("/api/auth/login", json={"username": user, "password": PASSWORD})
        answer.raise_for_status()
        yield client


def resolve(base_url: str) -> Demo:
    """The demo records the dynamic routes name (server/demo/activity.py made them)."""
    demo = Demo()
    with _client(base_url, FINANCE) as finance:
        claims: list[dict[str, Any]] = []
        for status in ("review", "approved", "rejected"):
            claims += finance.get("/api/claims/", params={"status": status, "limit": 100}).json()["items"]
    review = [c for c in claims if c["status"] == "review"]
    demo.ids["claim_no_pool"] = next(c["id"] for c in review if "no_pool" in c["flags"])
    demo.ids["claim_dead"] = next(c["id"] for c in review if "reading_failed" in c["flags"])
    demo.ids["claim_review"] = next(c["id"] for c in review if not c["flags"])
    demo.ids["claim_approved"] = next(c["id"] for c in claims if c["status"] == "approved")
    with _client(base_url, REP) as rep:
        me = rep.get("/api/me").json()
        stores = rep.get("/api/stores", params={"limit": 1000}).json()["items"]
    rep_id = me["user"]["id"] if "user" in me else me["id"]
    demo.positions = {s["id"]: (s["lat"], s["lng"]) for s in stores}
    mine = {s["id"] for s in stores}
    demo.ids["claim_store"] = next(
        c["store"]["id"] for c in claims if c["store"]["id"] in mine and c["status"] == "review" and not c["flags"]
    )
    with _client(base_url, SUP) as sup:
        visits = sup.get("/api/review/", params={"status": "all", "rep": rep_id, "limit": 100}).json()["items"]
    today = max(v["day"] for v in visits)
    todays = [v for v in visits if v["day"] == today]
    demo.ids["approved_store"] = next(v["store"]["id"] for v in todays if v["status"] == "approved")
    demo.ids["rejected_store"] = next(v["store"]["id"] for v in todays if v["status"] == "rejected")
    visited = {v["store"]["id"] for v in todays}
    with _client(base_url, REP) as rep:
        route = rep.get("/api/stores", params={"limit": 1000}).json()["items"]
    # a store of today's route not visited yet (the route's order: the demo's cycle puts today's first)
    demo.ids["next_store"] = next(s["id"] for s in route if s["id"] not in visited and s["id"] in mine)
    return demo
