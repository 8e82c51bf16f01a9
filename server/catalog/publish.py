"""The catalogues every phone caches (SKUs, competitor SKUs, materials) and each rep's POSM allocations."""

from __future__ import annotations

from sqlmodel import Session, select

from server.accounts.models import User
from server.catalog.models import CompetitorSku, Material, MaterialAllocation, Sku
from server.replication.publish import publish_public, publish_records
from sync import Collection, Field, Policy, Scope

CATALOGS = {
    name: Collection(name, {f: Field(Policy.SERVER) for f in fields}, device_writable=False)
    for name, fields in {
        "sku": ("code", "barcode", "name", "name_en", "category"),
        "competitor_sku": ("barcode", "brand", "name", "name_en", "category"),
        "material": ("code", "name", "name_en", "unit"),
    }.items()
}
ALLOCATION = Collection(
    "allocation",
    {f: Field(Policy.SERVER) for f in ("material_code", "period", "quantity")},
    device_writable=False,
)


def publish_allocations(session: Session) -> int:
    """Each rep's POSM allocations, to that rep's phone (and their supervisor's)."""
    codes = dict(session.exec(select(Material.id, Material.code)).all())
    teams = dict(session.exec(select(User.id, User.team_id)).all())
    rows = list(session.exec(select(MaterialAllocation)))
    return publish_records(
        session,
        ALLOCATION,
        (
            (
                a.id,
                {"material_code": codes.get(a.material_id), "period": a.period, "quantity": a.quantity},
                Scope(a.rep_id, teams.get(a.rep_id)),
            )
            for a in rows
        ),
    )


def publish_allocation(session: Session, allocation: MaterialAllocation) -> int:
    """One allocation an admin set, to its rep's phone (and their supervisor's)."""
    material = session.get(Material, allocation.material_id)
    rep = session.get(User, allocation.rep_id)
    values = {
        "material_code": material.code if material else None,
        "period": allocation.period,
        "quantity": allocation.quantity,
    }
    return publish_records(
        session, ALLOCATION, [(allocation.id, values, Scope(allocation.rep_id, rep.team_id if rep else None))]
    )


def publish_catalog(session: Session) -> int:
    written = 0
    for model, name in ((Sku, "sku"), (CompetitorSku, "competitor_sku"), (Material, "material")):
        written += publish_public(session, model, CATALOGS[name])
    return written + publish_allocations(session)
