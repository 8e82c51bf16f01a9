"""The potential ranking as people use it: the latest model's list for the caller's stores, trial
samples to its top stores in one action, and the durable job that retrains it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server import authz
from server.accounts.models import User
from server.accounts.service import Actor
from server.audit import service as audit
from server.catalog.models import Material, MaterialAllocation
from server.catalog.publish import publish_allocation
from server.csvout import csv_bytes
from server.db import utcnow
from server.errors import Conflict, InvalidInput, NotFound
from server.insights import potential
from server.insights.models import PotentialModel, StorePotential
from server.insights.stock import store_scope
from server.jobs.models import Job
from server.jobs.service import Claimed, GiveUp, Inputs, JobKind, enqueue
from server.review.dashboard import today
from server.review.repository import team_scope
from server.settings import Settings
from server.stores.models import Store
from sync.ids import uuid7

RETRAIN = "insights.retrain"
SAMPLE_MATERIAL = "POSM-008"  # the demo's trial pack (试饮装); any material code may be sent


def latest_model(session: Session) -> PotentialModel | None:
    return session.exec(select(PotentialModel).order_by(col(PotentialModel.version).desc())).first()


def model_view(row: PotentialModel | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "version": row.version,
        "trained_at": row.trained_at.isoformat(),
        "trained_on": row.trained_on,
        "window_days": row.window_days,
        "stores": row.stores,
        "auc": row.auc,
        "lift_top20": row.lift_top20,
        "train_seconds": row.train_seconds,
        "backtest": row.detail.get("backtest"),
        "top_share": row.detail.get("top_share"),
        "algorithm": row.detail.get("algorithm"),
    }


def _scope_key(team: str | None, region: str | None) -> str:
    return f"team:{team}" if team else f"region:{region}" if region else "all"


def ranking(
    session: Session,
    actor: Actor,
    *,
    team: str | None,
    region: str | None,
    top_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """The caller's stores in the latest model's order (rank is over every store), with each
    store's top factors; ``top`` marks the stores in the top share for trial samples."""
    authz.require(actor, authz.Action.REVIEW_READ)
    team = team_scope(actor, team)
    model = latest_model(session)
    if model is None:
        return {"model": None, "items": [], "total": 0, "top_total": 0, "samples": None}
    conditions = [col(StorePotential.model_id) == model.id]
    reps: dict[str, User] = {}
    if team is not None:
        reps = {u.id: u for u in session.exec(select(User).where(User.team_id == team))}
        conditions.append(col(Store.rep_id).in_(list(reps)))
    if region is not None:
        conditions.append(col(Store.region_id) == region)
    joined = (col(Store.id) == col(StorePotential.store_id),)

    def count(*more: Any) -> int:
        query = sa_select(func.count()).select_from(StorePotential).join(Store, *joined).where(*conditions, *more)
        return int(session.execute(query).scalar() or 0)

    top_total = count(col(StorePotential.top).is_(True))
    if top_only:
        conditions.append(col(StorePotential.top).is_(True))
    total = top_total if top_only else count()
    query = (
        sa_select(StorePotential, col(Store.code), col(Store.name), col(Store.channel), col(Store.rep_id))
        .join(Store, *joined)
        .where(*conditions)
        .order_by(col(StorePotential.rank))
        .limit(limit)
        .offset(offset)
    )
    chosen = list(session.execute(query))
    missing = {r[4] for r in chosen if r[4] and r[4] not in reps}
    if missing:
        reps.update({u.id: u for u in session.exec(select(User).where(col(User.id).in_(list(missing))))})
    items = []
    for score, code, name, channel, rep_id in chosen:
        rep = reps.get(rep_id or "")
        items.append(
            {
                "rank": score.rank,
                "score": score.score,
                "top": score.top,
                "factors": score.factors,
                "store": {"id": score.store_id, "code": code, "name": name, "channel": channel},
                "rep": {"username": rep.username, "name": rep.display_name} if rep else None,
            }
        )
    key = _scope_key(team, region)
    return {
        "model": model_view(model),
        "items": items,
        "total": total,
        "top_total": top_total,
        "samples": (model.detail.get("samples") or {}).get(key),
    }


def export_ranking(session: Session, actor: Actor, *, team: str | None, region: str | None) -> bytes:
    found = ranking(session, actor, team=team, region=region, limit=1_000_000)
    version = found["model"]["version"] if found["model"] else ""
    rows = [
        [version, i["rank"], i["score"], "yes" if i["top"] else "", i["store"]["code"], i["store"]["name"],
         i["rep"]["username"] if i["rep"] else "", "; ".join(f"{f['key']} {f['effect']:+.2f}" for f in i["factors"])]
        for i in found["items"]
    ]  # fmt: skip
    return csv_bytes(["model_version", "rank", "score", "top", "store_code", "store", "rep", "top_factors"], rows)


