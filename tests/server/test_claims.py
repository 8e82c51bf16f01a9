"""Promotion claims on the server with real tesseract: a claim synced before its photos waits for
them, is read (receipt fields, watermark, recycled photo), matched to its pool, and decided by
finance once; approvals never overdraw a pool; bad photos are refused clearly and the claim is
still read and reaches finance."""

from __future__ import annotations

import hashlib
import io
import random
import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ocr.signsynth import make_storefront
from server.accounts.models import User
from server.accounts.service import Actor
from server.claims import service
from server.claims.models import BudgetPool, Promotion
from server.db import get_engine, session_scope
from server.errors import Conflict
from server.jobs.worker import run_pending
from server.replication.store import SqlSyncStore
from server.settings import Settings
from sync import uuid7
from tests.claimhelp import jpeg, material_photo, receipt
from tests.conftest import make_client, sign_in
from tests.factories import World
from tests.ocr.conftest import SROIE
from tests.synchelp import Phone, upload

WHEN = datetime(2026, 11, 20, 10, 30)  # local time the rep photographed the material


def _pool(session: Session, world: World, amount_cents: int, **values: Any) -> BudgetPool:
    promo = Promotion(
        code=f"P-{uuid7()[-8:]}",
        name="冬季陈列",
        name_en="Winter display",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    session.add(promo)
    session.flush()
    pool = BudgetPool(
        promotion_id=promo.id,
        name="东区陈列奖励",
        starts_on=promo.starts_on,
        ends_on=promo.ends_on,
        region_id=world.east.region.id,
        channels=values.pop("channels", ["convenience"]),
        amount_cents=amount_cents,
        **values,
    )
    session.add(pool)
    session.commit()
    return pool


def _submit(client: TestClient, phone: Phone, store_id: str, receipt_sha: str, photos: list[str], **fields: Any) -> str:
    claim_id = uuid7()
    values = {
        "store_id": store_id,
        "receipt": receipt_sha,
        "photos": photos,
        "taken_at": "2026-11-20T02:31:00Z",
        **fields,
    }
    answer = client.post("/api/sync/push", json=phone.batch(phone.op("claim.submit", claim_id, values)))
    assert answer.status_code == 200, answer.text
    result = answer.json()["results"][0]
    assert result["status"] == "applied", result
    return claim_id


def _claim(client: TestClient, claim_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/sync/records/claim/{claim_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["fields"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def shop(session: Session, world: World) -> tuple[User, Any, bytes, Any]:
    """A rep's store named like the shop on a generated receipt (and another store of the same name
    in the region), and that receipt."""
    data, truth = receipt(11, day=datetime(2026, 11, 19, 18, 5))
    rep = world.east.reps[1]
    store = world.east.stores[rep.username][0]
    twin = world.east.stores[world.east.reps[0].username][0]  # listed first: shops share names
    for shop_ in (store, twin):
        shop_.name = truth.company
        session.add(shop_)
    session.commit()
    return rep, store, data, truth


def test_a_claim_synced_before_its_photos_is_read_matched_and_approved_once(
    app_client: TestClient, settings: Settings, session: Session, world: World, shop: Any
) -> None:
    rep, store, receipt_bytes, truth = shop
    pool = _pool(session, world, 5000_00)
    sign_in(app_client, rep.username)
    photo = jpeg(material_photo(3, store.name, WHEN))
    phone = Phone()
    total_cents = round(float(truth.total) * 100)
    claim_id = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(photo)], amount_cents=total_cents)
    assert _claim(app_client, claim_id)["status"] == "reading"

    run_pending(settings)  # nothing uploaded yet: the job waits for the photos, nothing is lost
    assert _claim(app_client, claim_id)["status"] == "reading"
    for data in (receipt_bytes, photo):
        assert upload(app_client, data).status_code == 200
    assert run_pending(settings) >= 1

    fields = _claim(app_client, claim_id)
    assert fields["status"] == "review", fields
    reading = fields["reading"]
    assert reading["total"]["value"] == truth.total and reading["total"]["confidence"] >= 0.5
    assert reading["date"]["value"] == truth.iso_date
    assert fields["suggested_store"]["id"] == store.id
    assert fields["pool"]["id"] == pool.id
    assert fields["flags"] == [], fields["flags"]
    check = fields["photo_checks"][0]
    assert check["watermark"]["taken_at"].startswith("2026-11-20T10:30")

    # finance sees it with the pool's balance, and approves it
    finance = make_client(settings)
    with finance:
        sign_in(finance, world.finance.username)
        queue = finance.get("/api/claims/", params={"status": "review"}).json()
        assert [c["id"] for c in queue["items"]] == [claim_id]
        assert queue["items"][0]["pool"]["balance_cents"] == 5000_00
        detail = finance.get(f"/api/claims/{claim_id}").json()
        assert detail["pool"]["balance_cents"] == 5000_00 and detail["store"]["name"] == truth.company
        answer = finance.post(f"/api/claims/{claim_id}/decision", json={"action": "approve"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["pool"]["balance_cents"] == 5000_00 - total_cents
        again = finance.post(f"/api/claims/{claim_id}/decision", json={"action": "reject", "reason": "duplicate"})
        assert again.status_code == 409 and again.json()["code"] == "already_decided"

    # the decision reaches the rep's phone as server-owned fields; the claim no longer changes
    pulled = app_client.get("/api/sync/pull", params={"cursor": 0}).json()["changes"]
    mine = next(c for c in pulled if c["collection"] == "claim" and c["id"] == claim_id)
    assert mine["fields"]["status"] == "approved"
    assert mine["fields"]["decision"]["approved_cents"] == total_cents
    edit = phone.op("claim.edit", claim_id, {"amount_cents": 1}, base={"amount_cents": 1})
    result = app_client.post("/api/sync/push", json=phone.batch(edit)).json()["results"][0]
    assert result["status"] == "rejected" and result["code"] == "decided"

    # a rep may not open finance's queue; a rep of another team cannot see the claim
    assert app_client.get("/api/claims/").status_code == 403
    other = make_client(settings)
    with other:
        sign_in(other, world.west.reps[0].username)
        assert other.get(f"/api/sync/records/claim/{claim_id}").status_code == 404
        assert other.get(f"/api/blobs/{_sha(receipt_bytes)}").status_code == 404


def test_photo_checks_flag_a_recycled_photo_another_day_and_another_store(
    app_client: TestClient, settings: Settings, session: Session, world: World, shop: Any
) -> None:
    rep, store, receipt_bytes, _ = shop
    _pool(session, world, 500_00)
    sign_in(app_client, rep.username)
    phone = Phone()
    original = material_photo(3, store.name, WHEN)
    first_photo = jpeg(original)
    first = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(first_photo)])
    # the same picture again: cropped 5 %, halved and re-compressed
    w, h = original.size
    reused = original.crop((int(w * 0.05), 0, w, h)).resize((w // 2, h // 2))
    recycled = jpeg(reused, quality=70)
    second = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(recycled)])
    # another photo of the same store (another scene), taken two days before the claim
    fresh = jpeg(material_photo(4, store.name, WHEN - timedelta(days=2)))
    third = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(fresh)])
    # a photo from another store
    elsewhere = jpeg(material_photo(5, "百佳名烟名酒", WHEN))
    fourth = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(elsewhere)])
    # the front of the rep's other store, its sign read (RapidOCR) and matched to that store
    neighbour = world.east.stores[rep.username][1]
    neighbour.name = "华联超市"
    session.add(neighbour)
    session.commit()
    front, _ = make_storefront(random.Random(4), "华联超市")
    fifth = _submit(app_client, phone, store.id, _sha(receipt_bytes), [_sha(front)])
    for data in (receipt_bytes, first_photo, recycled, fresh, elsewhere, front):
        assert upload(app_client, data).status_code == 200
    run_pending(settings)

    flags = {cid: _claim(app_client, cid)["flags"] for cid in (first, second, third, fourth, fifth)}
    assert "sign_mismatch" in flags[fifth] and "sign_mismatch" not in flags[first]
    sign = _claim(app_client, fifth)["photo_checks"][0]["sign"]
    assert sign["texts"][0] == "华联超市" and sign["match"]["id"] == neighbour.id
    assert "recycled_photo" not in flags[first]
    assert "recycled_photo" in flags[second]
    assert _claim(app_client, second)["photo_checks"][0]["recycled_of"]["record_id"] == first
    assert "recycled_photo" not in flags[third] and "watermark_time_mismatch" in flags[third]
    assert "watermark_store_mismatch" in flags[fourth] and "watermark_store_mismatch" not in flags[first]


