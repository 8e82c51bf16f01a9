from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.ocr.conftest import SROIE

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ocr", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_receipt_command_prints_fields_with_confidences(tmp_path: Path) -> None:
    stores = tmp_path / "stores.csv"
    stores.write_text("id,name\ns1,YHM AEON TEBRAU CITY\ns2,99 SPEED MART S/B\n", encoding="utf-8")
    done = run("receipt", str(SROIE / "img" / "038.jpg"), "--stores", str(stores))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["total"]["value"] == "13.10" and 0 < out["total"]["confidence"] <= 1
    assert set(out["timings"]) >= {"decode", "prepare", "total"}
    assert "store" in out


def test_several_receipts_one_line_each_and_a_bad_file_does_not_stop_the_rest(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a picture")
    files = [SROIE / "img" / "038.jpg", junk, SROIE / "img" / "599.jpg"]
    done = run("receipt", *map(str, files), "--engine", "rapidocr")
    assert done.returncode == 2, done.stderr  # one file failed
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["file"] for row in rows] == list(map(str, files))
    assert [row.get("total", {}).get("value") for row in rows] == ["13.10", None, "42.40"]
    assert rows[1]["error"] == "not_an_image"
    assert all(row["seconds"] > 0 for row in rows)
    assert rows[0]["total"]["box"] is not None


def test_watermark_and_photo_commands(generated: Path) -> None:
    photo = sorted((generated / "photos").glob("*.jpg"))[0]
    truth = json.loads(photo.with_suffix(".json").read_text(encoding="utf-8"))
    done = run("watermark", str(photo), "--store", truth["store"], "--expected", truth["time"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["check"]["flags"] == []
    done = run("photo", str(photo))
    assert len(json.loads(done.stdout)["phashes"]) == 9


def test_not_an_image_exits_2_with_a_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\x00" * 64)
    done = run("receipt", str(junk))
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"] == "not_an_image"


def test_help() -> None:
    assert "receipt" in run("--help").stdout
