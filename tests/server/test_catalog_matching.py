"""Competitor codes: exact barcode, fuzzy names, and barcodes read from a photo by zxing-cpp."""

from __future__ import annotations

import hashlib
import io

import zxingcpp
from litestar.testing import TestClient
from PIL import Image, ImageDraw
from sqlmodel import Session

from server.catalog.models import CompetitorSku
from tests.conftest import sign_in
from tests.factories import World


def _catalogue(session: Session) -> list[CompetitorSku]:
    skus = [
        CompetitorSku(
            barcode="6901234567892", brand="峨眉雪", name="峨眉雪 矿泉水 550ml", name_en="Emeixue mineral water 550ml"
        ),
        CompetitorSku(
            barcode="6923456789012", brand="熊猫", name="熊猫 冰红茶 500ml", name_en="Panda iced black tea 500ml"
        ),
        CompetitorSku(
            barcode="6934567890122",
            brand="锦城大曲",
            name="锦城大曲 浓香型 52度 500ml",
            name_en="Jincheng Daqu strong-aroma 52% 500ml",
        ),
    ]
    session.add_all(skus)
    session.commit()
    return skus


def test_exact_code_else_fuzzy_names(app_client: TestClient, world: World, session: Session) -> None:
    water, tea, liquor = _catalogue(session)
    sign_in(app_client, world.east.reps[0].username)
    exact = app_client.get("/api/catalog/competitor-skus/match", params={"code": "6923456789012"}).json()
    assert exact["exact"]["id"] == tea.id and exact["suggestions"] == []
    fuzzy = app_client.get(
        "/api/catalog/competitor-skus/match", params={"code": "0000", "name": "锦城 大曲 52度"}
    ).json()
    assert fuzzy["exact"] is None and fuzzy["suggestions"][0]["id"] == liquor.id
    english = app_client.get("/api/catalog/competitor-skus/match", params={"name": "emeixue water"}).json()
    assert english["suggestions"][0]["id"] == water.id
    nothing = app_client.get("/api/catalog/competitor-skus/match", params={"name": "zzzz qqqq"}).json()
    assert nothing == {"exact": None, "suggestions": []}


def _shelf_photo(code: str) -> bytes:
    label = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.EAN13).to_image(scale=4)
    bars = Image.frombuffer("L", (label.shape[1], label.shape[0]), bytes(memoryview(label)), "raw", "L", 0, 1)
    photo = Image.new("RGB", (1200, 900), (180, 160, 120))
    draw = ImageDraw.Draw(photo)
    for x in range(0, 1200, 60):  # shelf clutter around the label
        draw.rectangle([x, 0, x + 25, 200], fill=(90, 60, 30))
    photo.paste(Image.new("RGB", (bars.width + 60, bars.height + 60), "white"), (300, 350))
    photo.paste(bars.convert("RGB"), (330, 380))
    buf = io.BytesIO()
    photo.rotate(4, expand=True, fillcolor=(180, 160, 120)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def test_a_barcode_is_read_from_a_photo(app_client: TestClient, world: World, session: Session) -> None:
    _, tea, _ = _catalogue(session)
    sign_in(app_client, world.east.reps[0].username)
    data = _shelf_photo(tea.barcode)
    sha = hashlib.sha256(data).hexdigest()
    upload = app_client.put(
        f"/api/blobs/{sha}",
        params={"offset": 0, "total": len(data)},
        content=data,
        headers={"content-type": "application/octet-stream"},
    )
    assert upload.json()["state"] == "complete"
    decoded = app_client.post("/api/catalog/barcodes/decode", json={"sha256": sha}).json()
    assert [c["code"] for c in decoded["codes"]] == [tea.barcode]
    assert decoded["codes"][0]["format"] == "EAN-13" and decoded["codes"][0]["exact"]["id"] == tea.id
    # A photo without a barcode reads nothing; an unknown photo is a 404.
    plain = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(plain, "JPEG")
    other = hashlib.sha256(plain.getvalue()).hexdigest()
    app_client.put(
        f"/api/blobs/{other}",
        params={"offset": 0, "total": len(plain.getvalue())},
        content=plain.getvalue(),
        headers={"content-type": "application/octet-stream"},
    )
    assert app_client.post("/api/catalog/barcodes/decode", json={"sha256": other}).json() == {"codes": []}
    assert app_client.post("/api/catalog/barcodes/decode", json={"sha256": "0" * 64}).status_code == 404