def _review_claims(
    app_client: TestClient, settings: Settings, world: World, store: Any, amounts: list[int]
) -> list[str]:
    """Claims that reach review quickly: a blank receipt (nothing found) and one photo each."""
    sign_in(app_client, world.east.reps[0].username)
    phone = Phone()
    ids = []
    for i, amount in enumerate(amounts):
        blank = jpeg(Image.new("RGB", (400, 600), (245 - i, 245, 245)))
        photo = jpeg(material_photo(20 + i, store.name, WHEN))
        ids.append(_submit(app_client, phone, store.id, _sha(blank), [_sha(photo)], amount_cents=amount))
        for data in (blank, photo):
            assert upload(app_client, data).status_code == 200
    run_pending(settings)
    for claim_id in ids:
        assert _claim(app_client, claim_id)["status"] == "review"
    return ids


def test_concurrent_approvals_never_overdraw_a_nearly_empty_pool(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    pool = _pool(session, world, 150_00)
    ids = _review_claims(app_client, settings, world, store, [100_00, 100_00, 100_00, 100_00])
    actor = Actor(user=world.finance, device_id="")
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def approve(claim_id: str) -> None:
        barrier.wait()
        try:
            with session_scope(settings) as unit:
                service.decide(unit, actor, claim_id, service.Decision(action="approve"))
            outcomes.append("approved")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=approve, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "pool_exhausted", "pool_exhausted", "pool_exhausted"]
    with session_scope(settings) as s:
        fresh = s.get(BudgetPool, pool.id)
        assert fresh is not None and fresh.spent_cents == 100_00
        claims = SqlSyncStore(s).load("claim", ids)  # a claim's status lives in its record
        statuses = sorted(claims[cid].fields["status"] for cid in ids)
        assert statuses == ["approved", "review", "review", "review"]  # refused approvals left nothing behind
    # and the database itself refuses an overdraw that skipped the condition
    with pytest.raises(IntegrityError), get_engine(settings).begin() as conn:
        conn.execute(text("UPDATE budget_pool SET spent_cents = amount_cents + 1 WHERE id = :id"), {"id": pool.id})


