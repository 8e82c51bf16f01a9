"""Shop signs with the real RapidOCR engine, on the storefront photos shipped under
``data/signs`` (drawn by ``python -m ocr signs``: perspective, uneven light, a pole or cable
across some boards, an upright board): the store named among 20 candidates, another store's photo
flagged, and what is not a sign or not a photo."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from ocr import NotAnImage, engine_named
from ocr.signs import Sign, check_sign, core, match_sign, read_sign

SIGNS = Path(__file__).resolve().parent / "data" / "signs"
NAMES = sorted(p.stem for p in (SIGNS / "img").glob("*.jpg"))
ROOT = Path(__file__).resolve().parents[2]


def truth(name: str) -> dict:
    return json.loads((SIGNS / "key" / f"{name}.json").read_text(encoding="utf-8"))


def test_the_shipped_set_has_the_hard_kinds() -> None:
    kinds = [truth(n) for n in NAMES]
    assert len(kinds) >= 8
    assert any(k["vertical"] for k in kinds) and any(k["occluded"] for k in kinds)
    assert any(k["sign"] != k["name"] for k in kinds)  # a branch in brackets on the board


@pytest.fixture(scope="module")
def read() -> dict[str, Sign]:
    engine = engine_named("rapidocr")
    return {n: read_sign((SIGNS / "img" / f"{n}.jpg").read_bytes(), engine=engine) for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_the_right_store_among_twenty(read: dict[str, Sign], name: str) -> None:
    t = truth(name)
    candidates = [(c, c) for c in t["candidates"]]
    assert len(candidates) == 20
    found = match_sign(read[name].texts, candidates)
    assert found is not None and found.name == t["name"], read[name].texts
    own = check_sign(read[name], (t["name"], t["name"]), candidates)
    assert own.flags == [] and own.best is not None and own.best.id == t["name"]


def test_another_stores_photo_is_flagged(read: dict[str, Sign]) -> None:
    flagged = 0
    for name in NAMES:
        t = truth(name)
        candidates = [(c, c) for c in t["candidates"]]
        # expected: a store of the same town with nothing in common with the one shown
        other = next(c for c in candidates if not set(core(c[0])) & set(core(t["name"])))
        flagged += check_sign(read[name], other, candidates).flags == ["sign_mismatch"]
    assert flagged == len(NAMES)


def test_close_names_are_not_guessed() -> None:
    # one character apart (烟酒店 / 烟酒行) and the sign half read: no store is named
    assert match_sign(["鑫盛烟酒"], [("a", "鑫盛烟酒店"), ("b", "鑫盛烟酒行")]) is None
    assert match_sign(["鑫盛烟酒店"], [("a", "鑫盛烟酒店"), ("b", "华联超市")]).id == "a"  # type: ignore[union-attr]
    assert core("红旗连锁（春熙路店）") == "红旗"


def test_a_photo_without_a_sign_says_nothing() -> None:
    blank = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 170, 160)).save(blank, "JPEG")
    sign = read_sign(blank.getvalue(), candidates=[("a", "华联超市")])
    assert sign.texts == [] and sign.match is None
    assert check_sign(sign, ("a", "华联超市"), [("b", "鑫盛超市")]).flags == []


def test_not_a_photo_is_refused() -> None:
    with pytest.raises(NotAnImage):
        read_sign(b"GIF89a but not really")


def test_sign_command(tmp_path: Path) -> None:
    t = truth(NAMES[0])
    names = tmp_path / "names.txt"
    names.write_text("\n".join(t["candidates"]), encoding="utf-8")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\x00" * 10)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ocr",
            "sign",
            str(SIGNS / "img" / f"{NAMES[0]}.jpg"),
            str(junk),
            "--candidates",
            str(names),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["match"]["name"] == t["name"] and first["match"]["score"] >= 60 and first["lines"]
    assert second["error"] == "not_an_image"
