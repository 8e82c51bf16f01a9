"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106 low-memory profile).

Each hash or verification takes 64 MiB for a moment; at most ``CONCURRENT_HASHES`` run at
once, so a burst of sign-ins (every rep at 8 a.m.) cannot multiply that by the thread count.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


CONCURRENT_HASHES = 2
_slots = threading.BoundedSemaphore(CONCURRENT_HASHES)


def hash_password(password: str) -> str:
    with _slots:
        return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _slots:
            return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# Verifying against this when the username is unknown keeps both answers equally slow.
_dummy_hash: str | None = None
_dummy_lock = threading.Lock()


def verify_unknown_user(password: str) -> bool:
    """The work of ``verify_password`` for a user who does not exist; always False."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = hash_password("not-a-real-password")
    verify_password(_dummy_hash, password)
    return False
