"""Promotion claims: promotions, budget pools, the OCR reading job and finance review."""
