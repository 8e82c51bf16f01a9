"""Turning recognised words into text: Mandarin without spaces between Han characters."""

from __future__ import annotations

import unicodedata


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK Unified Ideographs
        or 0x3400 <= code <= 0x4DBF  # Extension A
        or 0x20000 <= code <= 0x2FA1F  # Extensions B-F and compatibility supplement
        or 0xF900 <= code <= 0xFAFF  # Compatibility Ideographs
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or unicodedata.east_asian_width(ch) == "F"  # full-width forms
    )


def join_words(words: list[str]) -> str:
    """Join words with spaces, except between two Han characters: ``["你好", "世界", "ok"]`` →
    ``"你好世界 ok"``. Languages written with spaces (English, Korean) keep them."""
    out: list[str] = []
    for word in words:
        word = word.strip()
        if not word:
            continue
        if out and not (_is_han(out[-1][-1]) and _is_han(word[0])):
            out.append(" ")
        out.append(word)
    return "".join(out)


def append_text(current: str | None, addition: str) -> str:
    """``addition`` after what is there, on a new line; nothing typed is ever replaced."""
    current = (current or "").rstrip()
    addition = addition.strip()
    if not addition:
        return current
    return f"{current}\n{addition}" if current else addition
