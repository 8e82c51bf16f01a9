"""Fieldvisit OCR library (receipts, watermarks, photo checks). Built with the promotion-claims issue."""
