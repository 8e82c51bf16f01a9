"""Matching what a rep scanned or typed against the competitor catalogue: the barcode exactly,
else the name fuzzily (rapidfuzz), offering the closest few for the rep to choose."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlmodel import Session, select

from server.catalog.models import CompetitorSku

FUZZY_CUTOFF = 55


def _public(sku: CompetitorSku) -> dict[str, Any]:
    return {"id": sku.id, "barcode": sku.barcode, "brand": sku.brand, "name": sku.name, "name_en": sku.name_en}


def match_competitor(session: Session, *, code: str = "", name: str = "", limit: int = 5) -> dict[str, Any]:
    exact = session.exec(select(CompetitorSku).where(CompetitorSku.barcode == code.strip())).first() if code else None
    suggestions: list[dict[str, Any]] = []
    if exact is None and name.strip():
        skus = list(session.exec(select(CompetitorSku)))
        choices = {s.id: f"{s.name} {s.name_en}" for s in skus}
        by_id = {s.id: s for s in skus}
        for _, score, sku_id in process.extract(
            name, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=FUZZY_CUTOFF
        ):
            suggestions.append({**_public(by_id[sku_id]), "score": round(score)})
    return {"exact": _public(exact) if exact else None, "suggestions": suggestions}
