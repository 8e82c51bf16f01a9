"""Admins edit the catalogues (own SKUs, competitor SKUs, POSM materials) and each rep's monthly
material allocations. Every change is audited and published into the change sequence at once, the
way ``publish_catalog`` publishes at start-up, so phones pull it on their next sync."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from server import authz
from server.accounts.models import Role, Team, User
from server.accounts.service import Actor
from server.audit import service as audit
from server.catalog.models import CompetitorSku, Material, MaterialAllocation, Sku
from server.catalog.publish import CATALOGS, publish_allocation, publish_allocations
from server.errors import Conflict, InvalidInput, NotFound
from server.replication.publish import publish_public

# kind (as in the URL) -> (model, synced collection name, the field that must be unique)
KINDS: dict[str, tuple[Any, str, str]] = {
    "skus": (Sku, "sku", "code"),
    "competitor-skus": (CompetitorSku, "competitor_sku", "barcode"),
    "materials": (Material, "material", "code"),
}
EDITABLE: dict[str, tuple[str, ...]] = {
    "skus": ("code", "barcode", "name", "name_en", "category", "launch_date", "launch_target"),
    "competitor-skus": ("barcode", "brand", "name", "name_en", "category"),
    "materials": ("code", "name", "name_en", "unit"),
}

REQUIRED = {"skus": ("code", "name"), "competitor-skus": ("barcode", "brand", "name"), "materials": ("code", "name")}


def _kind(kind: str) -> tuple[Any, str, str]:
    if kind not in KINDS:
        raise NotFound(f"No catalogue {kind!r}: one of {', '.join(KINDS)}.")
    return KINDS[kind]


def _values(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    values = {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k in EDITABLE[kind]}
    for key in ("name", "brand", KINDS[kind][2]):
        if key in values and not values[key]:
            raise InvalidInput(f"The {key} cannot be empty.", code="empty_field", extra={"field": key})
    return values


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """The values as the model keeps them (a launch day arrives as ISO text, kept so in the audit)."""
    day = values.get("launch_date")
    return {**values, "launch_date": date.fromisoformat(day)} if isinstance(day, str) else values


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _publish(session: Session, kind: str) -> None:
    model, name, _ = KINDS[kind]
    session.flush()
    publish_public(session, model, CATALOGS[name])
    if model is Material:  # an allocation names its material by code
        publish_allocations(session)


def _unique(session: Session, kind: str, values: dict[str, Any], own_id: str | None) -> None:
    model, _, unique = KINDS[kind]
    value = values.get(unique)
    if value is None:
        return
    other = session.exec(select(model.id).where(getattr(model, unique) == value)).first()
    if other is not None and other != own_id:
        raise Conflict(f"Another item has the {unique} {value}.", code=f"duplicate_{unique}", extra={"field": unique})


def create_item(session: Session, actor: Actor, kind: str, data: dict[str, Any]) -> Any:
    authz.require(actor, authz.Action.CATALOG_EDIT)
    model, name, _ = _kind(kind)
    values = _values(kind, data)
    for key in REQUIRED[kind]:
        if not values.get(key):
            raise InvalidInput(f"A new item needs its {key}.", code="empty_field", extra={"field": key})
    _unique(session, kind, values, None)
    row = model(**_typed(values))
    session.add(row)
    _publish(session, kind)
    audit.record(session, actor, entity=name, entity_id=row.id, action="create", changes=values)
    return row


def update_item(session: Session, actor: Actor, kind: str, item_id: str, data: dict[str, Any]) -> Any:
    authz.require(actor, authz.Action.CATALOG_EDIT)
    model, name, _ = _kind(kind)
    row = session.get(model, item_id)
    if row is None:
        raise NotFound(f"No {name} {item_id}.")
    values = _values(kind, data)
    _unique(session, kind, values, row.id)
    before = {k: _plain(getattr(row, k)) for k in values}
    for key, value in _typed(values).items():
        setattr(row, key, value)
    session.add(row)
    _publish(session, kind)
    changes = audit.diff(before, values)
    if changes:
        audit.record(session, actor, entity=name, entity_id=row.id, action="update", changes=changes)
    return row


# -- allocations --------------------------------------------------------------------------------


def list_allocations(session: Session, actor: Actor, *, period: str, q: str, limit: int, offset: int) -> dict[str, Any]:
    """Reps (by name, matching ``q`` on name, username or team) with what each may place of every
    material in ``period``."""
    authz.require(actor, authz.Action.CATALOG_EDIT)
    reps = select(User, Team).join(Team, col(Team.id) == User.team_id, isouter=True).where(User.role == Role.rep.value)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        reps = reps.where(
            or_(
                func.lower(User.display_name).like(like),
                func.lower(User.username).like(like),
                func.lower(func.coalesce(Team.name, "")).like(like),
                func.lower(func.coalesce(Team.name_en, "")).like(like),
            )
        )
    total = session.exec(select(func.count()).select_from(reps.subquery())).one()
    rows = list(session.exec(reps.order_by(col(User.username)).limit(limit).offset(offset)))
    ids = [u.id for u, _ in rows]
    given: dict[str, dict[str, int]] = {}
    if ids:
        for a in session.exec(
            select(MaterialAllocation).where(
                col(MaterialAllocation.rep_id).in_(ids), MaterialAllocation.period == period
            )
        ):
            given.setdefault(a.rep_id, {})[a.material_id] = a.quantity
    materials = list(session.exec(select(Material).order_by(col(Material.code))))
    return {
        "period": period,
        "total": total,
        "materials": [
            {"id": m.id, "code": m.code, "name": m.name, "name_en": m.name_en, "unit": m.unit} for m in materials
        ],
        "reps": [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "team": {"id": t.id, "name": t.name, "name_en": t.name_en} if t else None,
                "allocations": given.get(u.id, {}),
            }
            for u, t in rows
        ],
    }


def set_allocation(
    session: Session, actor: Actor, *, rep_id: str, material_id: str, period: str, quantity: int
) -> dict[str, Any]:
    """How many of a material a rep may place in a month (0 takes the allocation away)."""
    authz.require(actor, authz.Action.CATALOG_EDIT)
    rep = session.get(User, rep_id)
    if rep is None or rep.role != Role.rep.value:
        raise InvalidInput("rep_id does not name a rep.", code="unknown_rep", extra={"field": "rep_id"})
    if session.get(Material, material_id) is None:
        raise InvalidInput(
            "material_id does not name a material.", code="unknown_material", extra={"field": "material_id"}
        )
    row = session.exec(
        select(MaterialAllocation).where(
            MaterialAllocation.rep_id == rep_id,
            MaterialAllocation.material_id == material_id,
            MaterialAllocation.period == period,
        )
    ).first()
    before = row.quantity if row else None
    if row is None:
        row = MaterialAllocation(rep_id=rep_id, material_id=material_id, period=period, quantity=quantity)
    else:
        row.quantity = quantity
    session.add(row)
    session.flush()
    publish_allocation(session, row)
    if before != quantity:
        audit.record(
            session,
            actor,
            entity="allocation",
            entity_id=row.id,
            action="create" if before is None else "update",
            changes={"rep_id": rep_id, "material_id": material_id, "period": period, "quantity": [before, quantity]},
        )
    return {"id": row.id, "rep_id": rep_id, "material_id": material_id, "period": period, "quantity": quantity}
