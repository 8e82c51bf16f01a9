"""UUIDv7 identifiers (RFC 9562): time-ordered, generated on any device without asking a server.

Python 3.11 has no ``uuid.uuid7``; this is the RFC's layout: 48 bits of Unix
milliseconds, version 7, 12 random bits, variant, 62 random bits.  The
timestamp only helps index locality; nothing relies on device clocks being right.
"""

from __future__ import annotations

import os
import re
import time
import uuid


def uuid7(now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68 & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


UUID7_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
_UUID7 = re.compile(UUID7_PATTERN)


def is_uuid7(value: object) -> bool:
    """A canonical (lowercase, hyphenated) UUID of version 7 and the RFC variant."""
    return isinstance(value, str) and _UUID7.match(value) is not None
