"""Suggesting the store a receipt's merchant name refers to (rapidfuzz over the store list)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

SUGGEST_AT = 80.0  # WRatio score from which a store is suggested


@dataclass(frozen=True)
class StoreMatch:
    store_id: str
    name: str
    score: float  # 0..100


def match_store(
    merchant: str | None, stores: Iterable[tuple[str, str]], *, at_least: float = SUGGEST_AT
) -> StoreMatch | None:
    """The store whose name best matches ``merchant`` (``stores`` as (id, name)), or None."""
    if not merchant or not merchant.strip():
        return None
    choices = {store_id: name for store_id, name in stores}
    best = process.extractOne(
        merchant, choices, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=at_least
    )
    if best is None:
        return None
    name, score, store_id = best
    return StoreMatch(str(store_id), name, round(float(score), 1))