def allocate_samples(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    version: int,
    material_code: str,
    per_store: int,
    team: str | None,
    region: str | None,
) -> dict[str, Any]:
    """Trial samples to the top stores of the caller's scope, in one action: each rep's allocation
    of the material this month grows by ``per_store`` for each of their top stores. Once per
    model version and scope (a second time is 409: a new version ranks again)."""
    authz.require(actor, authz.Action.SAMPLE_ALLOCATE)
    if not 1 <= per_store <= 100:
        raise InvalidInput("per_store is 1 to 100.", extra={"field": "per_store"})
    model = session.exec(select(PotentialModel).where(PotentialModel.version == version)).first()
    latest = latest_model(session)
    if model is None or latest is None:
        raise NotFound("No such model version.")
    if model.id != latest.id:
        raise Conflict("A newer model has ranked the stores since: allocate from its list.", code="model_outdated")
    material = session.exec(select(Material).where(Material.code == material_code)).first()
    if material is None:
        raise InvalidInput("No material with this code.", code="unknown_material", extra={"field": "material"})
    team = team_scope(actor, team)
    scope = store_scope(session, actor, team=team, region=region)
    key = _scope_key(team, region)
    done = dict(model.detail.get("samples") or {})
    if key in done:
        raise Conflict("Samples were already allocated from this ranking.", code="already_allocated")
    wanted = set(scope.stores)
    tops = session.execute(
        sa_select(col(StorePotential.store_id), col(Store.rep_id))
        .join(Store, col(Store.id) == col(StorePotential.store_id))
        .where(col(StorePotential.model_id) == model.id, col(StorePotential.top).is_(True))
    ).all()
    per_rep: dict[str, int] = {}
    for store_id, rep_id in tops:
        if store_id in wanted and rep_id:
            per_rep[rep_id] = per_rep.get(rep_id, 0) + 1
    if not per_rep:
        raise InvalidInput("None of your stores is in the top of this ranking.", code="no_top_stores")
    period = utcnow().astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m")
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(list(per_rep))))}
    reps: list[dict[str, Any]] = []
    for rep_id, stores in sorted(per_rep.items(), key=lambda kv: users[kv[0]].username):
        row = session.exec(
            select(MaterialAllocation).where(
                MaterialAllocation.rep_id == rep_id,
                MaterialAllocation.material_id == material.id,
                MaterialAllocation.period == period,
            )
        ).first() or MaterialAllocation(id=uuid7(), rep_id=rep_id, material_id=material.id, period=period, quantity=0)
        before = row.quantity
        row.quantity = before + stores * per_store
        session.add(row)
        session.flush()
        publish_allocation(session, row)
        reps.append(
            {"rep": users[rep_id].username, "stores": stores, "added": stores * per_store, "quantity": row.quantity}
        )
    summary = {
        "material": material.code,
        "per_store": per_store,
        "stores": sum(per_rep.values()),
        "units": sum(r["added"] for r in reps),
        "period": period,
        "at": utcnow().isoformat(),
        "by": actor.user.username,
    }
    model.detail = {**model.detail, "samples": {**done, key: summary}}
    session.add(model)
    audit.record(
        session, actor, entity="potential_model", entity_id=model.id, action="allocate_samples",
        changes={**summary, "scope": key, "version": model.version},
    )  # fmt: skip
    return {**summary, "reps": reps}


# -- retraining -------------------------------------------------------------------------------


def request_retrain(session: Session, actor: Actor) -> dict[str, Any]:
    """Queue a retraining (the worker runs it); one waiting at a time."""
    authz.require(actor, authz.Action.MODEL_TRAIN)
    waiting = session.execute(
        sa_select(func.count()).where(col(Job.kind) == RETRAIN, col(Job.status).in_(["queued", "running"]))
    ).scalar()
    if not waiting:
        enqueue(session, RETRAIN, f"retrain:{uuid7()}", {"by": actor.user_id})
    audit.record(session, actor, entity="potential_model", entity_id="-", action="retrain", changes={})
    return {"queued": True, "already_waiting": bool(waiting)}


def _load(session: Session, settings: Settings, job: Claimed) -> Inputs:
    return Inputs(value=None)


def _write(session: Session, settings: Settings, inputs: Inputs, found: Any) -> dict[str, Any]:
    trained = retrain_now(session, settings, utcnow())
    return {"version": trained.model.version, "stores": trained.scored, "auc": trained.model.auc}


def retrain_now(session: Session, settings: Settings, now: datetime) -> potential.Trained:
    try:
        return potential.train(session, now, today(settings), settings.sell_through_days, settings.potential_top_share)
    except ValueError as exc:
        raise GiveUp(str(exc)) from exc


RETRAIN_JOB = JobKind(RETRAIN, load=_load, write=_write)
