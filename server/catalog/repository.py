"""All queries on the catalogues the controller answers.

The catalogues are public: every signed-in user reads all of them (the phone caches them for use
offline), so nothing here is narrowed by ``server/scope.py`` and there is no "readable by" statement.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from server.catalog.models import CompetitorSku, Material, Sku


def skus(session: Session) -> list[Sku]:
    """Every SKU of our own, by code (public)."""
    return list(session.exec(select(Sku).order_by(col(Sku.code))))


def competitor_skus(session: Session) -> list[CompetitorSku]:
    """Every competitor SKU, by brand and name (public)."""
    return list(session.exec(select(CompetitorSku).order_by(col(CompetitorSku.brand), col(CompetitorSku.name))))


def materials(session: Session) -> list[Material]:
    """Every display material, by code (public)."""
    return list(session.exec(select(Material).order_by(col(Material.code))))
