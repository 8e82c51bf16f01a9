from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr.synth import write_dataset

SROIE = Path(__file__).resolve().parent / "data" / "sroie"  # two real receipts, see its README


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ocr-generated")
    write_dataset(root, receipts=6, photos=4, seed=21)
    return root


def key(root: Path, name: str) -> dict:
    return json.loads((root / "key" / f"{name}.json").read_text(encoding="utf-8"))