def test_corrections_and_rejections(app_client: TestClient, settings: Settings, session: Session, world: World) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    pool = _pool(session, world, 1000_00)
    fix, refuse = _review_claims(app_client, settings, world, store, [50_00, 60_00])
    with make_client(settings) as finance:
        sign_in(finance, world.finance.username)
        assert (
            finance.post(f"/api/claims/{refuse}/decision", json={"action": "reject"}).json()["code"]
            == "reason_required"
        )
        other = finance.post(f"/api/claims/{refuse}/decision", json={"action": "reject", "reason": "other"})
        assert other.status_code == 400 and other.json()["code"] == "comment_required"
        assert (
            finance.post(f"/api/claims/{fix}/decision", json={"action": "correct"}).json()["code"]
            == "nothing_corrected"
        )
        elsewhere = _pool(session, world, 1000_00, channels=["restaurant"])  # not this convenience store
        wrong = finance.post(f"/api/claims/{fix}/decision", json={"action": "approve", "pool_id": elsewhere.id})
        assert wrong.status_code == 400 and wrong.json()["code"] == "pool_not_for_store"
        bad = finance.post(
            f"/api/claims/{fix}/decision", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert bad.status_code == 400
        rejected = finance.post(
            f"/api/claims/{refuse}/decision",
            json={"action": "reject", "reason": "receipt_unreadable", "comment": "重拍小票"},
        )
        assert rejected.status_code == 200
        corrected = finance.post(
            f"/api/claims/{fix}/decision", json={"action": "correct", "total": "45.50", "date": "2026-11-19"}
        )
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["decision"]["approved_cents"] == 45_50
        assert corrected.json()["pool"]["balance_cents"] == 1000_00 - 45_50
        assert finance.get("/api/claims/", params={"status": "approved"}).json()["counts"] == {
            "approved": 1,
            "rejected": 1,
        }
        assert finance.get("/api/claims/nope").status_code == 404
    fields = _claim(app_client, refuse)
    assert fields["status"] == "rejected"
    assert fields["decision"]["reason"] == "receipt_unreadable" and fields["decision"]["comment"] == "重拍小票"
    assert _claim(app_client, fix)["decision"]["corrections"] == {"date": "2026-11-19", "total": "45.50"}
    assert pool.id == _claim(app_client, fix)["pool"]["id"]


def test_a_receipt_in_another_currency_is_flagged_with_what_was_read(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    """A Malaysian scan (RM) filed with a distributor working in yuan: finance sees the total read
    and that it is not in our money; the Chinese receipts above raise no such flag."""
    store = world.east.stores[world.east.reps[0].username][0]
    _pool(session, world, 1000_00)
    sign_in(app_client, world.east.reps[0].username)
    scan = (SROIE / "img" / "038.jpg").read_bytes()  # total RM 13.10
    photo = jpeg(material_photo(31, store.name, WHEN))
    claim_id = _submit(app_client, Phone(), store.id, _sha(scan), [_sha(photo)], amount_cents=13_10)
    for data in (scan, photo):
        assert upload(app_client, data).status_code == 200
    run_pending(settings)
    fields = _claim(app_client, claim_id)
    assert fields["status"] == "review", fields
    assert fields["reading"]["currency"] == "MYR" and fields["reading"]["total"]["value"] == "13.10"
    assert "currency_mismatch" in fields["flags"], fields["flags"]


def test_bad_photos_are_refused_clearly_and_the_claim_still_reaches_finance(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    _pool(session, world, 1000_00)
    sign_in(app_client, world.east.reps[0].username)
    phone = Phone()
    not_image = b"%PDF-1.4 this is not a photo" * 10
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 megapixels, a few KB
    blank = jpeg(Image.new("RGB", (800, 1200), (250, 250, 250)))
    photo = jpeg(material_photo(30, store.name, WHEN))

    cases = {}
    for name, data in (("not_image", not_image), ("bomb", bomb.getvalue()), ("blank", blank)):
        cases[name] = _submit(app_client, phone, store.id, _sha(data), [_sha(photo)], amount_cents=10_00)
    answer = upload(app_client, not_image)
    assert answer.status_code == 422 and answer.json()["code"] == "unsupported_blob_type", answer.text
    assert app_client.get(f"/api/blobs/{_sha(not_image)}/status").json()["state"] == "refused"
    answer = upload(app_client, bomb.getvalue())
    assert answer.status_code == 422 and answer.json()["code"] == "image_too_large", answer.text
    empty = upload(app_client, b"")
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    for data in (blank, photo):
        assert upload(app_client, data).status_code == 200
    run_pending(settings)

    for name, flag in (
        ("not_image", "receipt_refused"),
        ("bomb", "receipt_refused"),
        ("blank", "receipt_nothing_found"),
    ):
        fields = _claim(app_client, cases[name])
        assert fields["status"] == "review", (name, fields)
        assert flag in fields["flags"], (name, fields["flags"])
        assert fields["reading"]["total"] == {"value": None, "confidence": 0, "line": None, "box": None}
    # a claim naming something that is not a blob, or another region's store, is refused by name
    bad = app_client.post(
        "/api/sync/push",
        json=phone.batch(phone.op("claim.submit", uuid7(), {"store_id": store.id, "receipt": "x", "photos": ["y"]})),
    ).json()["results"][0]
    assert bad["status"] == "rejected" and bad["code"] == "bad_blob"
    foreign = world.west.stores[world.west.reps[0].username][0]
    other = app_client.post(
        "/api/sync/push",
        json=phone.batch(
            phone.op("claim.submit", uuid7(), {"store_id": foreign.id, "receipt": _sha(blank), "photos": [_sha(photo)]})
        ),
    )
    assert other.status_code == 200  # another region's store does not exist for this rep
    assert other.json()["results"][0]["code"] == "not_found"
