"""Fieldvisit OCR library (receipts, watermarks, photo checks); no web framework inside.

Public API so far: ``check_image`` (safe decoding of untrusted photos), ``read_barcodes``
(zxing-cpp) and the ``OcrError`` hierarchy. Receipts and watermarks arrive with the promotion-claims issue.
"""

from ocr.barcodes import Barcode, read_barcodes
from ocr.errors import ImageError, ImageTooLarge, NotAnImage, OcrError, TruncatedImage
from ocr.images import MAX_PIXELS, ImageInfo, check_image, open_photo
from ocr.receipt import Receipt, read_receipt

__all__ = [
    "MAX_PIXELS",
    "Barcode",
    "ImageError",
    "ImageInfo",
    "ImageTooLarge",
    "NotAnImage",
    "OcrError",
    "Receipt",
    "TruncatedImage",
    "check_image",
    "open_photo",
    "read_barcodes",
    "read_receipt",
]
