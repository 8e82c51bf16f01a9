"""Reading product barcodes from a photo (zxing-cpp), for phones whose browser has no
BarcodeDetector: the rep photographs the shelf label and the server reads the code."""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp

from ocr.images import open_photo

RETAIL = zxingcpp.barcode_formats_from_str("EAN-13,EAN-8,UPC-A,UPC-E,Code128")


@dataclass(frozen=True)
class Barcode:
    code: str
    format: str


def read_barcodes(data: bytes) -> list[Barcode]:
    """Every retail barcode zxing-cpp finds in the photo (``ImageError`` if it is not a photo)."""
    rgb = open_photo(data)
    found: dict[str, Barcode] = {}
    for result in zxingcpp.read_barcodes(rgb, formats=RETAIL, try_rotate=True, try_downscale=True):
        if result.valid and result.text:
            found.setdefault(result.text, Barcode(result.text, str(result.format)))
    return list(found.values())
