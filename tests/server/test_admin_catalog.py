"""The admin console's server side for catalogues, allocations and budget pools: admins only (403
for everyone else), bad input a clear 4xx, a pool never below what it paid out, every change
audited, and catalogue and allocation changes reaching a rep's phone on its next pull."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from server.audit.models import AuditEntry
from server.settings import Settings
from tests.conftest import make_client, sign_in
from tests.factories import World
from tests.synchelp import pull_all


def _promotion(admin: TestClient) -> dict:
    answer = admin.post(
        "/api/admin/promotions",
        json={
            "code": "SPRING",
            "name": "春季陈列",
            "name_en": "Spring display",
            "starts_on": "2026-03-01",
            "ends_on": "2026-05-31",
            "pools": [{"name": "华东", "name_en": "East", "amount_cents": 10_000_00}],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_only_admins_edit_catalogues_allocations_and_pools(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    sign_in(app_client, world.admin.username)
    material = app_client.post("/api/admin/catalog/materials", json={"code": "P-01", "name": "海报"}).json()
    promo = _promotion(app_client)
    pool_id = promo["pools"][0]["id"]
    rep = world.east.reps[0]
    calls = {
        "sku": lambda c: c.post("/api/admin/catalog/skus", json={"code": "S1", "name": "啤酒"}),
        "edit": lambda c: c.patch(f"/api/admin/catalog/materials/{material['id']}", json={"name": "大海报"}),
        "list allocations": lambda c: c.get("/api/admin/allocations", params={"period": "2026-11"}),
        "allocate": lambda c: c.put(
            "/api/admin/allocations",
            json={"rep_id": rep.id, "material_id": material["id"], "period": "2026-11", "quantity": 5},
        ),
        "promotions": lambda c: c.get("/api/admin/promotions"),
        "edit promotion": lambda c: c.patch(f"/api/admin/promotions/{promo['id']}", json={"name_en": "Spring"}),
        "add pool": lambda c: c.post(
            f"/api/admin/promotions/{promo['id']}/pools", json={"name": "西区", "amount_cents": 100}
        ),
        "edit pool": lambda c: c.patch(f"/api/admin/pools/{pool_id}", json={"amount_cents": 20_000_00}),
    }
    for username in (rep.username, world.east.supervisor.username, world.finance.username):
        with make_client(settings) as other:
            sign_in(other, username)
            for name, call in calls.items():
                assert call(other).status_code == 403, (username, name)
    for name, call in calls.items():
        answer = call(app_client)
        assert answer.status_code in (200, 201), (name, answer.text)
    entities = set(session.exec(select(AuditEntry.entity)).all())
    assert {"material", "sku", "allocation", "promotion", "budget_pool"} <= entities


def test_malformed_input_is_a_clear_4xx(app_client: TestClient, world: World) -> None:
    sign_in(app_client, world.admin.username)
    material = app_client.post("/api/admin/catalog/materials", json={"code": "P-01", "name": "海报"}).json()
    promo = _promotion(app_client)
    bad = [
        app_client.post("/api/admin/catalog/materials", json={"code": "P-01", "name": "又一个"}),  # duplicate
        app_client.post("/api/admin/catalog/materials", json={"name": "无编码"}),
        app_client.post("/api/admin/catalog/materials", json={"code": "P 02", "name": "x"}),
        app_client.post("/api/admin/catalog/skus", json={"code": "S2", "name": "   "}),
        app_client.post("/api/admin/catalog/widgets", json={"code": "W1", "name": "x"}),
        app_client.patch("/api/admin/catalog/skus/nope", json={"name": "x"}),
        app_client.post("/api/admin/catalog/competitor-skus", json={"barcode": "690", "name": "x"}),  # no brand
        app_client.post(
            "/api/admin/catalog/materials", content=b"{not json", headers={"content-type": "application/json"}
        ),
        app_client.get("/api/admin/allocations", params={"period": "2026-13"}),
        app_client.put(
            "/api/admin/allocations",
            json={"rep_id": world.east.reps[0].id, "material_id": material["id"], "period": "2026-11", "quantity": -1},
        ),
        app_client.put(
            "/api/admin/allocations",
            json={
                "rep_id": world.east.supervisor.id,
                "material_id": material["id"],
                "period": "2026-11",
                "quantity": 1,
            },
        ),
        app_client.put(
            "/api/admin/allocations",
            json={"rep_id": world.east.reps[0].id, "material_id": "nope", "period": "2026-11", "quantity": 1},
        ),
        app_client.patch(f"/api/admin/promotions/{promo['id']}", json={"ends_on": "2026-01-01"}),
        app_client.patch(f"/api/admin/promotions/{promo['id']}", json={"name": None}),
        app_client.patch("/api/admin/promotions/nope", json={"name": "x"}),
        app_client.post(f"/api/admin/promotions/{promo['id']}/pools", json={"name": "x"}),
        app_client.post(f"/api/admin/promotions/{promo['id']}/pools", json={"name": "x", "amount_cents": 0}),
        app_client.post(
            f"/api/admin/promotions/{promo['id']}/pools", json={"name": "x", "amount_cents": 1, "channels": ["bar"]}
        ),
        app_client.post(
            f"/api/admin/promotions/{promo['id']}/pools", json={"name": "x", "amount_cents": 1, "region_id": "nope"}
        ),
        app_client.patch("/api/admin/pools/nope", json={"amount_cents": 5}),
    ]
    for answer in bad:
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.json()["detail"], answer.text
    assert bad[0].json()["code"] == "duplicate_code"


def test_a_pool_never_goes_below_what_it_paid_out(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    sign_in(app_client, world.admin.username)
    pool = _promotion(app_client)["pools"][0]
    session.execute(text("UPDATE budget_pool SET spent_cents = 400000 WHERE id = :id"), {"id": pool["id"]})
    session.commit()
    below = app_client.patch(f"/api/admin/pools/{pool['id']}", json={"amount_cents": 3999_99})
    assert below.status_code == 409 and below.json()["code"] == "below_spent", below.text
    assert "4000.00" in below.json()["detail"]
    ok = app_client.patch(
        f"/api/admin/pools/{pool['id']}", json={"amount_cents": 4000_00, "channels": ["convenience"], "name_en": "E"}
    )
    assert ok.status_code == 200, ok.text
    (seen,) = [p for p in ok.json()["pools"] if p["id"] == pool["id"]]
    assert (seen["amount_cents"], seen["spent_cents"], seen["left_cents"]) == (4000_00, 4000_00, 0)
    assert seen["channels"] == ["convenience"]
    listed = app_client.get("/api/admin/promotions").json()
    assert listed["promotions"][0]["pools"][0]["left_cents"] == 0
    assert {r["id"] for r in listed["regions"]} == {world.east.region.id, world.west.region.id}


def test_catalogue_and_allocation_changes_reach_a_reps_pull(
    app_client: TestClient, settings: Settings, world: World
) -> None:
    rep, other_rep = world.east.reps[0], world.west.reps[0]
    with make_client(settings) as phone:
        sign_in(phone, rep.username)
        _, cursor = pull_all(phone)  # type: ignore[arg-type]
        sign_in(app_client, world.admin.username)
        material = app_client.post(
            "/api/admin/catalog/materials", json={"code": "FRIDGE-1", "name": "冰箱贴", "name_en": "Fridge sticker"}
        ).json()
        sku = app_client.post("/api/admin/catalog/skus", json={"code": "B-500", "name": "啤酒500ml"}).json()
        put = app_client.put(
            "/api/admin/allocations",
            json={"rep_id": rep.id, "material_id": material["id"], "period": "2026-11", "quantity": 12},
        )
        assert put.status_code == 200, put.text
        seen, cursor = pull_all(phone, cursor)  # type: ignore[arg-type]
        assert seen[("material", material["id"])]["fields"]["name_en"] == "Fridge sticker"
        assert seen[("sku", sku["id"])]["fields"]["code"] == "B-500"
        allocation = seen[("allocation", put.json()["id"])]["fields"]
        assert allocation == {"material_code": "FRIDGE-1", "period": "2026-11", "quantity": 12}
        # an edit: the new quantity, and a renamed code follows into the allocation
        app_client.put(
            "/api/admin/allocations",
            json={"rep_id": rep.id, "material_id": material["id"], "period": "2026-11", "quantity": 3},
        )
        app_client.patch(f"/api/admin/catalog/materials/{material['id']}", json={"code": "FRIDGE-2"})
        seen, _ = pull_all(phone, cursor)  # type: ignore[arg-type]
        assert seen[("allocation", put.json()["id"])]["fields"]["quantity"] == 3
        assert seen[("allocation", put.json()["id"])]["fields"]["material_code"] == "FRIDGE-2"
        assert seen[("material", material["id"])]["fields"]["code"] == "FRIDGE-2"
    with make_client(settings) as elsewhere:  # another rep's phone never gets this rep's allocation
        sign_in(elsewhere, other_rep.username)
        seen, _ = pull_all(elsewhere)  # type: ignore[arg-type]
        assert ("allocation", put.json()["id"]) not in seen
    listed = app_client.get("/api/admin/allocations", params={"period": "2026-11", "q": rep.username}).json()
    assert listed["total"] == 1 and listed["reps"][0]["allocations"] == {material["id"]: 3}
