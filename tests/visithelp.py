"""A rep's visit pushed the way a phone does, for server tests."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlmodel import Session

from sync import uuid7
from tests.synchelp import Phone

PHOTO = "a" * 64


def answers(step: str) -> dict[str, Any]:
    return {
        "display": {
            "shelf_photos": [PHOTO],
            "facings": {"BEV-001": 4},
            "cooler_clean": True,
            "own_only": True,
            "price_tags": False,
        },
        "competitors": {"scans": [{"code": "6901234567892"}], "promotion_seen": False},
        "materials": {"placed": {"POSM-001": 2}, "placement_photos": [PHOTO]},
        "checkin": {"storefront": [PHOTO]},
    }[step]


class Visit:
    def __init__(
        self, client: TestClient, phone: Phone, store: Any, template_id: str, day: str = "2026-11-24", hour: int = 10
    ) -> None:
        self.client, self.phone, self.store, self.id = client, phone, store, uuid7()
        self.template_id, self.day, self.hour = template_id, day, hour

    def push(self, *ops: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post("/api/sync/push", json=self.phone.batch(*ops))
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def arrive(self, lat: float, lng: float, accuracy: float = 12) -> dict[str, Any]:
        now = f"{self.day}T{self.hour:02d}:00:00+08:00"
        return self.push(
            self.phone.op(
                "visit.arrive",
                self.id,
                {
                    "store_id": self.store.id,
                    "template_id": self.template_id,
                    "day": self.day,
                    "arrived_at": now,
                    "arrival": {"lat": lat, "lng": lng, "accuracy": accuracy, "at": now},
                    "planned": True,
                    "status": "arrived",
                },
            )
        )[0]

    def complete(self, step: str, given: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        filled = answers(step) if given is None else given
        photos = [p for v in filled.values() if isinstance(v, list) for p in v if isinstance(p, str) and len(p) == 64]
        fields = {
            "visit_id": self.id,
            "store_id": self.store.id,
            "step": step,
            "answers": filled,
            "photos": photos,
            "status": "done",
        }
        return self.push(self.phone.op("step.complete", uuid7(), fields, **extra))[0]

    def except_(self, step: str, exception: Any) -> dict[str, Any]:
        return self.push(
            self.phone.op(
                "step.except",
                uuid7(),
                {
                    "visit_id": self.id,
                    "store_id": self.store.id,
                    "step": step,
                    "exception": exception,
                    "status": "excepted",
                },
            )
        )[0]

    def checkout(self) -> dict[str, Any]:
        return self.push(
            self.phone.op(
                "visit.checkout",
                self.id,
                {"status": "checked_out", "checked_out_at": f"{self.day}T{self.hour:02d}:23:00+08:00"},
            )
        )[0]

    def record(self) -> dict[str, Any]:
        return self.client.get(f"/api/sync/records/visit/{self.id}").json()


def template(client: TestClient, code: str = "standard") -> dict[str, Any]:
    return next(t for t in client.get("/api/templates").json() if t["code"] == code)


def signed_in_with_templates(client: TestClient, world: Any, session: Session) -> tuple[str, Any, Any]:
    """The default templates on the server and the first east rep signed in: (the standard
    template's id, the rep, their first store)."""
    from server.visits.service import ensure_default_templates
    from tests.conftest import sign_in

    ensure_default_templates(session)
    session.commit()
    rep = world.east.reps[0]
    sign_in(client, rep.username)
    return template(client)["id"], rep, world.east.stores[rep.username][0]
