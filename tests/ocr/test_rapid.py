"""RapidOCR (PP-OCR on onnxruntime), the real models from the wheel: line grouping, receipts
(real SROIE scans and generated Chinese ones) with their fields' boxes, and a missing model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr import EngineError, engine_named, read_receipt
from ocr.engine import Word
from ocr.fields import normalise_merchant
from ocr.rapid import DET_SIDE, RapidOcr, det_side_default, group_lines, missing_models
from tests.ocr.conftest import SROIE, key


def test_the_models_are_installed() -> None:
    # Loud, not skipped: the receipt reader's default engine needs them (pyproject.toml installs them).
    assert missing_models() == []


def word(text: str, left: int, top: int, width: int = 80, height: int = 20, slope: float = 0.0) -> Word:
    return Word(text, 0.9, (left, top, width, height), slope)


def test_a_label_and_its_amount_far_right_are_one_line() -> None:
    lines = group_lines(
        [word("18.00", 600, 103), word("TOTAL", 20, 100), word("CASH", 20, 140), word("20.00", 600, 141)]
    )
    assert [line.text for line in lines] == ["TOTAL 18.00", "CASH 20.00"]


def test_a_tilted_page_still_pairs_label_and_amount() -> None:
    # the page turned by ~3°: the amount 600 px to the right sits 30 px lower than its label,
    # more than a line's height, yet the boxes' own slope says so
    slope = 0.05
    words = [
        word("TOTAL", 20, 100, slope=slope),
        word("18.00", 620, 130, slope=slope),
        word("CASH", 20, 125, slope=slope),
        word("20.00", 620, 155, slope=slope),
    ]
    assert [line.text for line in group_lines(words)] == ["TOTAL 18.00", "CASH 20.00"]


def test_stacked_boxes_stay_apart() -> None:
    # two boxes at the same place, a little offset in height, are two lines, not one
    lines = group_lines([word("AEON CO.", 100, 50, 300, 30), word("(M) BHD", 110, 64, 280, 30)])
    assert len(lines) == 2


@pytest.mark.parametrize(("name", "total", "day"), [("038", "13.10", "2018-03-11"), ("599", "42.40", "2018-05-19")])
def test_real_receipts_with_their_boxes(name: str, total: str, day: str) -> None:
    receipt = read_receipt((SROIE / "img" / f"{name}.jpg").read_bytes(), engine=engine_named("rapidocr"))
    truth = key(SROIE, name)
    assert receipt.total.value == total
    assert receipt.date.value == day
    assert normalise_merchant(receipt.merchant.value or "") == normalise_merchant(truth["company"])
    for field in (receipt.merchant, receipt.date, receipt.total):
        assert field.box is not None and field.line
        x, y, w, h = field.box
        assert 0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h < 0.2
    # the total's line is below the merchant's
    assert receipt.total.box and receipt.merchant.box and receipt.total.box[1] > receipt.merchant.box[1]


def test_generated_chinese_receipts(generated: Path) -> None:
    engine = engine_named("rapidocr")
    names = sorted(p.stem for p in (generated / "img").iterdir())
    for name in names:
        truth = key(generated, name)
        receipt = read_receipt((generated / "img" / f"{name}.jpg").read_bytes(), engine=engine)
        assert receipt.total.value == truth["total"], name
        assert receipt.date.value == truth["iso_date"], name
        assert normalise_merchant(receipt.merchant.value or "") == normalise_merchant(truth["company"]), name
        assert receipt.currency == "CNY"


def test_one_engine_per_process() -> None:
    assert engine_named("rapidocr") is engine_named("rapidocr")


def test_missing_models_fail_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A wheel without its models (the one fault we cannot cause by installing): a clear error,
    # naming the install, never a download.
    monkeypatch.setattr("ocr.rapid.models_dir", lambda: tmp_path)
    with pytest.raises(EngineError, match="pip install"):
        RapidOcr()


def test_the_detector_size_is_a_setting_with_a_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIELDVISIT_OCR_DET_SIDE", raising=False)
    assert det_side_default() == DET_SIDE == 1280
    monkeypatch.setenv("FIELDVISIT_OCR_DET_SIDE", "960")
    assert det_side_default() == 960
    monkeypatch.setenv("FIELDVISIT_OCR_DET_SIDE", "12")  # too small to find any text: the floor
    assert det_side_default() == 320
    monkeypatch.setenv("FIELDVISIT_OCR_DET_SIDE", "big")  # not a number: the default, not a crash
    assert det_side_default() == DET_SIDE
