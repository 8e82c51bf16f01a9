"""Finance takes back its own decision the same day: the claim is back in review, an approval's
amount back in its pool, the reopen audited, and the rep's phone learns it at its next pull.
Someone else's decision, or an earlier day's, stays. An approval of a claim no pool matches needs
a pool chosen; a corrected total is the amount approved."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import TestClient
from sqlmodel import Session, select

from server.accounts.models import Role
from server.audit.models import AuditEntry
from server.claims.models import BudgetPool, ClaimReview
from server.settings import Settings
from tests.conftest import _PASSWORD_HASH, make_client, sign_in
from tests.factories import World, create_user
from tests.server.test_claims import _claim, _pool, _review_claims


def _spent(session: Session, pool_id: str) -> int:
    session.expire_all()
    pool = session.get(BudgetPool, pool_id)
    assert pool is not None
    return pool.spent_cents


def test_finance_reopens_its_own_decision_the_same_day_and_the_money_goes_back(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    pool = _pool(session, world, 1000_00)
    other_finance = create_user(session, _PASSWORD_HASH, Role.finance)
    session.commit()
    mine, theirs, old, rejected = _review_claims(app_client, settings, world, store, [50_00, 60_00, 70_00, 80_00])
    cursor = app_client.get("/api/sync/pull", params={"cursor": 0}).json()["cursor"]
    with make_client(settings) as finance, make_client(settings) as colleague, make_client(settings) as admin:
        sign_in(finance, world.finance.username)
        sign_in(colleague, other_finance.username)
        sign_in(admin, world.admin.username)
        # a corrected total is what is approved, when finance names no other amount
        corrected = finance.post(f"/api/claims/{mine}/decision", json={"action": "correct", "total": "45.50"})
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["decision"]["approved_cents"] == 45_50
        assert _spent(session, pool.id) == 45_50
        for claim_id, who in ((theirs, colleague), (old, finance)):
            assert who.post(f"/api/claims/{claim_id}/decision", json={"action": "approve"}).status_code == 200
        refusal = {"action": "reject", "reason": "duplicate"}
        assert finance.post(f"/api/claims/{rejected}/decision", json=refusal).status_code == 200
        assert _spent(session, pool.id) == 45_50 + 60_00 + 70_00
        # the claim says whether this user may reopen it: their own decision, today
        assert finance.get(f"/api/claims/{mine}").json()["can_reopen"] is True
        assert finance.get(f"/api/claims/{theirs}").json()["can_reopen"] is False
        assert colleague.get(f"/api/claims/{theirs}").json()["can_reopen"] is True
        listed = finance.get("/api/claims/", params={"status": "approved"}).json()["items"]
        assert {c["pool"]["name_en"] for c in listed if c["id"] == mine} == {pool.name_en}

        # someone else's decision: refused, and nothing moves
        other = finance.post(f"/api/claims/{theirs}/reopen")
        assert other.status_code == 403 and other.json()["code"] == "not_your_decision", other.text
        # admins do not decide claims, so they do not reopen them either
        assert admin.post(f"/api/claims/{mine}/reopen").status_code == 403
        # an earlier day's decision: refused
        session.expire_all()
        decided = session.get(ClaimReview, old)
        assert decided is not None and decided.decided_at is not None
        decided.decided_at = decided.decided_at - timedelta(days=1)
        session.add(decided)
        session.commit()
        late = finance.post(f"/api/claims/{old}/reopen")
        assert late.status_code == 409 and late.json()["code"] == "reopen_too_late", late.text
        assert finance.get(f"/api/claims/{old}").json()["can_reopen"] is False
        assert _spent(session, pool.id) == 45_50 + 60_00 + 70_00

        # my own approval today: back in review, the money back in the pool, audited
        reopened = finance.post(f"/api/claims/{mine}/reopen")
        assert reopened.status_code == 200, reopened.text
        assert reopened.json()["status"] == "review"
        assert reopened.json()["pool"]["id"] == pool.id
        assert _spent(session, pool.id) == 60_00 + 70_00
        assert finance.post(f"/api/claims/{mine}/reopen").json()["code"] == "not_decided"
        detail = finance.get(f"/api/claims/{mine}").json()
        assert detail["can_reopen"] is False
        # the decision taken back is kept: a reload shows finance's corrected total and amount
        kept = detail["fields"]["reopened"]
        assert kept["corrections"] == {"total": "45.50"} and kept["approved_cents"] == 45_50, kept
        assert detail["fields"]["decision"] is None
        back = finance.get("/api/claims/", params={"status": "review"}).json()
        assert mine in [c["id"] for c in back["items"]]
        assert finance.post(f"/api/claims/{rejected}/reopen").status_code == 200
        assert _spent(session, pool.id) == 60_00 + 70_00  # a rejection moved no money
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.entity_id == mine, AuditEntry.entity == "claim")
        ).all()
        assert [e.action for e in entries if e.action != "claim.submit"] == ["correct", "reopen"]
        entries = [e for e in entries if e.action == "reopen"]
        assert entries[0].user_id == world.finance.id and entries[0].changes["approved_cents"] == 45_50
        # and it can be decided again
        again = finance.post(f"/api/claims/{mine}/decision", json={"action": "approve", "amount_cents": 40_00})
        assert again.status_code == 200 and again.json()["decision"]["approved_cents"] == 40_00
        assert finance.get(f"/api/claims/{mine}").json()["fields"]["reopened"] is None
        assert _spent(session, pool.id) == 60_00 + 70_00 + 40_00
        assert finance.post(f"/api/claims/{mine}/reopen").status_code == 200

    # the rep's phone learns it through sync
    pulled = app_client.get("/api/sync/pull", params={"cursor": cursor}).json()["changes"]
    latest = {c["id"]: c["fields"] for c in pulled if c["collection"] == "claim"}
    assert latest[mine]["status"] == "review" and latest[mine]["decision"] is None
    assert latest[rejected]["status"] == "review"
    assert _claim(app_client, theirs)["status"] == "approved"
    # back in review, the rep may change the amount again
    assert _claim(app_client, mine)["status"] == "review"


def test_an_approval_of_a_claim_no_pool_matches_needs_a_pool_chosen(
    app_client: TestClient, settings: Settings, session: Session, world: World
) -> None:
    store = world.east.stores[world.east.reps[0].username][0]
    elsewhere = _pool(session, world, 1000_00, channels=["restaurant"])  # not this convenience store
    (claim_id,) = _review_claims(app_client, settings, world, store, [30_00])
    fields = _claim(app_client, claim_id)
    assert fields["flags"].count("no_pool") == 1 and fields.get("pool") is None
    assert len(fields["flags"]) == len(set(fields["flags"]))
    own = _pool(session, world, 500_00)  # a pool that does include the store, opened later
    with make_client(settings) as finance:
        sign_in(finance, world.finance.username)
        assert finance.get(f"/api/claims/{claim_id}").json()["pool"] is None
        refused = finance.post(f"/api/claims/{claim_id}/decision", json={"action": "approve"})
        assert refused.status_code == 409 and refused.json()["code"] == "no_pool", refused.text
        assert "choose" in refused.json()["detail"]
        unknown = finance.post(f"/api/claims/{claim_id}/decision", json={"action": "approve", "pool_id": "nope"})
        assert unknown.status_code == 409 and unknown.json()["code"] == "no_pool"
        wrong = finance.post(f"/api/claims/{claim_id}/decision", json={"action": "approve", "pool_id": elsewhere.id})
        assert wrong.status_code == 400 and wrong.json()["code"] == "pool_not_for_store"
        assert _spent(session, own.id) == 0 and _spent(session, elsewhere.id) == 0
        chosen = finance.post(f"/api/claims/{claim_id}/decision", json={"action": "approve", "pool_id": own.id})
        assert chosen.status_code == 200, chosen.text
        assert _spent(session, own.id) == 30_00
        # reopened, it is back without a pool: finance chooses again
        reopened = finance.post(f"/api/claims/{claim_id}/reopen")
        assert reopened.status_code == 200 and reopened.json()["pool"] is None
        assert _spent(session, own.id) == 0
    assert _claim(app_client, claim_id).get("pool") is None
