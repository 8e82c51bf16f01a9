"""Fieldvisit server: the Litestar app that wires the ``sync``, ``ocr`` and ``speech`` libraries in."""
