"""What phones learn of promotions: each carries the channels its budget pools cover, so the claim
form offers a store only promotions that can pay it (a convenience store is not offered the Spring
Festival baijiu subsidy whose one pool is for tobacco & liquor shops and restaurants)."""

from __future__ import annotations

from datetime import date

from litestar.testing import TestClient
from sqlmodel import Session

from server.claims.models import BudgetPool, Promotion
from server.claims.publish import pool_channels, publish_promotions
from tests.conftest import make_client, sign_in
from tests.factories import World
from tests.synchelp import pull_all


def _pool(channels: list[str]) -> BudgetPool:
    return BudgetPool(
        promotion_id="p",
        name="x",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        channels=channels,
        amount_cents=1,
    )


def test_pool_channels_are_the_union_and_an_open_pool_takes_any() -> None:
    assert pool_channels([_pool(["restaurant", "tobacco_liquor"]), _pool(["convenience", "restaurant"])]) == [
        "convenience",
        "restaurant",
        "tobacco_liquor",
    ]
    assert pool_channels([_pool(["restaurant"]), _pool([])]) is None  # one pool for every channel
    assert pool_channels([]) == []  # no pool: no store can be paid


def test_phones_pull_each_promotions_pool_channels(
    app_client: TestClient, settings, session: Session, world: World
) -> None:  # type: ignore[no-untyped-def]
    sign_in(app_client, world.admin.username)
    spans = {"starts_on": "2026-01-01", "ends_on": "2026-12-31"}
    made = {}
    for code, pools in {
        "CNY": [{"name": "春节堆头", "amount_cents": 5_000_000, "channels": ["tobacco_liquor", "restaurant"]}],
        "WINTER": [
            {"name": "东区", "amount_cents": 100, "channels": ["convenience"], "region_id": world.east.region.id},
            {"name": "西区", "amount_cents": 100, "channels": ["supermarket", "convenience"]},
        ],
        "ANY": [{"name": "全渠道", "amount_cents": 100}],
    }.items():
        answer = app_client.post(
            "/api/admin/promotions",
            json={"code": code, "name": f"{code} 促销", "name_en": code, **spans, "pools": pools},
        )
        assert answer.status_code == 201, answer.text
        made[code] = answer.json()["id"]
    # a promotion whose pools were all removed (or never made) pays no one
    bare = Promotion(code="BARE", name="无费用池", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    session.add(bare)
    session.flush()
    publish_promotions(session)
    session.commit()
    made["BARE"] = bare.id

    with make_client(settings) as rep:
        sign_in(rep, world.east.reps[0].username)
        seen, _ = pull_all(rep)  # type: ignore[arg-type]
    channels = {code: seen[("promotion", pid)]["fields"]["channels"] for code, pid in made.items()}
    assert channels == {
        "CNY": ["restaurant", "tobacco_liquor"],
        "WINTER": ["convenience", "supermarket"],
        "ANY": None,
        "BARE": [],
    }
    # publishing again changes nothing a phone would pull
    assert publish_promotions(session) == 0
