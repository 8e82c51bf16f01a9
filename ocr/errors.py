"""Errors of the OCR library.

OcrError
└── ImageError           the bytes are not a usable photo
    ├── NotAnImage           not an image format Pillow reads (or empty)
    ├── TruncatedImage       the file ends before the picture does
    └── ImageTooLarge        more pixels than a phone photo has (a decompression bomb)
└── EngineError          tesseract is missing, lacks a language, failed or timed out
"""

from __future__ import annotations


class OcrError(Exception):
    code = "ocr_error"


class ImageError(OcrError):
    code = "invalid_image"


class NotAnImage(ImageError):
    code = "not_an_image"


class TruncatedImage(ImageError):
    code = "truncated_image"


class ImageTooLarge(ImageError):
    code = "image_too_large"


class EngineError(OcrError):
    """Tesseract is missing, lacks a language, crashed or took too long."""

    code = "ocr_engine_error"
