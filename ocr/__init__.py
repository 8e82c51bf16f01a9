"""Fieldvisit OCR library (receipts, watermarks, photo checks); no web framework inside.

Public API: ``read_receipt`` (merchant, date, total with confidences), ``read_watermark`` and
``check_watermark`` (time and place printed on a photo, compared with a visit or claim),
``phashes`` / ``closest`` (recycled photos), ``quality`` (blur, darkness), ``match_store``
(rapidfuzz over the store list), ``check_image`` / ``open_photo`` (safe decoding of untrusted
photos), ``read_barcodes`` (zxing-cpp) and the ``OcrError`` hierarchy. ``python -m ocr --help``.
"""

from ocr.barcodes import Barcode, read_barcodes
from ocr.engine import ENGINES, Engine, Tesseract, engine_named
from ocr.errors import EngineError, ImageError, ImageTooLarge, NotAnImage, OcrError, TruncatedImage
from ocr.images import MAX_PIXELS, ImageInfo, check_image, open_photo
from ocr.match import StoreMatch, match_store
from ocr.photos import SAME_PHOTO_BITS, Quality, closest, phashes, quality
from ocr.receipt import Receipt, read_receipt
from ocr.watermark import Watermark, WatermarkCheck, check_watermark, read_watermark

__all__ = [
    "ENGINES",
    "MAX_PIXELS",
    "SAME_PHOTO_BITS",
    "Barcode",
    "Engine",
    "EngineError",
    "ImageError",
    "ImageInfo",
    "ImageTooLarge",
    "NotAnImage",
    "OcrError",
    "Quality",
    "Receipt",
    "StoreMatch",
    "Tesseract",
    "TruncatedImage",
    "Watermark",
    "WatermarkCheck",
    "check_image",
    "check_watermark",
    "closest",
    "engine_named",
    "match_store",
    "open_photo",
    "phashes",
    "quality",
    "read_barcodes",
    "read_receipt",
    "read_watermark",
]
